"""Reading labour relations, scoped to the viewer in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.models import Organisation, RoleAssignment, User
from modules.labour import rules
from modules.labour.models import (
    DisputeType,
    FollowUpTask,
    LegalEvent,
    MediationCase,
    Mediator,
    ModelUnit,
    MonitoringPoint,
    MonitoringReport,
    Outcome,
    Risk,
)
from modules.labour.process import KEY, PROCESS

Role = RoleAssignment.Role


# --- people -------------------------------------------------------------------------------


def desk_people() -> list[User]:
    ids = set(Mediator.objects.filter(is_active=True).values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=ids))


def case_people(mediation: MediationCase) -> list[User]:
    """Who hears of a case's steps: its mediator (or the desk) and the worker who applied."""
    people = [mediation.mediator.user] if mediation.mediator_id else desk_people()
    people += [m.user for m in mediation.panel.select_related("user")]
    if mediation.worker_user_id:
        people.append(mediation.worker_user)
    return people


def street_staff(street: Organisation | None) -> list[User]:
    if street is None:
        return []
    return list(User.objects.filter(roles__role=Role.STREET_STAFF, roles__organisation=street).distinct())


def union_admins(organisation: Organisation) -> list[User]:
    return list(User.objects.filter(roles__role=Role.GRASSROOTS_ADMIN, roles__organisation=organisation).distinct())


# --- cases ----------------------------------------------------------------------------------


def cases_visible_to(user) -> QuerySet[MediationCase]:
    """The desk (mediators, district staff) sees every case; a worker only their own; nobody else any."""
    base = MediationCase.objects.all()
    if rules.is_desk(user):
        return base
    if getattr(user, "is_authenticated", False):
        return base.filter(worker_user=user)
    return base.none()


def with_state(queryset: QuerySet[MediationCase]) -> QuerySet[MediationCase]:
    return queryset.filter(cases__process=KEY).annotate(state=F("cases__state"), state_changed_at=F("cases__state_changed_at"))


def case_list(user, *, state: str = "", dispute_type: str = "", mediator_id: int | None = None, q: str = "", year: int | None = None):
    rows = with_state(cases_visible_to(user)).select_related("mediator")
    if state:
        rows = rows.filter(cases__state=state)
    if dispute_type:
        rows = rows.filter(dispute_type=dispute_type)
    if mediator_id:
        rows = rows.filter(mediator_id=mediator_id)
    if year:
        rows = rows.filter(received_at__year=year)
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(employer_name__icontains=q) | Q(application_text__icontains=q))
    return rows.order_by("-received_at", "-pk")


def case_for(user, pk: int) -> MediationCase | None:
    mediation = MediationCase.objects.select_related("mediator", "organisation").filter(pk=pk).first()
    if mediation is None or not rules.may_view_case(user, mediation):
        return None
    return mediation


def state_label(state: str) -> str:
    return PROCESS.state_label(state)


@dataclass(frozen=True)
class TimelineItem:
    at: object
    kind: str
    title: str
    detail: str
    actor: str


def full_timeline(mediation: MediationCase) -> list[TimelineItem]:
    """Everything that happened on the case, oldest first: steps, sessions, handovers, signatures."""
    from engines.workflow.selectors import timeline
    from modules.labour.services import case_of

    items = [
        TimelineItem(
            e.at, "step", e.action + (f"（{e.from_label} → {e.to_label}）" if e.from_label else f"（{e.to_label}）"), e.comment, e.actor
        )
        for e in timeline(case_of(mediation))
    ]
    for s in mediation.sessions.select_related("created_by"):
        items.append(
            TimelineItem(
                s.held_at, "session", _("调解会 · %(room)s") % {"room": s.room}, f"{s.attendees}\n{s.notes}".strip(), _who(s.created_by)
            )
        )
    for h in mediation.handovers.select_related("from_mediator", "to_mediator", "created_by"):
        items.append(
            TimelineItem(
                h.created_at,
                "handover",
                _("调解员交接：%(a)s → %(b)s") % {"a": h.from_mediator or "—", "b": h.to_mediator},
                h.note,
                _who(h.created_by),
            )
        )
    for x in mediation.extensions.select_related("created_by"):
        items.append(
            TimelineItem(
                x.created_at,
                "extension",
                _("调解期限延长 %(d)s 日（至 %(due)s）") % {"d": x.days, "due": timezone.localtime(x.due_after).strftime("%Y-%m-%d")},
                _("同意：%(who)s\n理由：%(why)s") % {"who": x.agreed_by, "why": x.reason},
                _who(x.created_by),
            )
        )
    for _party, field, label in (
        ("worker", "signed_worker_at", _("职工方签字")),
        ("employer", "signed_employer_at", _("用人单位签字（盖章）")),
        ("mediator", "signed_mediator_at", _("调解员签字")),
    ):
        if getattr(mediation, field):
            items.append(TimelineItem(getattr(mediation, field), "signature", label, "", ""))
    items.sort(key=lambda i: i.at)
    return items


