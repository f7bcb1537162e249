"""Writing the honours programme. Every change of state is a function here, atomic and audited;
nomination transitions go through ``engines.workflow`` (the guards and effects named in
``process.py`` run inside the transition's transaction)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Member, Organisation, RoleAssignment
from core.notifications import notify
from engines.workflow import services as workflow
from modules.honours import quotas, rules
from modules.honours.models import (
    RANK_ORDER,
    Certificate,
    Course,
    Enrolment,
    Honour,
    HonourLevel,
    Lesson,
    LessonView,
    Nomination,
    Objection,
    OfficialRank,
    OnlineEnrolment,
    PersonCategory,
    Quota,
    Session,
)
from modules.honours.process import KEY

Role = RoleAssignment.Role
# States whose nominations use a unit's places (after the street/industry recommended them).
UNIT_COUNTED = ("recommended", "reviewed", "approved", "notice", "conferred")
# States whose nominations use the honour's places (after the district's decision, 审定).
DISTRICT_COUNTED = ("approved", "notice", "conferred")
TEXT_MAX = 4000


def _text(value, field: str, limit: int, *, required: str | None = None) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid("honours_too_long", _("内容不能超过 %(n)s 字") % {"n": limit}, field=field)
    if required and not text:
        raise Invalid("honours_required", required, field=field)
    return text


def _district_only(actor, message: str) -> None:
    if not scoping.is_district_staff(actor):
        raise Forbidden("honours_forbidden", message)


# --- honours and quotas ------------------------------------------------------------------------


def honour_create(*, actor, year: int, name: str, level: str, places: int, opens_on: date, closes_on: date, **options) -> Honour:
    """An honour of one year with its places and its composition rules (validated here, not in forms)."""
    _district_only(actor, _("只有区总工会可以设置评优项目"))
    name = _text(name, "name", 80, required=_("请填写荣誉名称"))
    if level not in HonourLevel.values:
        raise Invalid("honours_level_invalid", _("请选择荣誉级别"), field="level")
    if not isinstance(places, int) or not 1 <= places <= 10000:
        raise Invalid("honours_places_invalid", _("推荐名额须为 1 至 10000"), field="places")
    if closes_on < opens_on:
        raise Invalid("honours_dates", _("截止日期不能早于开始日期"), field="closes_on")
    for key in ("min_frontline_pct", "min_technical_pct", "max_manager_pct", "epidemic_reserved_pct"):
        if key in options and not 0 <= int(options[key]) <= 100:
            raise Invalid("honours_pct_invalid", _("比例须在 0 至 100 之间"), field=key)
    if int(options.get("min_frontline_pct", 45)) + int(options.get("min_technical_pct", 25)) > 100:
        raise Invalid("honours_pct_invalid", _("一线职工与专业技术人员的最低比例之和不能超过 100%"), field="min_technical_pct")
    if options.get("excluded_rank", OfficialRank.DIVISION) not in OfficialRank.values:
        raise Invalid("honours_rank_invalid", _("请选择不参评的行政级别"), field="excluded_rank")
    try:
        with transaction.atomic():
            honour = Honour.objects.create(
                year=year, name=name, level=level, places=places, opens_on=opens_on, closes_on=closes_on, created_by=actor, **options
            )
    except IntegrityError:
        raise Conflict("honours_duplicate", _("该年度已有同名荣誉"), field="name") from None
    audit(actor=actor, action="honours.honour_create", obj=honour)
    return honour


def quota_set(*, actor, honour: Honour, unit: Organisation, places: int) -> Quota:
    """Places of one street or industry union; never below what it has already recommended."""
    _district_only(actor, _("只有区总工会可以分配名额"))
    if unit.level not in (Organisation.Level.STREET, Organisation.Level.INDUSTRY):
        raise Invalid("honours_unit_invalid", _("名额只能分配给街道或行业工会"), field="unit")
    if not isinstance(places, int) or not 0 <= places <= 10000:
        raise Invalid("honours_places_invalid", _("名额须为 0 至 10000"), field="places")
    with transaction.atomic():
        quota, _created = Quota.objects.select_for_update().get_or_create(honour=honour, unit=unit, defaults={"places": places})
        used = _counted(honour, UNIT_COUNTED).filter(unit=unit).count()
        if places < used:
            raise Conflict("honours_quota_below_used", _("该单位已推荐 %(n)s 人，名额不能少于已推荐人数") % {"n": used}, field="places")
        quota.places = places
        quota.save(update_fields=["places"])
    audit(actor=actor, action="honours.quota_set", obj=honour, changes={"unit": unit.pk, "places": places})
    return quota


def _counted(honour: Honour, states):
    return Nomination.objects.filter(honour=honour, cases__process=KEY, cases__state__in=states)


def mix_of(queryset) -> quotas.Mix:
    """The mix of a set of nominations: one small grouped query, summed here (cheaper to plan and
    compile than five filtered counts)."""
    mix = quotas.Mix()
    for category, epidemic, n in queryset.order_by().values_list("category", "epidemic_frontline").annotate(n=Count("pk")):
        mix = add_to_mix(mix, category, epidemic, n)
    return mix


def add_to_mix(mix: quotas.Mix, category: str, epidemic: bool, n: int) -> quotas.Mix:
    return quotas.Mix(
        mix.total + n,
        mix.frontline + (n if category == PersonCategory.FRONTLINE else 0),
        mix.technical + (n if category == PersonCategory.TECHNICAL else 0),
        mix.manager + (n if category == PersonCategory.MANAGER else 0),
        mix.epidemic + (n if epidemic else 0),
    )


# --- nominations ---------------------------------------------------------------------------------


def unit_of(organisation: Organisation) -> Organisation:
    """The street or industry union a union recommends through (its ancestor one below the district)."""
    if organisation.level in (Organisation.Level.STREET, Organisation.Level.INDUSTRY):
        return organisation
    ids = [int(part) for part in organisation.path.strip(".").split(".") if part]
    if len(ids) < 2:
        raise Invalid("honours_unit_missing", _("推荐单位不在任何街道或行业工会之下"), field="organisation")
    return Organisation.objects.get(pk=ids[1])


EDITABLE = ("nominee_name", "job_title", "category", "official_rank", "epidemic_frontline", "deeds", "consent_to_notice")


def _clean_nomination(data: dict) -> dict:
    cleaned = {}
    if "nominee_name" in data:
        cleaned["nominee_name"] = _text(data["nominee_name"], "nominee_name", 80, required=_("请填写被推荐人姓名或集体名称"))
    if "job_title" in data:
        cleaned["job_title"] = _text(data["job_title"], "job_title", 80)
    if "category" in data:
        if data["category"] not in PersonCategory.values:
            raise Invalid("honours_category_invalid", _("请选择人员类别"), field="category")
        cleaned["category"] = data["category"]
    if "official_rank" in data:
        if data["official_rank"] not in OfficialRank.values:
            raise Invalid("honours_rank_invalid", _("请选择行政级别"), field="official_rank")
        cleaned["official_rank"] = data["official_rank"]
    if "deeds" in data:
        cleaned["deeds"] = _text(data["deeds"], "deeds", TEXT_MAX)
    for key in ("epidemic_frontline", "consent_to_notice"):
        if key in data:
            cleaned[key] = bool(data[key])
    return cleaned


def nomination_create(*, actor, honour: Honour, organisation: Organisation, data: dict, member: Member | None = None) -> Nomination:
    """A draft nomination form of a union (the nominee may be one of its members)."""
    if not (scoping.has_role(actor, *scoping.STAFF_ROLES) and scoping.can_manage_organisation(actor, organisation)):
        raise Forbidden("honours_forbidden", _("只能为本单位（或辖区内单位）推荐"))
    if not honour.is_open():
        raise Conflict(
            "honours_closed", _("该评优项目不在推荐期内（%(start)s 至 %(end)s）") % {"start": honour.opens_on, "end": honour.closes_on}
        )
    if member is not None and not organisation.path or (member is not None and not member.organisation.path.startswith(organisation.path)):
        raise Invalid("honours_member_outside", _("被推荐人须为推荐单位的会员"), field="member")
    data = dict(data)
    if member is not None and not data.get("nominee_name"):
        data["nominee_name"] = member.name
    cleaned = _clean_nomination({"nominee_name": "", **data})
    with transaction.atomic():
        nomination = Nomination.objects.create(
            honour=honour, organisation=organisation, unit=unit_of(organisation), member=member, created_by=actor, **cleaned
        )
        workflow.case_start(process=KEY, subject=nomination, actor=actor)
    audit(actor=actor, action="honours.nomination_create", obj=nomination, organisation=organisation)
    return nomination


def case_of(nomination: Nomination):
    return workflow.case_for(nomination, KEY)


def nomination_update(*, actor, nomination: Nomination, data: dict, expected_updated_at=None) -> Nomination:
    """Edit the form while it is a draft or returned — or, for staff above the nominating union, at
    any live stage (a correction); the nominee is told what staff changed."""
    case = case_of(nomination)
    nominator = rules.is_nominating_staff(actor, case)
    reviewer = rules.is_reviewer(actor, case)
    if not (nominator or reviewer):
        raise Forbidden("honours_forbidden", _("无权修改该推荐"))
    cleaned = _clean_nomination(data)
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=nomination.pk)
        state = case_of(locked).state
        if state not in ("draft", "returned") and not (reviewer and state in ("submitted", "recommended", "reviewed")):
            raise Conflict("honours_not_editable", _("该推荐当前阶段不能修改"))
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise Conflict("honours_stale", _("推荐表已被他人修改，请刷新后再编辑"))
        changed = sorted(k for k, v in cleaned.items() if getattr(locked, k) != v)
        if not changed:
            return locked
        before = {k: getattr(locked, k) for k in changed}
        for key in changed:
            setattr(locked, key, cleaned[key])
        if state in UNIT_COUNTED and {"category", "epidemic_frontline"} & set(changed):
            # A correction must not break the mix the places were given on.
            problems = _unit_problems(locked, include_self=False)
            if problems:
                raise Conflict("honours_quota_rules", "；".join(problems), field="category")
        locked.save()
        audit(
            actor=actor,
            action="honours.nomination_update",
            obj=locked,
            changes={k: [str(before[k]), str(cleaned[k])] for k in changed},
            organisation=locked.organisation,
        )
        user = locked.member.user if locked.member_id and locked.member.user_id else None
        if user is not None and user.pk != actor.pk:
            labels = [str(Nomination._meta.get_field(k).verbose_name) for k in changed]
            # In the same transaction: the message exists exactly when the change does.
            notify(
                recipients=[user],
                title=_("您的评优推荐表已被修改：%(honour)s") % {"honour": locked.honour.name},
                body=_("修改内容：%(fields)s。如有异议请联系推荐单位。") % {"fields": "、".join(labels)},
                url="/honours/me/",
            )
    return locked


def nomination_transition(*, actor, nomination: Nomination, name: str, comment: str = "", expected_state: str | None = None):
    return workflow.transition_perform(case=case_of(nomination), name=name, actor=actor, comment=comment, expected_state=expected_state)


# --- guards and effects named in process.py -------------------------------------------------------


def submission_problems(nomination: Nomination) -> list[str]:
    honour = nomination.honour
    problems = []
    if not honour.is_open():
        problems.append(_("不在推荐期内"))
    if not nomination.nominee_name:
        problems.append(_("被推荐人未填写"))
    if len(nomination.deeds) < 20:
        problems.append(_("主要事迹须不少于 20 字"))
    if honour.kind == Honour.Kind.INDIVIDUAL:
        if RANK_ORDER.index(nomination.official_rank) >= RANK_ORDER.index(honour.excluded_rank):
            problems.append(_("%(rank)s领导干部不参加该项评选") % {"rank": OfficialRank(honour.excluded_rank).label})
        if not nomination.consent_to_notice:
            problems.append(_("须本人同意公示"))
    return problems


def on_submitted(nomination: Nomination, *, actor, comment: str = "") -> None:
    Nomination.objects.filter(pk=nomination.pk).update(submitted_at=timezone.now())


def _unit_problems(nomination: Nomination, *, include_self: bool = True) -> list[str]:
    quota = Quota.objects.select_for_update().filter(honour=nomination.honour, unit=nomination.unit).first()
    if quota is None:
        return [_("%(unit)s 没有该荣誉的推荐名额") % {"unit": nomination.unit.name}]
    counted = _counted(nomination.honour, UNIT_COUNTED).filter(unit=nomination.unit).exclude(pk=nomination.pk)
    mix = mix_of(counted).plus(nomination.category, nomination.epidemic_frontline)
    return quotas.problems(quotas.limits_for(nomination.honour, quota.places), mix)


def unit_quota_problems(nomination: Nomination) -> list[str]:
    """Live at the street/industry level: the unit's quota row is locked first, so two
    recommendations at once count each other and the places cannot be overrun."""
    return _unit_problems(nomination) + submission_problems_at_review(nomination)


def submission_problems_at_review(nomination: Nomination) -> list[str]:
    honour = nomination.honour
    if honour.kind == Honour.Kind.INDIVIDUAL and RANK_ORDER.index(nomination.official_rank) >= RANK_ORDER.index(honour.excluded_rank):
        return [_("%(rank)s领导干部不参加该项评选") % {"rank": OfficialRank(honour.excluded_rank).label}]
    return []


def district_quota_problems(nomination: Nomination) -> list[str]:
    """Live at the district level (审定): the honour's row is locked, the whole district's mix checked."""
    honour = Honour.objects.select_for_update().get(pk=nomination.honour_id)
    counted = _counted(honour, DISTRICT_COUNTED).exclude(pk=nomination.pk)
    mix = mix_of(counted).plus(nomination.category, nomination.epidemic_frontline)
    return quotas.problems(quotas.limits_for(honour, honour.places), mix) + submission_problems_at_review(nomination)


def publication_problems(nomination: Nomination) -> list[str]:
    if nomination.honour.kind == Honour.Kind.INDIVIDUAL and not nomination.consent_to_notice:
        return [_("须本人同意公示")]
    return []


def conferral_problems(nomination: Nomination) -> list[str]:
    from engines.workflow.selectors import open_deadline

    problems = []
    notice = open_deadline(case_of(nomination))
    if notice is not None and notice.expired_at is None and notice.due_at > timezone.now():
        problems.append(_("公示期至 %(end)s 结束，期满后方可授予") % {"end": timezone.localtime(notice.due_at).strftime("%Y-%m-%d %H:%M")})
    if nomination.objections.filter(outcome=Objection.Outcome.OPEN).exists():
        problems.append(_("尚有未处理的公示异议"))
    if nomination.objections.filter(outcome=Objection.Outcome.UPHELD).exists():
        problems.append(_("有成立的公示异议，请选择“公示后不予授予”"))
    return problems


def on_invalidated(nomination: Nomination, *, actor, comment: str = "") -> None:
    """Kept with its reason for the record (作废而不删除); its places are freed by its state."""
    Nomination.objects.filter(pk=nomination.pk).update(invalid_reason=comment[:200])


# --- public notice ----------------------------------------------------------------------------------


def objection_lodge(*, actor, nomination: Nomination, text: str) -> Objection:
    if case_of(nomination).state != "notice":
        raise Conflict("honours_not_in_notice", _("只能对公示中的人选提出异议"))
    text = _text(text, "text", 2000)
    if len(text) < 10:
        raise Invalid("honours_objection_short", _("请写明异议的事实和理由（不少于 10 字）"), field="text")
    objection = Objection.objects.create(nomination=nomination, text=text, lodged_by=actor if actor.is_authenticated else None)
    audit(actor=actor if actor.is_authenticated else None, action="honours.objection_lodge", obj=nomination)
    return objection


def objection_resolve(*, actor, objection: Objection, outcome: str, resolution: str) -> Objection:
    """The district's decision on an objection, with a written reason. Upheld: the nomination is
    withdrawn from the notice (公示后不予授予, the reason on its timeline). The objector is told."""
    if not rules.may_resolve_objection(actor):
        raise Forbidden("honours_forbidden", _("只有区总工会可以处理公示异议"))
    if outcome not in (Objection.Outcome.UPHELD, Objection.Outcome.DISMISSED):
        raise Invalid("honours_outcome_invalid", _("请选择处理结果"), field="outcome")
    resolution = _text(resolution, "resolution", 2000, required=_("请填写处理说明"))
    with transaction.atomic():
        updated = Objection.objects.filter(pk=objection.pk, outcome=Objection.Outcome.OPEN).update(
            outcome=outcome, resolution=resolution, resolved_by=actor, resolved_at=timezone.now()
        )
        if not updated:
            raise Conflict("honours_objection_resolved", _("该异议已处理"))
        objection.refresh_from_db()
        nomination = objection.nomination
        if outcome == Objection.Outcome.UPHELD and case_of(nomination).state == "notice":
            workflow.transition_perform(
                case=case_of(nomination),
                name="withdraw",
                actor=actor,
                comment=_("公示异议成立：%(reason)s") % {"reason": resolution},
            )
        audit(actor=actor, action="honours.objection_resolve", obj=nomination, changes={"outcome": outcome})
        if objection.lodged_by_id:
            notify(
                recipients=[objection.lodged_by],
                title=_("您对“%(name)s”的公示异议已处理：%(outcome)s")
                % {"name": nomination.nominee_name, "outcome": objection.get_outcome_display()},
                body=_("处理说明：%(reason)s") % {"reason": resolution},
                url=reverse("honours:notice"),
            )
    return objection


# --- training ---------------------------------------------------------------------------------------


def course_create(*, actor, title: str, organisation: Organisation, description: str = "", certificate_months: int = 36) -> Course:
    if not (scoping.is_staff_member(actor) and scoping.can_manage_organisation(actor, organisation)):
        raise Forbidden("honours_forbidden", _("只能为本单位开设课程"))
    title = _text(title, "title", 80, required=_("请填写课程名称"))
    if not 0 <= int(certificate_months) <= 240:
        raise Invalid("honours_months_invalid", _("证书有效期须为 0 至 240 个月"), field="certificate_months")
    course = Course.objects.create(
        title=title,
        organisation=organisation,
        description=_text(description, "description", TEXT_MAX),
        certificate_months=certificate_months,
    )
    audit(actor=actor, action="honours.course_create", obj=course, organisation=organisation)
    return course


def _may_manage_course(actor, course: Course) -> bool:
    return scoping.is_staff_member(actor) and scoping.can_manage_organisation(actor, course.organisation)


def session_create(*, actor, course: Course, place: str, starts_on: date, ends_on: date, capacity: int) -> Session:
    if not _may_manage_course(actor, course):
        raise Forbidden("honours_forbidden", _("只能管理本单位的课程"))
    place = _text(place, "place", 120, required=_("请填写培训地点"))
    if ends_on < starts_on:
        raise Invalid("honours_dates", _("结束日期不能早于开始日期"), field="ends_on")
    if not isinstance(capacity, int) or not 1 <= capacity <= 5000:
        raise Invalid("honours_capacity_invalid", _("名额须为 1 至 5000"), field="capacity")
    session = Session.objects.create(course=course, place=place, starts_on=starts_on, ends_on=ends_on, capacity=capacity)
    audit(actor=actor, action="honours.session_create", obj=session, organisation=course.organisation)
    return session


PEOPLE_MAX = 10


def _clean_people(people) -> list[dict]:
    if not isinstance(people, list) or not 1 <= len(people) <= PEOPLE_MAX:
        raise Invalid("honours_people_invalid", _("每次报名 1 至 %(n)s 人") % {"n": PEOPLE_MAX}, field="people")
    cleaned, phones = [], set()
    for person in people:
        name = str((person or {}).get("name", "")).strip() if isinstance(person, dict) else ""
        phone = str(person.get("phone", "")).strip() if isinstance(person, dict) else ""
        if not name or len(name) > 40:
            raise Invalid("honours_people_invalid", _("请填写每位报名人的姓名"), field="people")
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            raise Invalid("honours_phone_invalid", _("请填写正确的 11 位手机号：%(name)s") % {"name": name}, field="people")
        if phone in phones:
            raise Invalid("honours_phone_duplicate", _("同一手机号只能报名一次：%(phone)s") % {"phone": phone}, field="people")
        phones.add(phone)
        cleaned.append({"name": name, "phone": phone})
    return cleaned


def enrol(*, actor, session: Session, people: list[dict]) -> list[Enrolment]:
    """One entry for one or several people. The session row is locked, so enrolments at once are
    served one after the other: the first ``capacity`` get places, the rest wait in that order."""
    if not actor.is_authenticated:
        raise Forbidden("honours_login_required", _("请先登录"))
    if session.ends_on < timezone.localdate():
        raise Conflict("honours_session_over", _("该期培训已结束"))
    cleaned = _clean_people(people)
    me = scoping.member_for(actor)
    entry = secrets.token_hex(8)
    created = []
    try:
        with transaction.atomic():
            locked = Session.objects.select_for_update().get(pk=session.pk)
            taken = Enrolment.objects.filter(session=locked, status=Enrolment.Status.CONFIRMED).count()
            for person in cleaned:
                status = Enrolment.Status.CONFIRMED if taken < locked.capacity else Enrolment.Status.WAITING
                taken += status == Enrolment.Status.CONFIRMED
                member = me if me is not None and me.phone == person["phone"] else None
                created.append(
                    Enrolment.objects.create(
                        session=locked,
                        entry=entry,
                        booked_by=actor,
                        member=member,
                        name=person["name"],
                        phone=person["phone"],
                        status=status,
                    )
                )
    except IntegrityError:
        raise Conflict("honours_already_enrolled", _("其中有人已报名这期培训"), field="people") from None
    audit(actor=actor, action="honours.enrol", obj=session, changes={"entry": entry, "people": len(created)})
    return created


def waiting_position(enrolment: Enrolment) -> int | None:
    if enrolment.status != Enrolment.Status.WAITING:
        return None
    return Enrolment.objects.filter(session_id=enrolment.session_id, status=Enrolment.Status.WAITING, pk__lt=enrolment.pk).count() + 1


def _promote(session: Session) -> list[Enrolment]:
    """Fill free places from the waiting list, in the order people joined it (under the session lock)."""
    taken = Enrolment.objects.filter(session=session, status=Enrolment.Status.CONFIRMED).count()
    free = session.capacity - taken
    if free <= 0:
        return []
    promoted = list(Enrolment.objects.select_for_update().filter(session=session, status=Enrolment.Status.WAITING).order_by("pk")[:free])
    now = timezone.now()
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.CONFIRMED
        enrolment.offered_at = now
        enrolment.save(update_fields=["status", "offered_at"])
    title = _("候补转正：%(course)s") % {"course": session.course.title}
    for enrolment in promoted:
        if enrolment.booked_by_id:
            notify(
                recipients=[enrolment.booked_by],
                title=title,
                body=_("%(name)s 已获得培训名额。不能参加请点击链接放弃，名额将让给下一位。") % {"name": enrolment.name},
                url=f"/honours/t/{enrolment.token}/",
            )
    return promoted


def enrolment_decline(*, token: str) -> Enrolment:
    """The decline link (no login: the link is the key). Gives up a place or a waiting turn; the
    next person waiting is promoted in the same transaction."""
    with transaction.atomic():
        enrolment = Enrolment.objects.filter(token=token).select_related("session").first()
        if enrolment is None:
            raise NotFound("honours_not_found", _("找不到该报名"))
        session = Session.objects.select_for_update().get(pk=enrolment.session_id)
        enrolment.refresh_from_db()
        if enrolment.status == Enrolment.Status.DECLINED:
            raise Conflict("honours_already_declined", _("已放弃该名额"))
        if enrolment.checked_in_at:
            raise Conflict("honours_already_checked_in", _("已签到，不能放弃"))
        was_confirmed = enrolment.status == Enrolment.Status.CONFIRMED
        enrolment.status = Enrolment.Status.DECLINED
        enrolment.save(update_fields=["status"])
        if was_confirmed:
            _promote(session)
    audit(actor=None, action="honours.enrolment_decline", obj=session, changes={"enrolment": enrolment.pk})
    return enrolment


def session_capacity_set(*, actor, session: Session, capacity: int) -> Session:
    """More places promote people waiting at once; fewer never take a confirmed place away."""
    if not _may_manage_course(actor, session.course):
        raise Forbidden("honours_forbidden", _("只能管理本单位的课程"))
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        taken = Enrolment.objects.filter(session=locked, status=Enrolment.Status.CONFIRMED).count()
        if not isinstance(capacity, int) or capacity < max(1, taken) or capacity > 5000:
            raise Invalid("honours_capacity_invalid", _("名额不能少于已录取人数（%(n)s）") % {"n": taken}, field="capacity")
        locked.capacity = capacity
        locked.save(update_fields=["capacity"])
        _promote(locked)
    audit(actor=actor, action="honours.session_capacity", obj=locked, changes={"capacity": capacity})
    return locked


def check_in(*, actor, session: Session, code: str) -> Enrolment:
    """The QR on the trainee's phone (their enrolment token) scanned at the door."""
    if not _may_manage_course(actor, session.course):
        raise Forbidden("honours_forbidden", _("只能为本单位的课程签到"))
    code = str(code or "").strip().rstrip("/").rsplit("/", 1)[-1][:64]  # the bare token, or the link the QR holds
    enrolment = Enrolment.objects.filter(token=code, session=session).first()
    if enrolment is None:
        raise NotFound("honours_checkin_unknown", _("不是本期培训的报名二维码"), field="code")
    if enrolment.status != Enrolment.Status.CONFIRMED:
        raise Conflict(
            "honours_checkin_not_confirmed",
            _("%(name)s 未获得名额（%(status)s）") % {"name": enrolment.name, "status": enrolment.get_status_display()},
            field="code",
        )
    updated = Enrolment.objects.filter(pk=enrolment.pk, checked_in_at__isnull=True).update(checked_in_at=timezone.now())
    enrolment.refresh_from_db()
    if updated:
        audit(actor=actor, action="honours.check_in", obj=session, changes={"enrolment": enrolment.pk})
    return enrolment


