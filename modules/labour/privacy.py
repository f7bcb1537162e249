"""A worker's own part of the data export (PIPL): their mediation applications and legal questions."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _


def personal_data(member):
    from modules.labour.models import MediationCase, Question
    from modules.labour.selectors import state_label, with_state

    if not member.user_id:
        return _("劳动争议调解"), []
    rows = [
        {
            "案号": c.number,
            "收到申请": timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M"),
            "争议类型": c.get_dispute_type_display(),
            "用人单位": c.employer_name,
            "申请事项": c.application_text,
            "状态": state_label(c.state),
        }
        for c in with_state(MediationCase.objects.filter(worker_user_id=member.user_id))
    ]
    rows += [{"法律问答": q.question, "解答": q.answer} for q in Question.objects.filter(asked_by_id=member.user_id)]
    return _("劳动争议调解与法律问答"), rows
