"""Masking of personal data wherever it is shown publicly, and the access log for staff views."""

from __future__ import annotations

from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.models import Member, PersonalDataAccess

# Fields of a member whose values an audit entry's changes must not keep after the closure.
PERSONAL_FIELDS = ("name", "phone", "employee_no", "birth_year", "gender")


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


# --- A member's own data (PIPL: access, portability, deletion) ---------------------------------


def _local(value) -> str:
    """A moment as people read it (local time, to the minute), not an ISO stamp with an offset."""
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def member_data_export(member: Member) -> dict:
    """Everything the platform holds about the member, by programme, for them to see and download."""
    from django.utils.module_loading import import_string

    from core.registry import registry

    profile = {
        _("姓名"): member.name,
        _("手机号"): member.phone or "",
        _("工号"): member.employee_no,
        _("性别"): member.get_gender_display(),
        _("出生年份"): member.birth_year or "",
        _("所在工会"): member.organisation.name,
        _("入会日期"): member.joined_on.isoformat() if member.joined_on else "",
        _("群体标签"): "、".join(str(Member.Tag(t).label) for t in member.tags if t in Member.Tag.values),
        _("同意在排行榜显示姓名"): _("是") if member.ranking_consent else _("否"),
    }
    sections = [{"title": _("基本信息"), "rows": [profile]}]
    consents = [
        {_("时间"): _local(c.at), _("事项"): _("排行榜显示姓名"), _("同意"): _("是") if c.granted else _("否")}
        for c in member.consent_records.order_by("at")
    ]
    sections.append({"title": _("授权记录"), "rows": consents})
    transfers = [
        {_("时间"): _local(t.moved_at), _("转出"): t.from_organisation.name, _("转入"): t.to_organisation.name}
        for t in member.transfers.select_related("from_organisation", "to_organisation")
    ]
    sections.append({"title": _("组织关系转移"), "rows": transfers})
    for _order, dotted in registry.personal_data_sections:
        title, rows = import_string(dotted)(member)
        sections.append({"title": title, "rows": rows})
    return {"member_id": member.pk, "sections": sections}


def member_pseudonym(member_id: int) -> str:
    """``已注销会员#<10 hex>``: the same for a member in every record, keyed by ``SECRET_KEY`` so it
    cannot be recomputed from anything public (least of all the phone, which it is not made from)."""
    import hashlib
    import hmac

    from django.conf import settings

    digest = hmac.new(settings.SECRET_KEY.encode(), f"closed-member:{member_id}".encode(), hashlib.sha256).hexdigest()
    return f"{_('已注销会员')}#{digest[:10]}"


def _erase_traces(member: Member, user, pseudonym: str) -> None:
    """What other tables hold of the person: pseudonymised where an audit needs the row, else deleted."""
    from django.apps import apps

    from core.models import AuditLog, PhoneOTP
    from core.registry import registry

    phone = member.phone
    about_them = Q(object_type="core.member", object_id=str(member.pk))
    if user is not None:
        about_them |= Q(object_type="core.user", object_id=str(user.pk))
    AuditLog.objects.filter(about_them).update(object_repr=pseudonym)
    for entry in AuditLog.objects.filter(about_them).exclude(changes={}):
        entry.changes = {k: (["***", "***"] if k in PERSONAL_FIELDS else v) for k, v in entry.changes.items()}
        entry.save(update_fields=["changes"])
    if phone:
        PhoneOTP.objects.filter(phone=phone).delete()
    # Login records (django-axes) are security evidence: kept, under the pseudonym.
    usernames = {n for n in (phone, user.username if user is not None else None) if n}
    for label in ("axes.AccessLog", "axes.AccessAttempt", "axes.AccessFailureLog"):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        rows = model.objects.filter(username__in=usernames)
        if label == "axes.AccessAttempt":
            rows.update(username=pseudonym, get_data="", post_data="")
        else:
            rows.update(username=pseudonym)
    for dotted in registry.account_closure_hooks:
        import_string(dotted)(member)


def member_account_close(*, member: Member, actor) -> Member:
    """Close a member's account at their request: personal data erased, ledger totals kept anonymously.

    The member row stays (with its id) so that ledger entries, collections and organisation
    figures keep adding up; what identifies the person is removed and the login disabled.
    Everywhere else the person appeared is cleaned in the same transaction (``_erase_traces``):
    audit entries and login records keep their rows under a stable pseudonym, one-time codes
    are deleted, and each programme erases the free text the member wrote.
    """
    from django.db import transaction

    from core.audit import audit

    with transaction.atomic():
        user = member.user
        pseudonym = member_pseudonym(member.pk)
        _erase_traces(member, user, pseudonym)
        member.name = pseudonym
        member.phone = None
        member.employee_no = ""
        member.birth_year = None
        member.gender = ""
        member.tags = []
        member.ranking_consent = False
        member.status = Member.Status.CLOSED
        member.user = None
        member.save()
        if user is not None:
            user.wechat_bindings.all().delete()  # the WeChat openid is personal data too
            user.is_active = False
            user.phone = None
            user.display_name = ""
            user.username = f"closed-{user.pk}"
            user.set_unusable_password()
            user.save()
        audit(actor=actor, action="member.close_account", obj=member, organisation=member.organisation)
    return member


def retention_purge() -> str:
    """Scheduled: spent or expired one-time codes older than the retention period are deleted."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from core.models import PhoneOTP

    cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS_OTP)
    deleted, _details = PhoneOTP.objects.filter(created_at__lt=cutoff).delete()
    return f"purged {deleted} one-time codes older than {settings.RETENTION_DAYS_OTP} days"
