"""Masking of personal data wherever it is shown publicly, and the access log for staff views."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.models import Member, PersonalDataAccess


def mask_name(name: str | None) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name or "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """13812341234 → 138****1234."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def public_name(member: Member | None, *, name: str | None = None, consent: bool | None = None) -> str:
    """The name a public ranking may show: masked, and only with the member's consent."""
    if member is not None:
        name, consent = member.name, member.ranking_consent
    if not consent:
        return _("匿名职工")
    return mask_name(name)


def log_personal_data_access(*, viewer, member: Member, field: str, context: str = "") -> None:
    PersonalDataAccess.objects.create(viewer=viewer, member=member, field=field, context=context[:120])
