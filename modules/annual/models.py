"""The annual review's own data: the narrative district staff write around the figures."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.review import CHAPTERS

INTRO = "intro"
NARRATIVE_CHOICES = [(INTRO, _("导语"))] + [(key, heading) for key, heading, _subtitle in CHAPTERS]


class Narrative(models.Model):
    """The text of one chapter (or the introduction) of a year's review: sanitised rich text
    (``core.richtext``) in which ``{{fig:labour.mediated}}`` stands for a live figure."""

    year = models.PositiveSmallIntegerField(_("年度"))
    chapter = models.CharField(_("章节"), max_length=20, choices=NARRATIVE_CHOICES)
    text = models.TextField(_("正文"), blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("年度盘点正文")
        verbose_name_plural = _("年度盘点正文")
        constraints = [models.UniqueConstraint(fields=["year", "chapter"], name="annual_narrative_once")]

    def __str__(self) -> str:
        return f"{self.year} {self.chapter}"

    @property
    def version(self) -> str:
        """What the editor form carries to detect a concurrent save."""
        return self.updated_at.isoformat() if self.text else ""
