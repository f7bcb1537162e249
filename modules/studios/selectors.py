"""Reading studio applications, scoped to the viewer in one place."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from core import scoping
from core.models import RoleAssignment, User
from engines.review.models import ScoreSheet
from modules.studios import rules
from modules.studios.models import Application, Call, ExpertAssignment
from modules.studios.process import KEY, PROCESS

Role = RoleAssignment.Role
# An expert's total this far from the others' mean is flagged for the deciding meeting.
OUTLIER_POINTS = Decimal(15)


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Staff see the applications of unions in their scope; nobody else sees a list."""
    base = Application.objects.filter(cases__process=KEY)
    if scoping.is_district_staff(user):
        return base
    if not scoping.is_staff_member(user):
        return base.none()
    return base.filter(scoping.organisation_scope_q(user, "organisation"))


def with_state(queryset: QuerySet[Application]) -> QuerySet[Application]:
    from django.db.models import F

    return queryset.annotate(state=F("cases__state"), state_changed_at=F("cases__state_changed_at"))


def application_for(user: User, pk: int) -> Application | None:
    application = Application.objects.select_related("call", "organisation", "street", "evaluation").filter(pk=pk).first()
    if application is None or not rules.may_view_application(user, application):
        return None
    return application


def state_label(state: str) -> str:
    return PROCESS.state_label(state)


def street_reviewers(application: Application) -> list[User]:
    if application.street_id is None:
        return []
    ids = RoleAssignment.objects.filter(
        role=Role.STREET_STAFF, organisation__in=[application.street_id, application.organisation.parent_id]
    )
    return list(User.objects.filter(pk__in=ids.values("user")))


def applicant_admins(application: Application) -> list[User]:
    ids = RoleAssignment.objects.filter(role=Role.GRASSROOTS_ADMIN, organisation=application.organisation_id)
    return list(User.objects.filter(pk__in=ids.values("user")))


def district_staff() -> list[User]:
    return list(User.objects.filter(pk__in=RoleAssignment.objects.filter(role=Role.DISTRICT_STAFF).values("user")))


def deadline_people(application: Application, state: str) -> list[User]:
    """Who is reminded: the street of a pre-review waiting, the district for everything else."""
    if state == "submitted":
        return street_reviewers(application) or district_staff()
    return district_staff()


def expert_inbox(expert: User) -> QuerySet[ExpertAssignment]:
    """Only the applications assigned to this expert, newest first, each with its state and whether
    the expert's own sheet is in — one query, paged by the caller."""
    from django.db.models import Exists, F, OuterRef

    own_sheet = ScoreSheet.objects.filter(evaluation_id=OuterRef("application__evaluation_id"), scorer=expert)
    return (
        ExpertAssignment.objects.filter(expert=expert, application__cases__process=KEY)
        .select_related("application__call", "application__organisation")
        .annotate(state=F("application__cases__state"), scored=Exists(own_sheet))
        .order_by("-assigned_at", "-pk")
    )


def other_experts_visible(expert: User, application: Application) -> bool:
    """Others' scores stay hidden until one's own sheet is in (no anchoring on colleagues)."""
    return (
        application.evaluation_id is not None and ScoreSheet.objects.filter(evaluation_id=application.evaluation_id, scorer=expert).exists()
    )


@dataclass
class RankRow:
    application: Application
    state: str
    total: Decimal | None
    scorers: int
    sheets: list  # (expert name, total) per sheet
    outliers: list  # expert names whose total is far from the others'
    within_quota: bool


RANKED_STATES = ("expert_review", "approved", "not_selected", "notice", "named", "withdrawn_after_notice", "revoked")


def ranked_applications(call: Call) -> QuerySet[Application]:
    """Applications past pre-review, best total first (the database orders and pages them)."""
    from django.db.models import F

    return (
        with_state(Application.objects.filter(call=call, cases__process=KEY, cases__state__in=RANKED_STATES))
        .select_related("organisation", "evaluation")
        # The long texts are not shown in a ranking: rows stay narrow.
        .defer("team", "results", "summary", "facilities", "leader_honours", "organisation__address")
        .order_by(F("evaluation__total").desc(nulls_last=True), "pk")
    )


def ranking(call: Call, *, offset: int = 0, limit: int | None = None) -> list[RankRow]:
    """The district's ranking for the deciding meeting: each expert's total, outliers flagged and
    the quota line drawn. Two queries for a page of rows, whatever the size of the call: the
    page's applications, then their sheets with each scorer's stored total."""
    window = ranked_applications(call)[offset : offset + limit] if limit is not None else ranked_applications(call)[offset:]
    applications = list(window)
    sheets: dict[int, list] = {}
    rows = (
        ScoreSheet.objects.filter(evaluation_id__in=[a.evaluation_id for a in applications if a.evaluation_id])
        .order_by("pk")
        .values_list("evaluation_id", "scorer__display_name", "scorer__username", "total")
    )
    for evaluation_id, display_name, username, total in rows:
        sheets.setdefault(evaluation_id, []).append((display_name or username, total))
    ranked = []
    for position, application in enumerate(applications, start=offset + 1):
        own = sheets.get(application.evaluation_id, [])
        total = application.evaluation.total if application.evaluation_id else None
        ranked.append(RankRow(application, application.state, total, len(own), own, _outliers(own), position <= call.quota))
    return ranked