def _who(user) -> str:
    return (user.display_name or user.username) if user else _("系统")


# --- statistics ------------------------------------------------------------------------------


def stats_cases_for(viewer) -> QuerySet[MediationCase]:
    """The cases a viewer's statistics count: all for the desk (and for internal callers, ``viewer=None``);
    for street staff those whose union or street lies in their streets; none for anyone else."""
    from modules.labour import rules

    if viewer is None or rules.stats_whole_district(viewer):
        return MediationCase.objects.all()
    if not scoping.has_role(viewer, scoping.Role.STREET_STAFF):
        return MediationCase.objects.none()
    roles = (scoping.Role.STREET_STAFF,)
    return MediationCase.objects.filter(
        scoping.organisation_scope_q(viewer, "organisation", roles=roles) | scoping.organisation_scope_q(viewer, "street", roles=roles)
    )


def case_statistics(year: int, viewer=None) -> dict:
    """The figures for a year: by type, by outcome, recovered for workers, duration, per mediator.

    ``viewer``: the cases are those ``stats_cases_for(viewer)`` counts, and the per-mediator table is
    the desk's alone (empty for street staff). Seven grouped queries whatever the number of cases
    (the page is opened often during the year)."""
    from modules.labour import rules

    scope = stats_cases_for(viewer)
    cases = scope.filter(received_at__year=year)
    closed = scope.filter(closed_at__year=year)
    type_rows = list(
        cases.values("dispute_type").annotate(n=Count("pk"), claimed=Sum("amount_claimed_fen"), oral=Count("pk", filter=Q(oral=True)))
    )
    by_type_rows = {r["dispute_type"]: r for r in type_rows}
    by_type = [
        {"key": key, "label": label, "n": by_type_rows.get(key, {}).get("n", 0), "claimed": by_type_rows.get(key, {}).get("claimed") or 0}
        for key, label in DisputeType.choices
    ]
    duration = ExpressionWrapper(F("closed_at") - F("received_at"), output_field=DurationField())
    outcome_rows = {
        r["outcome"]: r for r in closed.values("outcome").annotate(n=Count("pk"), amount=Sum("amount_agreed_fen"), days=Avg(duration))
    }
    by_outcome = [
        {"key": key, "label": label, "n": outcome_rows.get(key, {}).get("n", 0), "amount": outcome_rows.get(key, {}).get("amount") or 0}
        for key, label in Outcome.choices
        if key
    ]
    closed_n = sum(r["n"] for r in outcome_rows.values())
    total_seconds = sum(r["days"].total_seconds() * r["n"] for r in outcome_rows.values() if r["days"] is not None)
    whole = viewer is None or rules.stats_whole_district(viewer)
    per_mediator = list(
        (closed if whole else closed.none())
        .filter(mediator__isnull=False)
        .values("mediator__name")
        .annotate(
            n=Count("pk"),
            ok=Count("pk", filter=Q(outcome=Outcome.SUCCESS)),
            amount=Sum("amount_agreed_fen", filter=Q(outcome=Outcome.SUCCESS)),
        )
        .order_by("-ok", "mediator__name")
    )
    received_month = dict(cases.annotate(m=ExtractMonth("received_at")).values("m").annotate(n=Count("pk")).values_list("m", "n"))
    closed_month: dict[int, dict[str, int]] = {}
    for m, outcome, n in (
        closed.annotate(m=ExtractMonth("closed_at")).values("m", "outcome").annotate(n=Count("pk")).values_list("m", "outcome", "n")
    ):
        closed_month.setdefault(m, {})[outcome] = n
    by_month = [
        {
            "month": m,
            "received": received_month.get(m, 0),
            "success": closed_month.get(m, {}).get(Outcome.SUCCESS, 0),
            "closed": sum(closed_month.get(m, {}).values()),
        }
        for m in range(1, 13)
    ]
    open_cases = with_state(scope.filter(closed_at__isnull=True)).values("state").annotate(n=Count("pk"))
    success = outcome_rows.get(Outcome.SUCCESS, {})
    return {
        "year": year,
        "whole_district": whole,
        "received": sum(r["n"] for r in type_rows),
        "oral": sum(r["oral"] for r in type_rows),
        "closed": closed_n,
        "success": success.get("n", 0),
        "recovered_fen": success.get("amount") or 0,
        "avg_days": round(total_seconds / closed_n / 86400, 1) if closed_n and total_seconds else None,
        "by_type": by_type,
        "by_outcome": by_outcome,
        "per_mediator": per_mediator,
        "by_month": by_month,
        "open": [{"state": r["state"], "label": state_label(r["state"]), "n": r["n"]} for r in open_cases],
    }


