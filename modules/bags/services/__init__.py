"""Writes of the field side, one module per concept (Zulip's ``actions/`` style); each write
takes the acting user, checks the rules, runs atomically and audits.

* ``batches``            issuing batches of coded bags, their label PDFs
* ``binding``            binding bags to workers (one, or a roster)
* ``collection_points``  the points where collectors scan
* ``scan_decision``      what a scan decides: validation, refusal, replay, the answer's words
* ``scans``              recording one scan (the single statement, the door's, the ORM path)
* ``scan_batch``         a batch upload of scans
* ``photos``             a scan's photo

The scan's SQL is composed in ``modules.bags.scan_sql``. Callers import from here
(``from modules.bags import services``): the names below are the package's public surface.
"""

from core.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from modules.bags.services.batches import INSERT_CHUNK, MAX_BATCH, MIN_BATCH, batch_create, insert_bags, label_export_request
from modules.bags.services.binding import MAX_BIND_ROWS, BindRowError, BulkBindError, bag_bind, bags_bind_bulk, code_range_rows
from modules.bags.services.collection_points import point_create, point_delete, point_update
from modules.bags.services.photos import attach_photo
from modules.bags.services.scan_batch import collections_record_batch
from modules.bags.services.scan_decision import (
    CODE_ERRORS,
    LEDGER_REASON,
    MAX_SCAN_BATCH,
    SCAN_MAX_AGE,
    SCAN_MAX_SKEW,
    ScanIn,
    ScanResult,
    code_error,
)
from modules.bags.services.scans import PendingCollection, collection_record, collection_record_by_token, fast_sql, ranking_feed_enabled

__all__ = [
    "CODE_ERRORS",
    "INSERT_CHUNK",
    "LEDGER_REASON",
    "MAX_BATCH",
    "MAX_BIND_ROWS",
    "MAX_SCAN_BATCH",
    "MIN_BATCH",
    "SCAN_MAX_AGE",
    "SCAN_MAX_SKEW",
    "ApiError",
    "BindRowError",
    "BulkBindError",
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
    "PendingCollection",
    "ScanIn",
    "ScanResult",
    "attach_photo",
    "bag_bind",
    "bags_bind_bulk",
    "batch_create",
    "code_error",
    "code_range_rows",
    "collection_record",
    "collection_record_by_token",
    "collections_record_batch",
    "fast_sql",
    "insert_bags",
    "label_export_request",
    "point_create",
    "point_delete",
    "point_update",
    "ranking_feed_enabled",
]
