"""Reading the honours programme; every list starts from the viewer (``core.scoping``)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from core import scoping
from core.models import Member, RoleAssignment, User
from core.privacy import mask_name  # noqa: F401 — the views mask through here
from engines.workflow.models import Case
from modules.honours import quotas
from modules.honours.models import (
    Certificate,
    Course,
    Craftsman,
    Enrolment,
    Honour,
    HonourLevel,
    LessonView,
    Need,
    NeedResponse,
    Nomination,
    Objection,
    OnlineEnrolment,
    PastHonour,
    Quota,
    Session,
    Work,
)
from modules.honours.process import KEY, PROCESS
from modules.honours.services import DISTRICT_COUNTED, UNIT_COUNTED

Role = RoleAssignment.Role


def state_label(state: str) -> str:
    return str(PROCESS.state_label(state))


def with_state(queryset):
    """Each nomination with its workflow state, in the same query."""
    state = Case.objects.filter(process=KEY, object_id=OuterRef("pk"), content_type__model="nomination").values("state")[:1]
    return queryset.annotate(state=Subquery(state))


def nominations_visible_to(viewer):
    if not scoping.is_staff_member(viewer):
        return Nomination.objects.none()
    return Nomination.objects.filter(scoping.organisation_scope_q(viewer, "organisation"))


def nomination_for(viewer, pk) -> Nomination | None:
    nomination = Nomination.objects.select_related("honour", "organisation", "unit", "member").filter(pk=pk).first()
    if nomination is None:
        return None
    from modules.honours.rules import may_view_nomination

    return nomination if may_view_nomination(viewer, nomination) else None


def unit_staff(nomination: Nomination) -> list[User]:
    return list(User.objects.filter(roles__role=Role.STREET_STAFF, roles__organisation=nomination.unit, is_active=True).distinct())


def nominators(nomination: Nomination) -> list[User]:
    """The nominating union's admins, the nominee (told at every step) and whoever filled the form."""
    users = list(
        User.objects.filter(roles__role=Role.GRASSROOTS_ADMIN, roles__organisation=nomination.organisation, is_active=True).distinct()
    )
    if nomination.created_by_id:
        users.append(nomination.created_by)
    if nomination.member_id and nomination.member.user_id:
        users.append(nomination.member.user)
    seen, out = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


# --- the live quota panel ------------------------------------------------------------------------


def quota_panel(honour: Honour, viewer) -> dict:
    """Every unit's places and mix, and the district's, as they stand now: two queries (the
    nominations grouped by unit, state, category and epidemic flag; the quotas), summed here."""
    from modules.honours.services import add_to_mix

    unit_mix: dict[int, quotas.Mix] = {}
    unit_pending: dict[int, int] = {}
    district_mix, district_pending = quotas.Mix(), 0
    rows = (
        Nomination.objects.filter(honour=honour, cases__process=KEY)
        .order_by()
        .values_list("unit_id", "cases__state", "category", "epidemic_frontline")
        .annotate(n=Count("pk"))
    )
    for unit_id, state, category, epidemic, n in rows:
        if state in UNIT_COUNTED:
            unit_mix[unit_id] = add_to_mix(unit_mix.get(unit_id, quotas.Mix()), category, epidemic, n)
        elif state == "submitted":
            unit_pending[unit_id] = unit_pending.get(unit_id, 0) + n
        if state in DISTRICT_COUNTED:
            district_mix = add_to_mix(district_mix, category, epidemic, n)
        elif state == "reviewed":
            district_pending += n
    quotas_qs = Quota.objects.filter(honour=honour).select_related("unit").only("places", "unit__name", "unit__path").order_by("unit__path")
    if not scoping.is_district_staff(viewer):
        quotas_qs = quotas_qs.filter(scoping.organisation_scope_q(viewer, "unit"))
    units = []
    for quota in quotas_qs:
        lim = quotas.limits_for(honour, quota.places)
        mix = unit_mix.get(quota.unit_id, quotas.Mix())
        units.append(
            quotas.PanelRow(quota.unit.name, lim, mix, unit_pending.get(quota.unit_id, 0), quota.unit_id, quotas.problems(lim, mix))
        )
    lim = quotas.limits_for(honour, honour.places)
    district = quotas.PanelRow(_("全区（审定）"), lim, district_mix, district_pending, None, quotas.problems(lim, district_mix))
    return {"units": units, "district": district, "rows": [*units, district]}


# --- public pages ----------------------------------------------------------------------------------


def in_notice():
    return with_state(Nomination.objects.filter(cases__process=KEY, cases__state="notice")).select_related("honour", "organisation")


def open_objections():
    """The district's desk: objections not yet decided, oldest first, with the nominee's state."""
    return (
        Objection.objects.filter(outcome=Objection.Outcome.OPEN)
        .select_related("nomination__honour", "nomination__organisation", "lodged_by")
        .order_by("lodged_at", "pk")
    )


def roll_of_honour(year: int | None = None):
    queryset = Nomination.objects.filter(cases__process=KEY, cases__state="conferred").select_related("honour", "organisation")
    if year:
        queryset = queryset.filter(honour__year=year)
    return queryset.order_by("-honour__year", "honour__level", "honour__name", "nominee_name")


