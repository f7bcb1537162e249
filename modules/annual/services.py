"""Writes of the annual review: the narrative of a year's chapter."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import richtext
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid
from modules.annual.models import NARRATIVE_CHOICES, Narrative

MAX_LENGTH = 20_000


@transaction.atomic
def narrative_save(*, actor, year: int, chapter: str, text: str, version: str | None = None) -> Narrative:
    """District staff write the text around the figures; it is stored sanitised. ``version`` is
    the text's ``updated_at`` when the form was opened ("" for a new text): if someone saved in
    between, nothing is written and the editor is told (no silent overwrite)."""
    if not actor.has_perm("annual.change_narrative"):
        raise Forbidden("annual_forbidden", _("只有区总工会工作人员可以编辑年度盘点正文"))
    if chapter not in dict(NARRATIVE_CHOICES):
        raise Invalid("invalid_chapter", _("没有这个章节"), field="chapter")
    if len(text or "") > MAX_LENGTH:
        raise Invalid("too_long", _("正文最长 %(n)s 字") % {"n": MAX_LENGTH}, field="text")
    cleaned = richtext.clean(text)
    narrative, created = Narrative.objects.select_for_update().get_or_create(year=year, chapter=chapter)
    if version is not None and not created and version != narrative.version:
        raise Conflict("stale", _("这段正文在您打开后已被他人修改，请复制您的文字后刷新页面再保存"), field="text")
    narrative.text = cleaned
    narrative.updated_at = timezone.now()
    narrative.updated_by = actor
    narrative.save()
    audit(actor=actor, action="annual.narrative", obj=narrative, changes={"year": year, "chapter": chapter})
    return narrative