def lesson_create(*, actor, course: Course, title: str, kind: str = Lesson.Kind.RECORDED, video_url: str = "", starts_at=None) -> Lesson:
    if not _may_manage_course(actor, course):
        raise Forbidden("honours_forbidden", _("只能管理本单位的课程"))
    if kind not in Lesson.Kind.values:
        raise Invalid("honours_kind_invalid", _("请选择课时形式"), field="kind")
    title = _text(title, "title", 80, required=_("请填写课时名称"))
    video_url = _text(video_url, "video_url", 200)
    if video_url and not video_url.startswith(("https://", "http://", "/")):
        raise Invalid("honours_url_invalid", _("视频地址须以 https:// 开头"), field="video_url")
    lesson = Lesson.objects.create(course=course, title=title, kind=kind, video_url=video_url, starts_at=starts_at)
    audit(actor=actor, action="honours.lesson_create", obj=lesson, organisation=course.organisation)
    return lesson


def online_enrol(*, actor, course: Course) -> OnlineEnrolment:
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("honours_members_only", _("线上学习面向工会会员，请先用手机号登录"))
    enrolment, _created = OnlineEnrolment.objects.get_or_create(course=course, member=member)
    return enrolment


def lesson_view(*, actor, lesson: Lesson) -> LessonView:
    """Counts a view; the first view enrols the member online (a recorded lesson is the enrolment)."""
    member = scoping.member_for(actor)
    if member is None:
        raise Forbidden("honours_members_only", _("线上学习面向工会会员，请先用手机号登录"))
    OnlineEnrolment.objects.get_or_create(course_id=lesson.course_id, member=member)
    view, created = LessonView.objects.get_or_create(lesson=lesson, member=member)
    if not created:
        from django.db.models import F

        LessonView.objects.filter(pk=view.pk).update(count=F("count") + 1)
        view.refresh_from_db()
    return view