def _outliers(sheets: list) -> list[str]:
    if len(sheets) < 3:
        # With two sheets each is "far from the other": flag a gap larger than the threshold on both.
        if len(sheets) == 2 and None not in (sheets[0][1], sheets[1][1]) and abs(sheets[0][1] - sheets[1][1]) > OUTLIER_POINTS:
            return [name for name, _total in sheets]
        return []
    flagged = []
    for index, (name, total) in enumerate(sheets):
        others = [t for i, (_n, t) in enumerate(sheets) if i != index]
        if total is not None and None not in others and abs(total - sum(others) / len(others)) > OUTLIER_POINTS:
            flagged.append(name)
    return flagged


def quota_used(call: Call) -> int:
    return Application.objects.filter(call=call, cases__process=KEY, cases__state__in=("approved", "notice", "named")).count()


def public_notice() -> QuerySet[Application]:
    return (
        with_state(Application.objects.filter(cases__process=KEY, cases__state="notice"))
        .select_related("organisation", "call")
        .order_by("name")
    )


def named_studios() -> QuerySet[Application]:
    return with_state(Application.objects.filter(cases__process=KEY, cases__state="named")).select_related("organisation", "street", "call")


def review_section(year: int, viewer):
    """The annual review's part: applications of the year's calls and the studios named."""
    applications = Application.objects.filter(call__year=year, cases__process=KEY)
    submitted = applications.exclude(cases__state="draft")
    if not submitted.exists():
        return {"title": _("职工创新工作室"), "items": [], "empty": _("本年度没有创新工作室申报")}
    named = applications.filter(cases__state="named")
    by_street = named.values("street__name").annotate(n=Count("pk")).order_by("-n", "street__name")
    items = [
        (_("申报工作室"), submitted.count(), _("个")),
        (_("命名区级职工创新工作室"), named.count(), _("个")),
    ]
    items += [(_("其中 %(street)s") % {"street": row["street__name"] or _("未分街道")}, row["n"], _("个")) for row in by_street]
    return {"title": _("职工创新工作室"), "items": items + _after_naming_figures(year)}


def _after_naming_figures(year: int) -> list:
    """Money paid to studios in the year (by payment date), acceptances and the yearly re-checks."""
    from django.db.models import Sum

    from core.numbers import yuan
    from modules.studios.models import AnnualCheck, Subsidy

    paid = Subsidy.objects.filter(paid_on__year=year)
    figures = []
    if paid.exists():
        figures.append((_("拨付工作室补助"), yuan(paid.aggregate(total=Sum("amount"))["total"]), _("元")))
        figures.append((_("获补助工作室"), paid.count(), _("个")))
    accepted = Subsidy.objects.filter(accepted_at__year=year, state=Subsidy.State.ACCEPTED).count()
    if accepted:
        figures.append((_("补助验收通过"), accepted, _("个")))
    checks = AnnualCheck.objects.filter(year=year)
    if checks.exists():
        figures.append((_("年度复核工作室"), checks.count(), _("个")))
        demoted = checks.filter(outcome=AnnualCheck.Outcome.DEMOTED).count()
        figures.append((_("复核不合格撤销命名"), demoted, _("个")))
    return figures


def subsidy_books(subsidy) -> dict:
    """Where the subsidy's money is now, read from the ledger (fen): still committed, at the
    studio, spent, returned — these always add up to the amount granted."""
    from engines.ledger.selectors import holder_balances

    prefix = f"studios:subsidy:{subsidy.pk}:"
    balances = {key[len(prefix) :]: value for key, value in holder_balances(prefix).items()}
    return {
        "committed": balances.get("committed", 0),
        "at_studio": balances.get("at_studio", 0),
        "spent": balances.get("spent", 0),
        "returned": subsidy.returned,
    }


def subsidy_trail(subsidy):
    """Every ledger entry of the subsidy, oldest first: the yuan's way from budget to expense."""
    from engines.ledger.models import Entry

    return (
        Entry.objects.filter(account__holder__startswith=f"studios:subsidy:{subsidy.pk}:")
        .select_related("account", "actor")
        .order_by("created_at", "pk")
    )


def recheck_due(year: int) -> QuerySet[Application]:
    """Named studios (named before ``year`` ended) that have no re-check report for ``year`` yet."""
    return named_studios().filter(call__year__lt=year + 1).exclude(annual_checks__year=year)
