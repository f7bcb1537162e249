"""Kernel reads, each taking the viewer so scoping happens through core.scoping only."""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from core import scoping
from core.models import AuditLog, CoverageUnit, Member, MemberTransfer, Organisation, PersonalDataAccess


def organisation_for(viewer, pk) -> Organisation:
    """The organisation if the viewer may see it; 404 otherwise, so existence does not leak."""
    try:
        return scoping.organisations_visible_to(viewer).select_related("parent", "street").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisation_roots(viewer) -> list[Organisation]:
    roots = scoping.scope_roots(viewer)
    if roots is None:
        return list(Organisation.objects.filter(level=Organisation.Level.DISTRICT).order_by("path"))
    # A root inside another root is not a root of its own.
    roots = sorted(roots, key=lambda o: o.path)
    out: list[Organisation] = []
    for org in roots:
        if not any(org.path.startswith(r.path) for r in out):
            out.append(org)
    return out


def organisation_children(
    viewer, organisation: Organisation, *, search: str = "", level: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    qs = scoping.organisations_visible_to(viewer).filter(parent=organisation).select_related("street")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code__iexact=search))
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("level", "name")


def organisation_search(viewer, search: str) -> QuerySet[Organisation]:
    return (
        scoping.organisations_visible_to(viewer)
        .filter(Q(name__icontains=search) | Q(credit_code__iexact=search))
        .select_related("parent")
        .order_by("path")
    )


def breadcrumbs(viewer, organisation: Organisation) -> list[Organisation]:
    return [o for o in organisation.ancestors() if scoping.can_view_organisation(viewer, o)]


def subtree_figures(organisation: Organisation) -> dict:
    """Grassroots unions and active members below an organisation, from the kept ``member_count``:
    one indexed prefix scan of the tree instead of counting a million roster rows."""
    return Organisation.objects.filter(path__startswith=organisation.path, level=Organisation.Level.GRASSROOTS).aggregate(
        grassroots=Count("pk"),
        members=Coalesce(Sum("member_count"), 0),
    )


def parent_choices(viewer) -> QuerySet[Organisation]:
    """Where the viewer may put a new union: their scope's district, street and industry unions."""
    qs = scoping.organisations_visible_to(viewer).exclude(level=Organisation.Level.GRASSROOTS)
    if not scoping.is_district_staff(viewer):
        qs = qs.exclude(level=Organisation.Level.DISTRICT)
        if not scoping.has_role(viewer, scoping.Role.STREET_STAFF):
            return qs.none()
    return qs.order_by("path")


def street_choices(viewer) -> QuerySet[Organisation]:
    """Streets: a grassroots union under an industry union may lie in any street of the district."""
    return Organisation.objects.filter(level=Organisation.Level.STREET).order_by("name")


def grassroots_choices(viewer) -> QuerySet[Organisation]:
    return scoping.organisations_visible_to(viewer).filter(level=Organisation.Level.GRASSROOTS).order_by("name")


# --- Members ---------------------------------------------------------------------------------


def member_for_viewer(viewer, pk) -> Member:
    try:
        return scoping.members_visible_to(viewer).select_related("organisation", "user").get(pk=pk)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


PHONE_SEARCH_RE = re.compile(r"^1[3-9]\d{9}$")


def member_list(viewer, *, organisation: Organisation | None = None, search: str = "", tag: str = "", status: str = "") -> QuerySet[Member]:
    qs = scoping.members_visible_to(viewer).select_related("organisation")
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if search:
        search = search.strip()
        cond = Q(name__icontains=search) | Q(employee_no__iexact=search)
        # Only a whole number finds a phone: matching the last digits let a masked 139****3148
        # be completed digit by digit. Callers pass the search through
        # ``services.member_search_check`` first, which logs and rate-limits phone searches.
        if PHONE_SEARCH_RE.match(search):
            cond |= Q(phone=search)
        qs = qs.filter(cond)
    if tag:
        # JSON containment on PostgreSQL (GIN-indexable); SQLite has no such lookup.
        qs = qs.filter(tags__contains=[tag]) if connection.vendor == "postgresql" else qs.filter(tags__icontains=f'"{tag}"')
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("organisation_id", "name", "pk")


def member_transfers(member: Member) -> QuerySet[MemberTransfer]:
    return member.transfers.select_related("from_organisation", "to_organisation", "moved_by").order_by("-moved_at")


