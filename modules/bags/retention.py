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