def consultation_count(year: int, viewer=None) -> int:
    """The desk's consultations of the year; for street staff those that led to a case of their streets."""
    from modules.labour import rules
    from modules.labour.models import Consultation

    rows = Consultation.objects.filter(at__year=year)
    if viewer is not None and not rules.stats_whole_district(viewer):
        rows = rows.filter(case__in=stats_cases_for(viewer))
    return rows.count()


# --- monitoring ------------------------------------------------------------------------------


def points_visible_to(user) -> QuerySet[MonitoringPoint]:
    base = MonitoringPoint.objects.select_related("organisation", "street")
    if scoping.is_district_staff(user):
        return base
    if not scoping.is_staff_member(user):
        return base.none()
    return base.filter(scoping.organisation_scope_q(user, "organisation"))


def reports_visible_to(user) -> QuerySet[MonitoringReport]:
    return MonitoringReport.objects.filter(point__in=points_visible_to(user).values("pk"))


def tasks_visible_to(user) -> QuerySet[FollowUpTask]:
    base = FollowUpTask.objects.select_related("report__point__organisation", "street")
    if scoping.is_district_staff(user):
        return base
    if not scoping.is_staff_member(user):
        return base.none()
    return base.filter(report__point__in=points_visible_to(user).values("pk"))


def monitoring_rates(user, period: date) -> dict:
    """Per period: how many points reported, how many on time, and the risk spread."""
    from modules.labour.services import report_due

    points = points_visible_to(user).filter(is_active=True)
    total = points.count()
    reports = reports_visible_to(user).filter(period=period)
    submitted = reports.count()
    on_time = reports.filter(on_time=True).count()
    risks = dict(reports.values_list("risk").annotate(n=Count("pk")))
    from modules.labour.models import DeskRules

    return {
        "period": period,
        "due": report_due(period, DeskRules.current()),
        "points": total,
        "submitted": submitted,
        "on_time": on_time,
        "reporting_rate": round(100 * submitted / total, 1) if total else None,
        "on_time_rate": round(100 * on_time / total, 1) if total else None,
        "risks": {r: risks.get(r, 0) for r in Risk.values},
        "missing": list(points.exclude(reports__period=period).select_related("organisation")[:50]),
    }


def risk_trend(user, *, months: int = 12, by: str = "street") -> dict:
    """Yellow and red reports per month, by street or by industry (for the trend chart)."""
    end = timezone.localdate().replace(day=1)
    start = end
    for _i in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    field = "point__street__name" if by == "street" else "point__industry"
    rows = (
        reports_visible_to(user)
        .filter(period__gte=start, period__lte=end)
        .exclude(risk=Risk.GREEN)
        .values("period", field)
        .annotate(n=Count("pk"))
        .order_by("period")
    )
    periods = []
    day = start
    while day <= end:
        periods.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    series: dict[str, list[int]] = {}
    for row in rows:
        name = row[field] or _("未分街道")
        series.setdefault(name, [0] * len(periods))
        series[name][periods.index(row["period"])] += row["n"]
    return {"periods": [p.strftime("%Y-%m") for p in periods], "series": series}


# --- collective bargaining -------------------------------------------------------------------


def risk_rules() -> list:
    """Every rule that rates a monthly report, with its indicator in words (the rules are the
    district's and the same for every point, so any office reader sees them all)."""
    from modules.labour.models import RiskRule
    from modules.labour.services import INDICATOR_LABELS

    rows = list(RiskRule.objects.order_by("pk"))
    for rule in rows:
        rule.indicator_label = INDICATOR_LABELS.get(rule.indicator, rule.indicator)
    return rows


def trainings(limit: int = 100) -> QuerySet:
    """Training meetings, newest first, with how many unions and people attended."""
    from modules.labour.models import TrainingMeeting

    return TrainingMeeting.objects.annotate(units=Count("attendance"), people=Sum("attendance__attendees")).order_by("-held_on", "-pk")[
        :limit
    ]


def training_attendance(meeting) -> dict:
    """A meeting's attendance by union, the people in all and the rate against those invited."""
    rows = list(meeting.attendance.select_related("organisation").order_by("organisation__name"))
    people = sum(a.attendees for a in rows)
    rate = round(100 * people / meeting.invited, 1) if meeting.invited else None
    return {"rows": rows, "people": people, "rate": rate}


def contracts_visible_to(user):
    """Collective contracts of the unions in the viewer's tree (the district: all; workers: none)."""
    from modules.labour.models import CollectiveContract

    base = CollectiveContract.objects.select_related("organisation")
    if scoping.is_district_staff(user):
        return base
    if not scoping.is_staff_member(user):
        return base.none()
    return base.filter(scoping.organisation_scope_q(user, "organisation"))