def certificate_issue(*, actor, enrolment: Enrolment) -> Certificate:
    """A certificate for a trainee who checked in; numbered per course, expiring as the course says."""
    enrolment = Enrolment.objects.select_related("session__course__organisation").get(pk=enrolment.pk)
    course = enrolment.session.course
    if not _may_manage_course(actor, course):
        raise Forbidden("honours_forbidden", _("只能为本单位的课程发证"))
    if enrolment.status != Enrolment.Status.CONFIRMED or not enrolment.checked_in_at:
        raise Conflict("honours_not_attended", _("只能为已签到的学员发证"))
    if Certificate.objects.filter(enrolment=enrolment).exists():
        raise Conflict("honours_certificate_exists", _("该学员已有证书"))
    today = timezone.localdate()
    expires = None
    if course.certificate_months:
        month = today.month - 1 + course.certificate_months
        year, month = today.year + month // 12, month % 12 + 1
        import calendar

        expires = date(year, month, min(today.day, calendar.monthrange(year, month)[1])) - timedelta(days=1)
    try:
        with transaction.atomic():
            serial = Certificate.objects.filter(course=course).count() + 1
            certificate = Certificate.objects.create(
                course=course,
                enrolment=enrolment,
                member=enrolment.member,
                holder_name=enrolment.name,
                number=f"GJ{today.year}{course.pk:04d}{serial:04d}",
                issued_on=today,
                expires_on=expires,
                issued_by=actor,
            )
    except IntegrityError:
        raise Conflict("honours_certificate_exists", _("该学员已有证书")) from None
    audit(actor=actor, action="honours.certificate_issue", obj=certificate, organisation=course.organisation)
    return certificate


def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    if not _may_manage_course(actor, certificate.course):
        raise Forbidden("honours_forbidden", _("只能撤销本单位课程的证书"))
    reason = _text(reason, "reason", 200, required=_("请填写撤销原因"))
    updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoke_reason=reason)
    if not updated:
        raise Conflict("honours_certificate_revoked", _("该证书已撤销"))
    certificate.refresh_from_db()
    audit(actor=actor, action="honours.certificate_revoke", obj=certificate, changes={"reason": reason})
    return certificate