# --- Coverage --------------------------------------------------------------------------------

COVERAGE_KINDS = [CoverageUnit.Kind.PARK, CoverageUnit.Kind.COMMUNITY, CoverageUnit.Kind.BUILDING]


def coverage_units(viewer) -> QuerySet[CoverageUnit]:
    return CoverageUnit.objects.filter(scoping.organisation_scope_q(viewer, "street"))


def coverage_unit_for(viewer, pk) -> CoverageUnit:
    try:
        return coverage_units(viewer).select_related("street", "union").get(pk=pk)
    except (CoverageUnit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def coverage_report(viewer, *, year: int) -> dict:
    """Per street and kind: units, units with a union, and new non-public-enterprise unions in ``year``.

    Two grouped queries whatever the size of the district.
    """
    streets = list(scoping.organisations_visible_to(viewer).filter(level=Organisation.Level.STREET).order_by("name"))
    street_ids = [s.pk for s in streets]
    cells: dict[tuple[int, str], dict] = {}
    for row in (
        CoverageUnit.objects.filter(street_id__in=street_ids)
        .values("street_id", "kind")
        .annotate(total=Count("pk"), covered=Count("pk", filter=Q(union__isnull=False)))
    ):
        cells[(row["street_id"], row["kind"])] = row
    new_counts = dict(
        Organisation.objects.filter(
            street_id__in=street_ids,
            level=Organisation.Level.GRASSROOTS,
            ownership=Organisation.Ownership.NON_PUBLIC,
            founded_on__gte=date(year, 1, 1),
            founded_on__lte=date(year, 12, 31),
        )
        .values("street_id")
        .annotate(n=Count("pk"))
        .values_list("street_id", "n")
    )
    rows = []
    totals = {kind: {"total": 0, "covered": 0} for kind in COVERAGE_KINDS}
    total_new = 0
    for street in streets:
        kinds = []
        for kind in COVERAGE_KINDS:
            cell = cells.get((street.pk, kind), {"total": 0, "covered": 0})
            kinds.append(
                {"kind": kind, "total": cell["total"], "covered": cell["covered"], "percent": percent(cell["covered"], cell["total"])}
            )
            totals[kind]["total"] += cell["total"]
            totals[kind]["covered"] += cell["covered"]
        all_total = sum(k["total"] for k in kinds)
        all_covered = sum(k["covered"] for k in kinds)
        new = new_counts.get(street.pk, 0)
        total_new += new
        rows.append(
            {
                "street": street,
                "kinds": kinds,
                "total": all_total,
                "covered": all_covered,
                "percent": percent(all_covered, all_total),
                "new_non_public": new,
            }
        )
    total_row = [{"kind": k, **v, "percent": percent(v["covered"], v["total"])} for k, v in totals.items()]
    grand_total = sum(v["total"] for v in totals.values())
    grand_covered = sum(v["covered"] for v in totals.values())
    return {
        "year": year,
        "rows": rows,
        "totals": total_row,
        "kinds": COVERAGE_KINDS,
        "total": grand_total,
        "covered": grand_covered,
        "percent": percent(grand_covered, grand_total),
        "new_non_public": total_new,
    }


def percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


# --- Audit -----------------------------------------------------------------------------------


def audit_entries(viewer, *, actor: str = "", action: str = "", date_from=None, date_to=None) -> QuerySet[AuditLog]:
    if not scoping.is_district_staff(viewer):
        return AuditLog.objects.none()
    qs = AuditLog.objects.select_related("actor", "organisation")
    if actor:
        qs = qs.filter(Q(actor__username__icontains=actor) | Q(actor__display_name__icontains=actor))
    if action:
        qs = qs.filter(action__startswith=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-pk")


def data_access_entries(viewer, *, actor: str = "", action: str = "", date_from=None, date_to=None) -> QuerySet[PersonalDataAccess]:
    if not scoping.is_district_staff(viewer):
        return PersonalDataAccess.objects.none()
    qs = PersonalDataAccess.objects.select_related("viewer", "member")
    if actor:
        qs = qs.filter(Q(viewer__username__icontains=actor) | Q(viewer__display_name__icontains=actor))
    if action:
        qs = qs.filter(field__startswith=action)
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-pk")


def audit_actions() -> list[str]:
    return list(AuditLog.objects.order_by("action").values_list("action", flat=True).distinct()[:100])