def contract_for(user, pk: int):
    return contracts_visible_to(user).filter(pk=pk).first()


def contract_evaluations(contract) -> list[dict]:
    """Each year's evaluation of a contract with the mean per dimension (the rubric engine's reading)."""
    from engines.review.selectors import item_results

    out = []
    for row in contract.evaluations.select_related("evaluation").order_by("-year"):
        e = row.evaluation
        out.append(
            {
                "year": row.year,
                "total": e.total,
                "grade": e.grade,
                "status": e.status,
                "scorer_count": e.scorer_count,
                "dimensions": [{"code": r.code, "title": r.title, "max_score": r.max_score, "mean": r.mean} for r in item_results(e)],
            }
        )
    return out


# --- model units -----------------------------------------------------------------------------


def model_units_public(year: int | None = None) -> QuerySet[ModelUnit]:
    """The units holding the title (revoked ones drop out), newest year first, best score first."""
    rows = ModelUnit.objects.filter(selected=True).select_related("organisation")
    if year:
        rows = rows.filter(year=year)
    return rows.order_by("-year", F("score").desc(nulls_last=True), "organisation__name")


def model_units_of_year(year: int) -> QuerySet[ModelUnit]:
    """Every unit of a year for the district's page: selected first, then the revoked with their reason."""
    return (
        ModelUnit.objects.filter(year=year)
        .filter(Q(selected=True) | Q(revoked_at__isnull=False))
        .select_related("organisation", "selected_by", "revoked_by")
        .order_by("-selected", F("score").desc(nulls_last=True), "organisation__name")
    )


def model_unit_candidates(year: int, limit: int = 30) -> list[dict]:
    """Unions whose collective bargaining was evaluated in the year, best evaluation first, not yet selected."""
    from modules.labour.models import BargainingEvaluation

    taken = set(ModelUnit.objects.filter(year=year, selected=True).values_list("organisation_id", flat=True))
    best: dict[int, dict] = {}
    rows = (
        BargainingEvaluation.objects.filter(year=year, evaluation__total__isnull=False)
        .select_related("contract__organisation", "evaluation")
        .order_by("-evaluation__total", "pk")
    )
    for row in rows:
        org = row.contract.organisation
        if org.pk in taken or org.pk in best:
            continue
        best[org.pk] = {"organisation": org, "contract": row.contract, "total": row.evaluation.total, "grade": row.evaluation.grade}
        if len(best) >= limit:
            break
    return list(best.values())


# --- the annual review ------------------------------------------------------------------------


def review_section(year: int, viewer):
    """The annual review's part: mediations by outcome and amount, consultations, monitoring
    reports and warnings, bargaining evaluations, model units, legal-education events."""
    from modules.labour.models import BargainingEvaluation, CollectiveContract

    stats = case_statistics(year)
    reports = MonitoringReport.objects.filter(period__year=year)
    events = LegalEvent.objects.filter(held_on__year=year)
    units = ModelUnit.objects.filter(year=year, selected=True).select_related("organisation")
    if not (stats["received"] or stats["closed"] or reports.exists() or events.exists() or units.exists()):
        return {"title": _("劳动关系"), "items": [], "empty": _("本年度没有劳动关系工作记录")}
    items = [
        (_("受理劳动争议调解申请"), stats["received"], _("件")),
        (_("调解成功"), stats["success"], _("件")),
    ]
    for row in stats["by_outcome"]:
        if row["key"] != Outcome.SUCCESS and row["n"]:
            items.append((row["label"], row["n"], _("件")))
    items += [
        (_("调解协议为职工争取金额"), stats["recovered_fen"] / 100, _("元")),
        (_("调解咨询台接待咨询"), consultation_count(year), _("人次")),
        (_("监测点报送月报"), reports.count(), _("份")),
        (_("红色预警"), reports.filter(risk=Risk.RED).count(), _("次")),
        (_("黄色预警"), reports.filter(risk=Risk.YELLOW).count(), _("次")),
        (_("登记集体合同"), CollectiveContract.objects.filter(signed_on__year=year).count(), _("份")),
        (_("集体协商质量评估"), BargainingEvaluation.objects.filter(year=year).count(), _("份")),
        (_("选树“企业关爱职工·职工热爱企业”示范单位"), units.count(), _("家")),
        (_("开展普法活动"), events.count(), _("场")),
        (_("普法活动参加"), events.aggregate(s=Sum("attendance"))["s"] or 0, _("人次")),
    ]
    return {
        "title": _("劳动关系"),
        "items": items,
        "lists": {
            "model_units": [u.organisation.name for u in units],
            "events": [f"{e.held_on:%m-%d} {e.title}" for e in events.order_by("held_on")],
            "outcomes": stats["by_outcome"],
        },
    }
