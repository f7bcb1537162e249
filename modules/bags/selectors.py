"""Reads of the field side, each taking the viewer so scoping stays in ``core.scoping``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from core import scoping
from core.models import Organisation, RoleAssignment, User
from core.pinyin import name_keys, pinyin_matches
from modules.bags.models import Bag, BagBatch, Collection, CollectionPoint, Grade, LabelExport


def batches_visible_to(viewer: User) -> QuerySet[BagBatch]:
    if not scoping.is_staff_member(viewer):
        return BagBatch.objects.none()
    return BagBatch.objects.filter(scoping.organisation_scope_q(viewer, "organisation")).select_related("organisation")


@dataclass(frozen=True)
class BatchStats:
    bound: int = 0
    collected: int = 0


def batch_stats(batch_ids: list[int]) -> dict[int, BatchStats]:
    """Bound and collected counts of a page of batches in one grouped query."""
    rows = (
        Bag.objects.filter(batch_id__in=batch_ids)
        .values("batch_id")
        .annotate(bound=Count("owner_id"), collected=Count("collected_at"))
        .values_list("batch_id", "bound", "collected")
    )
    return {batch_id: BatchStats(bound, collected) for batch_id, bound, collected in rows}


def exports_of(batch: BagBatch) -> QuerySet[LabelExport]:
    return batch.label_exports.all()[:10]


def issuable_organisations(viewer: User) -> QuerySet[Organisation]:
    """Grassroots unions a viewer may issue bags to (district and street staff only)."""
    if not (scoping.is_district_staff(viewer) or scoping.has_role(viewer, scoping.Role.STREET_STAFF)):
        return Organisation.objects.none()
    return Organisation.objects.filter(
        scoping.organisation_scope_q(viewer, "", roles=(scoping.Role.DISTRICT_STAFF, scoping.Role.STREET_STAFF)),
        level=Organisation.Level.GRASSROOTS,
        is_active=True,
    )


PICKER_LIMIT = 20
_LATIN = re.compile(r"^[A-Za-z0-9]+$")


def issuable_organisation_search(viewer: User, text: str, limit: int = PICKER_LIMIT) -> tuple[list[Organisation], int]:
    """Unions the viewer may issue bags to whose name contains ``text``, whose pinyin or pinyin
    initials start with it (xd → 西单…), or whose credit code starts with it; at most ``limit``,
    and how many matched. Scoped by ``issuable_organisations``: nothing outside it is ever found."""
    base = issuable_organisations(viewer).select_related("street")
    text = (text or "").strip().replace(" ", "")[:40]
    if not text:
        return list(base.order_by("path")[:limit]), base.count()
    if not _LATIN.match(text):
        qs = base.filter(name__icontains=text).order_by("path")
        return list(qs[:limit]), qs.count()
    typed = text.lower()
    # Latin letters and digits: a credit code (indexed prefix) or pinyin (names of the scope
    # matched in memory, their pinyin cached per process: a few thousand short names).
    by_code = set(base.filter(credit_code__istartswith=text).values_list("pk", flat=True)) if len(text) >= 4 else set()
    matched = [(pk, name) for pk, name in base.order_by("path").values_list("pk", "name") if pk in by_code or pinyin_matches(name, typed)]
    # Names that start with what was typed first (stable: tree order within each group).
    matched.sort(key=lambda m: not (m[0] in by_code or name_keys(m[1])[0].startswith(typed) or name_keys(m[1])[1].startswith(typed)))
    chosen = [pk for pk, _name in matched[:limit]]
    found = {o.pk: o for o in base.filter(pk__in=chosen)}
    return [found[pk] for pk in chosen if pk in found], len(matched)


def points_visible_to(viewer: User) -> QuerySet[CollectionPoint]:
    if not (scoping.is_district_staff(viewer) or scoping.has_role(viewer, scoping.Role.STREET_STAFF)):
        return CollectionPoint.objects.none()
    return CollectionPoint.objects.filter(scoping.organisation_scope_q(viewer, "street")).select_related("street")


def streets_for_points(viewer: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(scoping.organisation_scope_q(viewer), level=Organisation.Level.STREET)


def collectors_for(street: Organisation | None) -> QuerySet[User]:
    """Users with the collector role at this street (or at the district, who may serve anywhere)."""
    qs = User.objects.filter(roles__role=RoleAssignment.Role.COLLECTOR, is_active=True)
    if street is not None:
        qs = qs.filter(Q(roles__organisation=street) | Q(roles__organisation__level=Organisation.Level.DISTRICT))
    return qs.distinct().order_by("username")


def servable_organisations(street: Organisation | None) -> QuerySet[Organisation]:
    if street is None:
        return Organisation.objects.none()
    return Organisation.objects.filter(street=street, level=Organisation.Level.GRASSROOTS, is_active=True).order_by("name")


def points_of_collector(user: User) -> QuerySet[CollectionPoint]:
    return CollectionPoint.objects.filter(collectors=user, is_active=True).select_related("street").order_by("name")


def day_bounds(day=None) -> tuple[datetime, datetime]:
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def point_tally(point: CollectionPoint, day=None) -> dict:
    """Today's bags, grades and kilograms at a point (the station's running tally on load)."""
    start, end = day_bounds(day)
    row = Collection.objects.filter(point=point, collected_at__gte=start, collected_at__lt=end).aggregate(
        bags=Count("id"),
        correct=Count("id", filter=Q(grade=Grade.CORRECT)),
        wrong=Count("id", filter=Q(grade=Grade.WRONG)),
        grams=Sum("weight_grams"),
    )
    return {"bags": row["bags"], "correct": row["correct"], "wrong": row["wrong"], "kg": round((row["grams"] or 0) / 1000, 1)}


def recent_collections(point: CollectionPoint, collector: User, limit: int = 10):
    return (
        Collection.objects.filter(point=point, collector=collector)
        .order_by("-collected_at", "-id")
        .only("id", "bag_id", "category", "grade", "weight_grams", "points_awarded", "collected_at", "owner_id")[:limit]
    )


def bags_summary(viewer: User) -> dict:
    """Bags issued and collected in the viewer's scope (dashboard card)."""
    q = scoping.organisation_scope_q(viewer, "organisation")
    issued = BagBatch.objects.filter(q).aggregate(n=Sum("size"))["n"] or 0
    collected = Collection.objects.filter(q).count()
    return {"issued": issued, "collected": collected}


def daily_points_mismatches() -> list[tuple[int, object, int, int]]:
    """Daily-cap counters that differ from their day's collections: (owner, day, counter, sum of
    points_awarded). There must be none; the race tests check it after concurrent scans."""
    from django.db.models.functions import TruncDate

    from engines.ranking.periods import TZ
    from modules.bags.models import DailyPoints

    counters = {(owner, day): pts for owner, day, pts in DailyPoints.objects.values_list("owner_id", "day", "points")}
    if not counters:
        return []
    owners = {owner for owner, _day in counters}
    sums = {
        (row["owner_id"], row["day"]): row["total"]
        for row in Collection.objects.filter(owner_id__in=owners)
        .annotate(day=TruncDate("collected_at", tzinfo=TZ))
        .values("owner_id", "day")
        .annotate(total=Sum("points_awarded"))
    }
    return [
        (owner, day, pts, sums.get((owner, day), 0)) for (owner, day), pts in sorted(counters.items()) if pts != sums.get((owner, day), 0)
    ]
