"""Reads of the rest-station programme; staff reads take the viewer and scope through core.scoping."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from core import scoping
from core.models import Organisation
from modules.stations import hours as hours_mod
from modules.stations import places as places_mod
from modules.stations.models import (
    InspectionAssignment,
    Station,
    StationOpenSlot,
    StationRating,
    StationTask,
    Status,
    services_mask,
)

EARTH_RADIUS_M = 6_371_008.8
# The first search radius (metres); each next one is sized from the density just seen, and past
# MAX_RADIUS (Xicheng is about 7 km across) the whole district is searched. At most MAX_STEPS
# box queries precede that last one.
FIRST_RADIUS = 500
MAX_RADIUS = 6_000
MAX_STEPS = 3


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class NearStation:
    id: int
    name: str
    address: str
    landmark: str
    lat: float
    lng: float
    kind: str
    services: int
    distance_m: float


def _open_now_q(minute: int) -> Exists:
    return Exists(StationOpenSlot.objects.filter(station=OuterRef("pk"), start__lte=minute, end__gt=minute))


def nearest_open_stations(lat: float, lng: float, at: datetime | None = None, services=(), limit: int = 10) -> list[NearStation]:
    """The ``limit`` nearest stations open at ``at`` (default now) offering every service asked for.

    A bounding box on the indexed lat/lng columns is widened until it holds ``limit`` matches
    inside the circle it circumscribes (so nothing nearer can lie outside the box); only those
    candidates get the exact haversine distance. Open-now is one indexed EXISTS on the
    precomputed minute-of-week slots, so the query is the same on PostgreSQL and SQLite.
    """
    at = at or timezone.now()
    mask = services_mask(services)
    minute = hours_mod.minute_of_week(at)
    base = Station.objects.filter(status=Status.OPEN).filter(_open_now_q(minute)).order_by()
    if mask:
        base = base.annotate(_svc=_bitand("services", mask)).filter(_svc=mask)
    fields = ("id", "name", "address", "landmark", "lat", "lng", "kind", "services")
    cos_lat = max(0.01, math.cos(math.radians(lat)))
    radius: float | None = FIRST_RADIUS
    for step in range(MAX_STEPS + 1):
        qs = base
        if radius is not None:
            dlat = math.degrees(radius / EARTH_RADIUS_M)
            dlng = dlat / cos_lat
            qs = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))
        found = []
        for row in qs.values_list(*fields):
            d = haversine_m(lat, lng, row[4], row[5])
            if radius is None or d <= radius:
                found.append(NearStation(*row, distance_m=d))
        if len(found) >= limit or radius is None:
            found.sort(key=lambda s: (s.distance_m, s.id))
            return found[:limit]
        # k matches in a circle of radius r: about `limit` should lie within r·√(limit/k).
        grow = max(2.0, math.sqrt(limit / len(found)) * 1.3) if found else 4.0
        radius = radius * grow
        if radius > MAX_RADIUS or step == MAX_STEPS - 1:
            radius = None
    return []


def _bitand(field: str, mask: int):
    from django.db.models import F

    return F(field).bitand(mask)


def open_now_ids(station_ids, at: datetime | None = None) -> set[int]:
    minute = hours_mod.minute_of_week(at or timezone.now())
    return set(
        StationOpenSlot.objects.filter(station_id__in=list(station_ids), start__lte=minute, end__gt=minute).values_list(
            "station_id", flat=True
        )
    )


def match_places(text: str, limit: int = 5) -> list[dict]:
    """Where a typed place points to (no geocoder: our own data).

    First the district's gazetteer (streets, communities, well-known places; by name, alias,
    full pinyin or initials: 西单, xidan, xd); then a street union's name matches the centre of
    its stations; then stations whose address, landmark or name contains the text.
    """
    text = (text or "").strip()
    out = [{"label": p.name, "lat": p.lat, "lng": p.lng, "kind": p.kind} for p in places_mod.search(text, limit)]
    if out or len(text) < 2:
        return out
    short = text.replace("街道总工会", "").replace("街道", "")
    for street in Organisation.objects.filter(level=Organisation.Level.STREET, name__contains=short)[:limit]:
        centre = Station.objects.filter(street=street).aggregate(lat=Avg("lat"), lng=Avg("lng"))
        if centre["lat"] is not None:
            out.append({"label": street.name.replace("总工会", ""), "lat": centre["lat"], "lng": centre["lng"]})
    if not out:
        q = Q(address__contains=text) | Q(landmark__contains=text) | Q(name__contains=text)
        for name, address, lat, lng in Station.objects.filter(q).values_list("name", "address", "lat", "lng")[:limit]:
            out.append({"label": f"{name}（{address}）", "lat": lat, "lng": lng})
    return out


# -- staff reads ---------------------------------------------------------------------------


def station_scope_q(user, prefix: str = "") -> Q:
    """A station is the host's and its street's: the host's admins and the street's staff see it."""
    roots = scoping.scope_roots(user)
    if roots is None:
        return Q()
    return scoping.organisation_scope_q(user, f"{prefix}host") | scoping.organisation_scope_q(user, f"{prefix}street")


def stations_visible_to(user) -> QuerySet[Station]:
    if not scoping.is_staff_member(user):
        return Station.objects.none()
    return Station.objects.filter(station_scope_q(user))


def station_list(
    user,
    *,
    q: str = "",
    street: int | None = None,
    kind: str = "",
    status: str = "",
    service: str = "",
    year: int | None = None,
    until: int | None = None,
    funded: int | None = None,
    funded_before: int | None = None,
    inspected: int | None = None,
) -> QuerySet[Station]:
    """``year``: built in that year; ``until``: built by that year's end; ``funded``: granted
    money in that year; ``funded_before``: granted money in a year before that one (the base the
    year's new stations were built on); ``inspected``: visited in that year's inspection and
    evaluation (a done assignment of one of the year's plans). The annual review's figures land on these."""
    qs = stations_visible_to(user).select_related("host", "street")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q) | Q(landmark__contains=q) | Q(host__name__contains=q))
    if street:
        qs = qs.filter(street_id=street)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if service:
        mask = services_mask([service])
        qs = qs.annotate(_svc=_bitand("services", mask)).filter(_svc=mask)
    if year:
        qs = qs.filter(built_year=year)
    if until:
        qs = qs.filter(built_year__lte=until)
    if funded:
        from modules.stations.models import StationGrant

        qs = qs.filter(pk__in=StationGrant.objects.filter(year=funded).values("station_id"))
    if funded_before:
        qs = qs.filter(pk__in=funded_before_ids(funded_before))
    if inspected:
        qs = qs.filter(pk__in=inspected_ids(inspected))
    return qs.order_by("street__name", "name", "pk")


def funded_before_ids(year: int) -> QuerySet:
    """Stations granted money in any year before ``year`` (as ids, for a subquery)."""
    from modules.stations.models import StationGrant

    return StationGrant.objects.filter(year__lt=year).values("station_id")


def inspected_ids(year: int) -> QuerySet:
    """Stations with a done inspection of one of ``year``'s plans (as ids, for a subquery)."""
    return InspectionAssignment.objects.filter(plan__year=year, state=InspectionAssignment.State.DONE).values("station_id")


def streets_for_filter(user) -> QuerySet[Organisation]:
    ids = stations_visible_to(user).values("street_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def rating_summary(station: Station) -> dict:
    return StationRating.objects.filter(station=station).aggregate(avg=Avg("stars"), count=Count("id"))


def tasks_visible_to(user) -> QuerySet[StationTask]:
    if not scoping.is_staff_member(user):
        return StationTask.objects.none()
    return StationTask.objects.filter(station_scope_q(user, "station__"))


def task_list(user, *, state: str = "", kind: str = "", overdue: bool = False) -> QuerySet[StationTask]:
    qs = tasks_visible_to(user).select_related("station", "station__street", "station__host")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if overdue:
        qs = qs.filter(deadline__lt=timezone.localdate()).exclude(state=StationTask.State.RESOLVED)
    return qs


def figures(user) -> dict:
    """Stations by street, built per year, funded amount per year — within the viewer's scope."""
    from modules.stations.models import StationGrant

    stations = stations_visible_to(user)
    by_street = list(
        stations.values("street__name")
        .annotate(total=Count("id"), open=Count("id", filter=Q(status=Status.OPEN)), capacity=Sum("capacity"))
        .order_by("street__name")
    )
    built = list(stations.exclude(built_year=None).values("built_year").annotate(n=Count("id")).order_by("built_year"))
    grants = list(
        StationGrant.objects.filter(station__in=stations)
        .values("year")
        .annotate(amount=Sum("amount_fen"), stations=Count("station", distinct=True))
        .order_by("year")
    )
    by_status = dict(stations.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {"by_street": by_street, "built": built, "grants": grants, "by_status": by_status, "total": sum(by_status.values())}


def assignments_for_inspector(user, *, state: str = "") -> QuerySet[InspectionAssignment]:
    qs = InspectionAssignment.objects.filter(inspector=user).select_related("station", "station__street", "plan", "evaluation")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("state", "station__street__name", "station__name")


def plan_assignments(user, plan) -> QuerySet[InspectionAssignment]:
    return (
        InspectionAssignment.objects.filter(plan=plan)
        .filter(station_scope_q(user, "station__"))
        .select_related("station", "station__street", "station__host", "inspector", "evaluation")
        .order_by("station__street__name", "station__name")
    )


def plan_results(user, plan) -> dict:
    """Mean score and count per grade, by street and by kind, for the plan's done inspections."""
    rows = list(
        plan_assignments(user, plan).values_list(
            "station__street__name", "station__kind", "evaluation__total", "evaluation__grade", "state"
        )
    )
    labels = [b["label"] for b in plan.rubric.thresholds]

    def group(index):
        out = {}
        for row in rows:
            g = out.setdefault(row[index], {"count": 0, "done": 0, "sum": 0, "grades": dict.fromkeys(labels, 0)})
            g["count"] += 1
            if row[4] == InspectionAssignment.State.DONE and row[2] is not None:
                g["done"] += 1
                g["sum"] += float(row[2])
                if row[3] in g["grades"]:
                    g["grades"][row[3]] += 1
        for g in out.values():
            g["mean"] = round(g["sum"] / g["done"], 2) if g["done"] else None
        return dict(sorted(out.items(), key=lambda kv: str(kv[0])))

    return {
        "labels": labels,
        "by_street": group(0),
        "by_kind": group(1),
        "total": len(rows),
        "done": sum(1 for r in rows if r[4] == "done"),
    }
