"""Retention of raw scan photos (PIPL: keep personal data no longer than needed).

A collector may photograph a wrongly sorted bag as evidence; the photo is kept for
``settings.RETENTION_DAYS_SCAN_PHOTOS`` days after the collection and then deleted — the file
from storage and the field cleared — by the scheduler. The collection itself (grade, points)
stays: the books and the statistics must keep adding up.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from modules.bags.models import Collection

log = logging.getLogger(__name__)
CHUNK = 500


def scan_photos_purge(*, now=None, limit: int = 20_000) -> str:
    """Scheduled: delete scan photos older than the retention period; returns a summary line."""
    days = settings.RETENTION_DAYS_SCAN_PHOTOS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = Collection.objects.filter(collected_at__lt=cutoff).exclude(Q(photo="") | Q(photo__isnull=True))
    purged = 0
    while purged < limit:
        chunk = list(due.order_by("pk").values_list("pk", "photo")[:CHUNK])
        if not chunk:
            break
        storage = Collection._meta.get_field("photo").storage
        for _pk, name in chunk:
            try:
                storage.delete(name)
            except OSError:  # already gone, or storage unreachable: clear the field anyway, log it
                log.warning("scan photo %s could not be deleted from storage", name)
        Collection.objects.filter(pk__in=[pk for pk, _name in chunk]).update(photo=None)
        purged += len(chunk)
    return f"purged {purged} scan photos older than {days} days"


def daily_points_purge(*, today=None) -> str:
    """Scheduled: drop daily-cap counters of days no scan can be uploaded for any more.

    A counter matters only while a bag of its day can still arrive (an offline device uploads
    up to ``services.SCAN_MAX_AGE`` late); kept forever they would grow by one row per active
    worker per day. Two days of margin beyond that window.
    """
    from engines.ranking.periods import local
    from modules.bags.models import DailyPoints
    from modules.bags.services import SCAN_MAX_AGE

    today = today or local().date()
    cutoff = today - SCAN_MAX_AGE - timedelta(days=2)
    deleted, _ = DailyPoints.objects.filter(day__lt=cutoff).delete()
    return f"deleted {deleted} daily points counters before {cutoff.isoformat()}"