def honour_history(member: Member) -> list[dict]:
    """A person's honours: those conferred here and those recorded from before, newest first."""
    items = [
        {"year": n.honour.year, "name": n.honour.name, "level": n.honour.get_level_display(), "source": _("本平台评选")}
        for n in Nomination.objects.filter(member=member, cases__process=KEY, cases__state="conferred").select_related("honour")
    ]
    items += [
        {"year": p.year, "name": p.name, "level": p.get_level_display(), "source": _("历史记录")}
        for p in PastHonour.objects.filter(member=member)
    ]
    return sorted(items, key=lambda item: -item["year"])


def my_nominations(member: Member):
    return with_state(Nomination.objects.filter(member=member)).select_related("honour", "organisation")


# --- training ---------------------------------------------------------------------------------------


def courses_visible_to(viewer):
    if scoping.is_district_staff(viewer):
        return Course.objects.all()
    return Course.objects.filter(scoping.organisation_scope_q(viewer, "organisation"))


def session_figures(session: Session) -> dict:
    row = session.enrolments.aggregate(
        confirmed=Count("pk", filter=Q(status=Enrolment.Status.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=Enrolment.Status.WAITING)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        declined=Count("pk", filter=Q(status=Enrolment.Status.DECLINED)),
    )
    row["free"] = max(0, session.capacity - row["confirmed"])
    return row


def course_figures(course: Course) -> dict:
    onsite = Enrolment.objects.filter(session__course=course, status=Enrolment.Status.CONFIRMED)
    views = LessonView.objects.filter(lesson__course=course).aggregate(viewers=Count("member", distinct=True), views=Sum("count"))
    return {
        "onsite": onsite.count(),
        "checked_in": onsite.filter(checked_in_at__isnull=False).count(),
        "online": OnlineEnrolment.objects.filter(course=course).count(),
        "viewers": views["viewers"] or 0,
        "views": views["views"] or 0,
    }


def lesson_rows(course: Course):
    return course.lessons.annotate(viewers=Count("views"), total_views=Sum("views__count")).order_by("pk")


def my_enrolments(user):
    return Enrolment.objects.filter(booked_by=user).select_related("session__course").order_by("-pk")


def certificate_by_token(token: str) -> Certificate | None:
    return Certificate.objects.select_related("course").filter(token=token).first()


# --- craftsmen -----------------------------------------------------------------------------------------


def public_craftsman_name(craftsman: Craftsman) -> str:
    return craftsman.member.name if craftsman.public_name_consent else mask_name(craftsman.member.name)


def works_showcase():
    return Work.objects.filter(hidden_at__isnull=True).select_related("craftsman__member").order_by("-published_at")


def open_needs():
    return Need.objects.filter(closed_at__isnull=True).select_related("organisation").annotate(responses_n=Count("responses"))


# --- the annual review ---------------------------------------------------------------------------------


def review_section(year: int, viewer):
    """The annual review's part: nominations by level and kind (the article's 3 national, 9 Beijing
    collectives, 56 Beijing individuals), craftsmen, works, matches, on-site and online trainees."""
    by_level = nominations_by_level(year)
    items = []
    for level in HonourLevel:
        for kind in Honour.Kind:
            n = by_level.get(f"{level.value}:{kind.value}", 0)
            if n:
                items.append(
                    (
                        _("推荐%(level)s%(kind)s荣誉") % {"level": level.label, "kind": kind.label},
                        n,
                        _("个") if kind == Honour.Kind.COLLECTIVE else _("名"),
                    )
                )
    sessions = Session.objects.filter(starts_on__year=year)
    items += [
        (_("工匠联盟工匠"), Craftsman.objects.filter(joined_at__year__lte=year).count(), _("名")),
        (_("展示作品"), Work.objects.filter(published_at__year=year, hidden_at__isnull=True).count(), _("件")),
        (_("供需对接成功"), NeedResponse.objects.filter(matched_at__year=year).count(), _("项")),
        (_("线下培训学员"), Enrolment.objects.filter(session__in=sessions, status=Enrolment.Status.CONFIRMED).count(), _("人")),
        (_("其中现场签到"), Enrolment.objects.filter(session__in=sessions, checked_in_at__isnull=False).count(), _("人")),
        (_("线上学习学员"), OnlineEnrolment.objects.filter(enrolled_at__year=year).count(), _("人")),
    ]
    if not any(n for _label, n, _unit in items):
        return {"title": _("树榜样 · 抓创新"), "items": [], "empty": _("本年度没有评优、工匠和培训记录")}
    return {"title": _("树榜样 · 抓创新"), "items": items}


def nominations_by_level(year: int) -> dict[str, int]:
    """Nominations the district put forward (recommended onwards) per level: the article's 3 / 9 / 56."""
    rows = (
        Nomination.objects.filter(honour__year=year, cases__process=KEY, cases__state__in=UNIT_COUNTED)
        .values_list("honour__level", "honour__kind")
        .annotate(n=Count("pk"))
    )
    return {f"{level}:{kind}": n for level, kind, n in rows}


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()
