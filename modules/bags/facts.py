"""What the bag programme lets other programmes read about its scans and batches (read-only).

Analytics (``modules.sortstats``) must not know the bag tables: it reads two database views this
app's migrations own (``0008_fact_views``) and the few functions below. A change to the bag tables
keeps these names and columns working (recreate the views in the same migration), so the readers
need not change with it.

- ``SCAN_FACTS`` — one row per collection: ``id, collected_at, organisation_id, street_id,
  point_id, point_street_id, category, grade, reasons, weight_grams, owner_id, collector_id``
  (``street_id`` is the union's street at scan time, ``point_street_id`` the collection point's).
- ``ISSUE_FACTS`` — one row per batch that was not a failed generation: ``organisation_id,
  issued_at, bags`` (bags actually generated).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Min

from modules.bags.models import BagBatch, Category, Collection, CollectionPoint, WrongSortReason

SCAN_FACTS = "bags_scan_facts"
ISSUE_FACTS = "bags_issue_facts"

__all__ = [
    "SCAN_FACTS",
    "ISSUE_FACTS",
    "Category",
    "WrongSortReason",
    "scan_time_bounds",
    "issue_time_bounds",
    "max_scan_id",
    "point_names",
]


def scan_time_bounds() -> tuple[datetime, datetime] | None:
    """The first and last scan's time (two index look-ups), or None before the first scan."""
    found = Collection.objects.aggregate(lo=Min("collected_at"), hi=Max("collected_at"))
    return None if found["lo"] is None else (found["lo"], found["hi"])


def issue_time_bounds() -> tuple[datetime, datetime] | None:
    """The first and last time bags were issued (batches that did not fail)."""
    found = BagBatch.objects.exclude(status=BagBatch.Status.FAILED).aggregate(lo=Min("created_at"), hi=Max("created_at"))
    return None if found["lo"] is None else (found["lo"], found["hi"])


def max_scan_id() -> int:
    """The highest scan id so far (0 before the first): a watermark for incremental readers."""
    return Collection.objects.aggregate(m=Max("id"))["m"] or 0


def point_names(ids) -> dict[int, str]:
    """Names of collection points by id."""
    ids = {i for i in ids if i is not None}
    return dict(CollectionPoint.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}
