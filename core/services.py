"""Kernel writes: one-time phone codes and worker login, staff accounts, roles."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import ApiError, Forbidden, Invalid
from core.models import ConsentRecord, Member, PhoneOTP, RoleAssignment, User
from core.ratelimit import window_allow
from core.sms import provider_allow, send_sms

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(raw: str, field: str = "phone") -> str:
    phone = re.sub(r"[\s\-]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise Invalid("invalid_phone", _("请输入 11 位中国大陆手机号"), field=field)
    return phone


def _otp_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def otp_request(*, phone: str, ip: str | None, public: bool = False) -> PhoneOTP:
    """Send a six-digit login code by SMS, limited per phone and per IP.

    Only an active member's phone on a roster gets an SMS (only they can log in as workers);
    any other number gets the same answer, the same limits and a code row like theirs whose
    code is never sent, so neither this request nor a wrong guess afterwards (``otp_wrong``
    either way) tells a stranger whether a number is on a roster.

    ``public``: the public's phone login (donors of micro-wishes): every number gets its SMS —
    the same limits per phone and per IP — and the answer still says nothing of membership."""
    phone = normalise_phone(phone)
    if not window_allow(f"otp:phone:{phone}", settings.OTP_MAX_PER_PHONE_PER_HOUR, 3600):
        raise ApiError("otp_rate_limited", _("验证码发送过于频繁，请稍后再试"), field="phone", status=429)
    if ip and not window_allow(f"otp:ip:{ip}", settings.OTP_MAX_PER_IP_PER_HOUR, 3600):
        raise ApiError("otp_rate_limited", _("验证码发送过于频繁，请稍后再试"), field="phone", status=429)
    if not provider_allow(phone):  # the SMS gateway's own per-number limits (e.g. one a minute)
        raise ApiError("otp_rate_limited", _("验证码发送过于频繁，请 1 分钟后再试"), field="phone", status=429)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():  # a code that could not be sent leaves no row behind
        otp = PhoneOTP.objects.create(
            phone=phone,
            code_hash=_otp_hash(phone, code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
            ip=ip,
        )
        if public or Member.objects.filter(phone=phone, status=Member.Status.ACTIVE).exists():
            send_sms(
                phone,
                _("【西城工会】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。")
                % {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
                {"code": code, "minutes": settings.OTP_TTL_SECONDS // 60},
            )
    return otp


def otp_verify(*, phone: str, code: str, public: bool = False) -> User:
    """Check the newest unused code for the phone; on success return (or create) the worker's user.

    A code is single-use, expires, and allows a few attempts; only a phone on a union roster
    can log in as a worker (the roster is the membership). A wrong attempt is counted in its
    own committed transaction: raising inside the same one would roll the count back.
    """
    phone = normalise_phone(phone)
    code = (code or "").strip()
    with transaction.atomic():
        otp = (
            PhoneOTP.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise Invalid("otp_expired", _("验证码已过期或未发送，请重新获取"), field="code")
        if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            raise Invalid("otp_too_many_attempts", _("验证码错误次数过多，请重新获取"), field="code")
        correct = hmac.compare_digest(otp.code_hash, _otp_hash(phone, code))
        if correct:
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            return public_user_for_phone(phone) if public else worker_user_for_phone(phone)
        PhoneOTP.objects.filter(pk=otp.pk).update(attempts=otp.attempts + 1)
    raise Invalid("otp_wrong", _("验证码不正确"), field="code")


def worker_user_for_phone(phone: str) -> User:
    member = Member.objects.select_related("user").filter(phone=phone, status=Member.Status.ACTIVE).first()
    if member is None:
        raise Invalid("not_a_member", _("该手机号不在任何工会会员名册中，请联系所在基层工会"), field="phone")
    if member.user_id:
        return member.user
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User(username=f"m{phone}", phone=phone, display_name=member.name)
        user.set_unusable_password()
        user.save()
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    return user


def public_user_for_phone(phone: str) -> User:
    """The public's account behind a verified phone (a micro-wish donor): a member logs in as
    themself; anyone else gets a minimal user on first login — a phone and nothing else, no
    member, no role, no name (the username does not contain the number). A staff account is
    never entered by SMS: staff log in with their password."""
    member = Member.objects.filter(phone=phone, status=Member.Status.ACTIVE).first()
    if member is not None:
        return worker_user_for_phone(phone)
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        if user.is_staff or user.is_superuser or user.roles.exists():
            raise Forbidden("staff_phone_login", _("该手机号属于工作人员账号，请使用用户名和密码登录"), field="phone")
        return user
    user = User(username=f"p-{secrets.token_hex(8)}", phone=phone)
    user.set_unusable_password()
    user.save()
    audit(actor=user, action="user.public_create", obj=user)
    return user


def staff_user_create(*, actor, username: str, password: str, display_name: str, role: str, organisation) -> User:
    user = User.objects.create_user(username=username, password=password, display_name=display_name)
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    audit(actor=actor, action="user.create", obj=user, changes={"role": role, "organisation": organisation.pk}, organisation=organisation)
    return user


def ranking_consent_set(*, member: Member, granted: bool) -> Member:
    """A worker agrees (or no longer agrees) to show their masked name on public rankings."""
    with transaction.atomic():
        member.ranking_consent = granted
        member.save(update_fields=["ranking_consent", "updated_at"])
        ConsentRecord.objects.create(member=member, purpose="ranking_name", granted=granted)
    return member


# --- The organisation tree -------------------------------------------------------------------

ORG_FIELDS = [
    "name",
    "level",
    "kind",
    "ownership",
    "parent",
    "street",
    "credit_code",
    "address",
    "contact_name",
    "contact_phone",
    "founded_on",
]


def _org_rules(*, actor, data: dict, instance=None) -> dict:
    """Checks that a union's place in the tree makes sense and that the actor may put it there."""
    from core import scoping
    from core.models import Organisation
    from core.validators import credit_code_error

    Lv = Organisation.Level
    out = dict(data)
    name = (out.get("name") or "").strip()
    if not name:
        raise Invalid("required", _("请填写名称"), field="name")
    out["name"] = name
    level = out.get("level")
    if level not in Lv.values:
        raise Invalid("invalid_level", _("请选择有效的层级"), field="level")
    if out.get("kind") not in Organisation.Kind.values:
        raise Invalid("invalid_kind", _("请选择有效的类型"), field="kind")
    if (out.get("ownership") or "") not in Organisation.Ownership.values:
        raise Invalid("invalid_ownership", _("请选择有效的所有制"), field="ownership")
    parent = out.get("parent")
    if level == Lv.DISTRICT:
        if parent is not None:
            raise Invalid("invalid_parent", _("区总工会没有上级工会"), field="parent")
        if not scoping.is_district_staff(actor):
            raise Forbidden("forbidden", _("只有区总工会工作人员可以设置区总工会"), field="level")
    else:
        if parent is None:
            raise Invalid("required", _("请选择上级工会"), field="parent")
        allowed_parent = {Lv.STREET: [Lv.DISTRICT], Lv.INDUSTRY: [Lv.DISTRICT], Lv.GRASSROOTS: [Lv.STREET, Lv.INDUSTRY]}[level]
        if parent.level not in allowed_parent:
            raise Invalid(
                "invalid_parent",
                _("上级工会的层级不符合：%(level)s 的上级应为 %(allowed)s")
                % {"level": Lv(level).label, "allowed": "、".join(str(Lv(v).label) for v in allowed_parent)},
                field="parent",
            )
        if instance is not None and instance.pk and parent.path.startswith(instance.path):
            raise Invalid("invalid_parent", _("不能把工会移到它自己的下级之下"), field="parent")
    street = out.get("street")
    if level == Lv.GRASSROOTS:
        if parent is not None and parent.level == Lv.STREET:
            street = parent
        if street is None or street.level != Lv.STREET:
            raise Invalid("required", _("请选择所属街道"), field="street")
    elif level != Lv.STREET:
        street = None
    out["street"] = street
    code = (out.get("credit_code") or "").strip().upper()
    if code:
        reason = credit_code_error(code)
        if reason:
            raise Invalid("invalid_credit_code", reason, field="credit_code")
        clash = Organisation.objects.filter(credit_code=code)
        if instance is not None and instance.pk:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise Invalid("duplicate_credit_code", _("该统一社会信用代码已被其他工会使用"), field="credit_code")
    out["credit_code"] = code
    phone = (out.get("contact_phone") or "").strip()
    if phone and not re.match(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$", phone.replace(" ", "")):
        raise Invalid("invalid_phone", _("请输入有效的手机号或固定电话（如 010-66001234）"), field="contact_phone")
    out["contact_phone"] = phone.replace(" ", "")
    founded = out.get("founded_on")
    if founded and founded > timezone.localdate():
        raise Invalid("invalid_date", _("成立日期不能晚于今天"), field="founded_on")
    for key in ("address", "contact_name", "ownership"):
        out[key] = (out.get(key) or "").strip()
    return out


def _can_place(actor, parent) -> bool:
    from core import scoping

    if parent is None:
        return scoping.is_district_staff(actor)
    return actor.has_perm("core.add_child_organisation", parent)


@transaction.atomic
def organisation_create(*, actor, data: dict):
    """A new union under ``data['parent']``; only district staff and the parent's street/industry staff may."""
    from core.models import Organisation

    cleaned = _org_rules(actor=actor, data=data)
    if not _can_place(actor, cleaned.get("parent")):
        raise Forbidden("forbidden", _("没有权限在该上级工会下新建工会"), field="parent")
    org = Organisation(**{k: cleaned.get(k) for k in ORG_FIELDS})
    org.save()
    audit(actor=actor, action="organisation.create", obj=org, changes={k: str(cleaned.get(k) or "") for k in ORG_FIELDS}, organisation=org)
    return org


@transaction.atomic
def organisation_update(*, actor, organisation, data: dict):
    """Edits a union. Moving it in the tree needs the right to place it under the new parent."""
    from core.audit import diff
    from core.models import Organisation

    if not actor.has_perm("core.change_organisation", organisation):
        raise Forbidden("forbidden", _("没有权限修改该工会"))
    merged = {k: getattr(organisation, k) for k in ORG_FIELDS}
    merged.update(data)
    cleaned = _org_rules(actor=actor, data=merged, instance=organisation)
    moved = cleaned.get("parent") != organisation.parent or cleaned["level"] != organisation.level
    if moved and not _can_place(actor, cleaned.get("parent")):
        raise Forbidden("forbidden", _("没有权限调整该工会的层级或上级"), field="parent")
    changes = diff(organisation, ORG_FIELDS, cleaned)
    old_path = organisation.path
    for key in ORG_FIELDS:
        setattr(organisation, key, cleaned.get(key))
    organisation.save()
    if organisation.path != old_path:
        _repath_subtree(old_path, organisation.path)
    if changes:
        audit(actor=actor, action="organisation.update", obj=organisation, changes=changes, organisation=organisation)
    return Organisation.objects.get(pk=organisation.pk)


def _repath_subtree(old_prefix: str, new_prefix: str) -> None:
    from core.models import Organisation

    rows = list(Organisation.objects.filter(path__startswith=old_prefix).exclude(path=new_prefix))
    for org in rows:
        org.path = new_prefix + org.path[len(old_prefix) :]
        org.depth = org.path.count(".") - 1
    Organisation.objects.bulk_update(rows, ["path", "depth"], batch_size=1000)


# --- Members ---------------------------------------------------------------------------------

MEMBER_FIELDS = ["name", "phone", "employee_no", "gender", "birth_year", "tags", "status", "joined_on"]


def recount_members(org_ids) -> None:
    """``member_count`` = active members on the roster, recomputed from the roster itself."""
    from django.db.models import Count, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from core.models import Member, Organisation

    counts = (
        Member.objects.filter(organisation=OuterRef("pk"), status=Member.Status.ACTIVE)
        .order_by()
        .values("organisation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Organisation.objects.filter(pk__in=list(set(org_ids))).update(member_count=Coalesce(Subquery(counts), Value(0)))


_LOOKUPS: dict = {}


def _member_lookups(language: str | None) -> dict:
    """Choice labels in both languages and today's date, built once (a roster import judges 50,000 rows)."""
    from core.models import Member

    today = timezone.localdate()
    cached = _LOOKUPS.get(language)
    if cached is not None and cached["today"] == today:
        return cached
    from django.utils import translation

    tag_by_label, status, gender = {}, {}, {"男": "M", "女": "F", "m": "M", "f": "F", "未填": "", "male": "M", "female": "F"}
    for lang in {language or "zh-hans", "zh-hans", "en"}:
        with translation.override(lang):
            tag_by_label.update({str(label): value for value, label in Member.Tag.choices})
            status.update({str(label): value for value, label in Member.Status.choices})
            gender.update({str(label): value for value, label in Member.Gender.choices if value})
    cached = {
        "today": today,
        "this_year": today.year,
        "gender": gender,
        "gender_values": set(Member.Gender.values),
        "tag_values": set(Member.Tag.values),
        "tag_by_label": tag_by_label,
        "status": status,
        "status_values": set(Member.Status.values),
    }
    _LOOKUPS[language] = cached
    return cached


def clean_member_fields(raw: dict, lookup: dict | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """One pass over a member's fields without touching the database: (cleaned, [(field, reason)]).

    Shared by the form, the API and the roster import so a row is judged the same way everywhere.
    """
    from datetime import date

    from django.utils.translation import get_language

    lookup = lookup or _member_lookups(get_language())
    errors: list[tuple[str, str]] = []
    out: dict = {}
    name = str(raw.get("name") or "").strip()
    if not name:
        errors.append(("name", _("姓名不能为空")))
    elif len(name) > 40:
        errors.append(("name", _("姓名不能超过 40 个字")))
    out["name"] = name
    phone_raw = str(raw.get("phone") or "").strip()
    if phone_raw.endswith(".0"):  # a phone typed into a spreadsheet cell becomes a number
        phone_raw = phone_raw[:-2]
    if not phone_raw:
        errors.append(("phone", _("手机号不能为空")))
        out["phone"] = None
    else:
        try:
            out["phone"] = normalise_phone(phone_raw)
        except Invalid:
            errors.append(("phone", _("手机号“%(value)s”格式不正确，应为 11 位中国大陆手机号") % {"value": phone_raw[:20]}))
            out["phone"] = None
    employee_no = str(raw.get("employee_no") or "").strip()
    if employee_no.endswith(".0") and employee_no[:-2].isdigit():
        employee_no = employee_no[:-2]
    if len(employee_no) > 32:
        errors.append(("employee_no", _("工号不能超过 32 位")))
    out["employee_no"] = employee_no
    gender = str(raw.get("gender") or "").strip()
    gender = lookup["gender"].get(gender, gender)
    if gender not in lookup["gender_values"]:
        errors.append(("gender", _("性别应为“男”或“女”")))
    out["gender"] = gender
    birth = raw.get("birth_year")
    if birth in (None, ""):
        out["birth_year"] = None
    else:
        try:
            year = int(float(str(birth).strip()))
        except (ValueError, OverflowError):  # "abc", or an infinite number from a spreadsheet
            year = 0
        if not 1900 <= year <= lookup["this_year"]:
            errors.append(("birth_year", _("出生年份“%(value)s”无效") % {"value": str(birth)[:10]}))
        out["birth_year"] = year or None
    tags = raw.get("tags") or []
    if not isinstance(tags, list | tuple):  # a spreadsheet cell may hold a number, not text
        tags = [t for t in re.split(r"[,，、;；\s]+", str(tags)) if t]
    clean_tags = []
    for tag in tags:
        value = tag if tag in lookup["tag_values"] else lookup["tag_by_label"].get(tag)
        if value is None:
            errors.append(("tags", _("未知的群体标签“%(tag)s”") % {"tag": str(tag)[:20]}))
        elif value not in clean_tags:
            clean_tags.append(value)
    out["tags"] = clean_tags
    status = str(raw.get("status") or "active").strip()
    status = lookup["status"].get(status, status)
    if status not in lookup["status_values"]:
        errors.append(("status", _("状态无效")))
    out["status"] = status
    joined = raw.get("joined_on")
    if joined in (None, ""):
        out["joined_on"] = lookup["today"]
    elif isinstance(joined, date):
        out["joined_on"] = joined.date() if hasattr(joined, "date") and callable(joined.date) else joined
    else:
        text = str(joined).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        try:
            y, m, d = (int(p) for p in text.split(" ")[0].split("-")[:3])
            out["joined_on"] = date(y, m, d)
        except (ValueError, TypeError):
            errors.append(("joined_on", _("入会日期“%(value)s”格式不正确，应为 2020-12-31") % {"value": str(joined)[:20]}))
            out["joined_on"] = None
    if out.get("joined_on") and out["joined_on"] > lookup["today"]:
        errors.append(("joined_on", _("入会日期不能晚于今天")))
    return out, errors


def _raise_first(errors):
    field, reason = errors[0]
    raise Invalid("invalid", reason, field=field, errors=[{"field": f, "reason": r} for f, r in errors])


def _check_member_unique(cleaned: dict, organisation, instance=None) -> None:
    from core.models import Member

    if cleaned.get("phone"):
        clash = Member.objects.filter(phone=cleaned["phone"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise Invalid("duplicate_phone", _("手机号 %(phone)s 已在会员名册中") % {"phone": cleaned["phone"]}, field="phone")
    if cleaned.get("employee_no"):
        clash = Member.objects.filter(organisation=organisation, employee_no=cleaned["employee_no"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise Invalid("duplicate_employee_no", _("工号 %(no)s 在本工会已存在") % {"no": cleaned["employee_no"]}, field="employee_no")


def _require_roster(actor, organisation) -> None:
    from core.models import Organisation

    if not actor.has_perm("core.change_organisation", organisation):
        raise Forbidden("forbidden", _("没有权限管理该工会的会员"))
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("not_grassroots", _("会员只能登记在基层工会"), field="organisation")


@transaction.atomic
def member_create(*, actor, organisation, data: dict):
    """Adds a member to a grassroots union's roster."""
    _require_roster(actor, organisation)
    cleaned, errors = clean_member_fields(data)
    if errors:
        _raise_first(errors)
    _check_member_unique(cleaned, organisation)
    member = Member.objects.create(organisation=organisation, **cleaned)
    recount_members([organisation.pk])
    audit(actor=actor, action="member.create", obj=member, changes={"organisation": organisation.pk}, organisation=organisation)
    return member


@transaction.atomic
def member_update(*, actor, member, data: dict):
    """Edits a member's roster entry (the phone is a login: changing it changes how they log in)."""
    from core.audit import diff

    if not actor.has_perm("core.change_member", member):
        raise Forbidden("forbidden", _("没有权限修改该会员"))
    merged = {k: getattr(member, k) for k in MEMBER_FIELDS}
    merged.update({k: v for k, v in data.items() if k in MEMBER_FIELDS})
    cleaned, errors = clean_member_fields(merged)
    if errors:
        _raise_first(errors)
    _check_member_unique(cleaned, member.organisation, instance=member)
    changes = diff(member, MEMBER_FIELDS, cleaned)
    if "phone" in changes:
        changes["phone"] = ["***", "***"]  # the audit log is not a second copy of personal data
    for key in MEMBER_FIELDS:
        setattr(member, key, cleaned[key])
    member.save()
    if member.user_id and "phone" in changes:
        # The worker logs in with the new number from now on; a stale account holding it is freed.
        User.objects.filter(phone=member.phone).exclude(pk=member.user_id).update(phone=None)
        User.objects.filter(pk=member.user_id).update(phone=member.phone)
    recount_members([member.organisation_id])
    if changes:
        audit(actor=actor, action="member.update", obj=member, changes=changes, organisation=member.organisation)
    return member


@transaction.atomic
def member_transfer(*, actor, member, to_organisation, note: str = ""):
    """Moves a member to another grassroots union, keeping the history (MemberTransfer)."""
    from core.models import MemberTransfer

    if not actor.has_perm("core.change_member", member):
        raise Forbidden("forbidden", _("没有权限转移该会员"))
    if to_organisation is None or not actor.has_perm("core.change_organisation", to_organisation):
        raise Invalid("invalid_target", _("请选择您管理范围内的目标工会"), field="to_organisation")
    if to_organisation.level != to_organisation.Level.GRASSROOTS:
        raise Invalid("not_grassroots", _("会员只能转入基层工会"), field="to_organisation")
    if to_organisation.pk == member.organisation_id:
        raise Invalid("same_organisation", _("会员已在该工会"), field="to_organisation")
    if len(note or "") > 200:
        raise Invalid("too_long", _("备注不能超过 200 字"), field="note")
    member = Member.objects.select_for_update().get(pk=member.pk)
    from_org_id = member.organisation_id
    if member.employee_no and Member.objects.filter(organisation=to_organisation, employee_no=member.employee_no).exists():
        member.employee_no = ""
    member.organisation = to_organisation
    member.save(update_fields=["organisation", "employee_no", "updated_at"])
    transfer = MemberTransfer.objects.create(
        member=member,
        from_organisation_id=from_org_id,
        to_organisation=to_organisation,
        moved_by=actor if actor.is_authenticated else None,
        note=note or "",
    )
    recount_members([from_org_id, to_organisation.pk])
    audit(
        actor=actor,
        action="member.transfer",
        obj=member,
        changes={"from": from_org_id, "to": to_organisation.pk},
        organisation=to_organisation,
    )
    return transfer


def member_search_check(*, viewer, search: str, context: str) -> str:
    """Before a member search: a search by a whole phone number is personal-data access.

    It is rate-limited per viewer (a sweep of numbers stops at ``MEMBER_PHONE_SEARCHES_PER_HOUR``)
    and logged with the member it finds in the viewer's scope (or none). Partial numbers find
    no phone at all (``selectors.member_list``). Returns the search to run."""
    from core import scoping, selectors
    from core.privacy import log_personal_data_access, mask_phone

    search = (search or "").strip()
    if not selectors.PHONE_SEARCH_RE.match(search):
        return search
    if not window_allow(f"member-phone-search:{viewer.pk}", settings.MEMBER_PHONE_SEARCHES_PER_HOUR, 3600):
        raise ApiError("search_rate_limited", _("按手机号搜索过于频繁，请稍后再试"), field="q", status=429)
    found = scoping.members_visible_to(viewer).filter(phone=search).first()
    log_personal_data_access(viewer=viewer, member=found, field="phone_search", context=f"{context} {mask_phone(search)}")
    return search


def member_phone_reveal(*, viewer, member, context: str = "") -> str:
    """The full phone number, for staff allowed to see this member; the access is logged (PIPL)."""
    from core.privacy import log_personal_data_access

    if not (viewer.has_perm("core.change_member", member)):
        raise Forbidden("forbidden", _("没有权限查看该会员的手机号"))
    log_personal_data_access(viewer=viewer, member=member, field="phone", context=context)
    return member.phone or ""


# --- Device tokens ---------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, actor, name: str):
    """A named device token for the actor; the raw key is returned once and stored only hashed."""
    from core.models import ApiToken

    if not actor.has_perm("core.manage_tokens"):
        raise Forbidden("forbidden", _("没有权限签发设备令牌"))
    name = (name or "").strip()
    if not name:
        raise Invalid("required", _("请填写设备名称"), field="name")
    if len(name) > 60:
        raise Invalid("too_long", _("设备名称不能超过 60 个字"), field="name")
    if ApiToken.objects.filter(user=actor, name=name, revoked_at__isnull=True).exists():
        raise Invalid("duplicate_name", _("已有同名的有效令牌"), field="name")
    token, raw = ApiToken.issue(user=actor, name=name)
    audit(actor=actor, action="token.issue", obj=token, changes={"name": name, "prefix": token.prefix})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token):
    """Revokes a device token at once (the next request with it answers 401)."""
    from core import scoping

    if token.user_id != actor.pk and not scoping.is_district_staff(actor):
        raise Forbidden("forbidden", _("没有权限吊销该令牌"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=actor, action="token.revoke", obj=token, changes={"name": token.name, "prefix": token.prefix})
    return token


# --- Coverage --------------------------------------------------------------------------------


@transaction.atomic
def coverage_unit_save(*, actor, data: dict, instance=None):
    """Creates or edits a park/community/building that should have a union, and links its union."""
    from core import scoping
    from core.audit import diff
    from core.models import CoverageUnit, Organisation

    street = data.get("street")
    name = (data.get("name") or "").strip()
    if not name:
        raise Invalid("required", _("请填写名称"), field="name")
    if data.get("kind") not in CoverageUnit.Kind.values:
        raise Invalid("invalid_kind", _("请选择有效的类型"), field="kind")
    if street is None or street.level != Organisation.Level.STREET:
        raise Invalid("required", _("请选择所属街道"), field="street")
    if not (scoping.is_district_staff(actor) or scoping.has_role(actor, scoping.Role.STREET_STAFF)) or not scoping.can_view_organisation(
        actor, street
    ):
        raise Forbidden("forbidden", _("没有权限管理该街道的覆盖对象"), field="street")
    union = data.get("union")
    if union is not None and (union.level != Organisation.Level.GRASSROOTS or union.street_id != street.pk):
        raise Invalid("invalid_union", _("已建工会应为本街道的基层工会"), field="union")
    clash = CoverageUnit.objects.filter(street=street, kind=data["kind"], name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise Invalid("duplicate", _("本街道已有同名同类型的覆盖对象"), field="name")
    values = {"name": name, "kind": data["kind"], "street": street, "union": union}
    if instance is None:
        instance = CoverageUnit.objects.create(**values)
        audit(
            actor=actor, action="coverage.create", obj=instance, changes={k: str(v or "") for k, v in values.items()}, organisation=street
        )
    else:
        changes = diff(instance, list(values), values)
        for key, value in values.items():
            setattr(instance, key, value)
        instance.save()
        if changes:
            audit(actor=actor, action="coverage.update", obj=instance, changes=changes, organisation=street)
    return instance
