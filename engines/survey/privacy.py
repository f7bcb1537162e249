"""A person's part of the data export (PIPL: access and portability): their identified
answers in full, and — for anonymous surveys — only that they took part, since nothing else
about their answer can be found."""

from __future__ import annotations

from django.utils.translation import gettext as _

from engines.survey.answering import localized
from engines.survey.models import Participation, Response


def answers_section(member) -> tuple[str, list[dict]]:
    rows = []
    if member.user_id:
        for response in Response.objects.filter(respondent_id=member.user_id).select_related("survey").order_by("submitted_on"):
            survey = response.survey
            labels = {q["name"]: localized(q, "label") for q in survey.questions}
            answers = "；".join(f"{labels.get(k, k)}：{v}" for k, v in response.data.items())
            rows.append({_("问卷"): str(survey), _("提交日期"): response.submitted_on.isoformat(), _("答卷"): answers})
        for participation in Participation.objects.filter(user_id=member.user_id).select_related("survey"):
            rows.append({_("问卷"): str(participation.survey), _("提交日期"): "", _("答卷"): _("匿名问卷：答卷不与您关联，无法查到")})
    return _("问卷调查：我的答卷"), rows
