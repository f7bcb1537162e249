"""Batches of coded bags: issuing them (one bulk insert) and asking for their label PDFs."""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid
from core.models import Organisation, User
from modules.bags import codes
from modules.bags.models import Bag, BagBatch, LabelExport

MIN_BATCH, MAX_BATCH = 10, 200_000


def batch_create(*, actor: User, organisation: Organisation, size: int, note: str = "", progress=None) -> BagBatch:
    """Issue ``size`` new coded bags to a grassroots union, in one bulk statement."""
    if not actor.has_perm("bags.issue_batch", organisation):
        raise Forbidden("forbidden", _("您无权向该工会发放垃圾袋"), field="organisation")
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("invalid_organisation", _("垃圾袋只能发放给基层工会"), field="organisation")
    if not isinstance(size, int) or not MIN_BATCH <= size <= MAX_BATCH:
        raise Invalid("invalid_size", _("数量须在 %(min)s 到 %(max)s 之间") % {"min": MIN_BATCH, "max": f"{MAX_BATCH:,}"}, field="size")
    with transaction.atomic():
        batch = BagBatch.objects.create(organisation=organisation, size=size, note=(note or "")[:200], created_by=actor)
        first, last = insert_bags(batch_id=batch.pk, organisation_id=organisation.pk, size=size, progress=progress)
        BagBatch.objects.filter(pk=batch.pk).update(first_bag_id=first, last_bag_id=last, created=size, status=BagBatch.Status.READY)
        batch.first_bag_id, batch.last_bag_id, batch.created, batch.status = first, last, size, BagBatch.Status.READY
        audit(
            actor=actor,
            action="bags.batch_create",
            obj=batch,
            changes={"size": size, "first": first, "last": last},
            organisation=organisation,
        )
    return batch


INSERT_CHUNK = 50_000


def insert_bags(*, batch_id: int, organisation_id: int, size: int, progress=None) -> tuple[int, int]:
    """Insert ``size`` bags with contiguous ids; returns (first id, last id). Call inside a transaction.

    PostgreSQL: an advisory lock makes the id range ours, the sequence is moved past it and one
    ``INSERT … SELECT generate_series`` writes the rows. SQLite (one writer at a time): the range
    starts after the largest id and a recursive CTE writes the rows.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('bags.insert_bags'))")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('bags_bag', 'id'),"
                " GREATEST((SELECT COALESCE(MAX(id), 0) FROM bags_bag), (SELECT last_value FROM bags_bag_id_seq)) + %s)",
                [size],
            )
            last = cursor.fetchone()[0]
            first = last - size + 1
            for start in range(first, last + 1, INSERT_CHUNK):
                end = min(last, start + INSERT_CHUNK - 1)
                cursor.execute(
                    "INSERT INTO bags_bag (id, batch_id, organisation_id) SELECT g, %s, %s FROM generate_series(%s::bigint, %s::bigint) AS g",
                    [batch_id, organisation_id, start, end],
                )
                if progress is not None:
                    progress(end - start + 1)
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM bags_bag")
            first = cursor.fetchone()[0] + 1
            last = first + size - 1
            for start in range(first, last + 1, INSERT_CHUNK):
                end = min(last, start + INSERT_CHUNK - 1)
                cursor.execute(
                    "WITH RECURSIVE s(x) AS (SELECT %s UNION ALL SELECT x + 1 FROM s WHERE x < %s)"
                    " INSERT INTO bags_bag (id, batch_id, organisation_id) SELECT x, %s, %s FROM s",
                    [start, end, batch_id, organisation_id],
                )
                if progress is not None:
                    progress(end - start + 1)
        else:  # a portable path for other databases
            start = (Bag.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
            Bag.objects.bulk_create(
                (Bag(id=start + i, batch_id=batch_id, organisation_id=organisation_id) for i in range(size)), batch_size=5000
            )
            first, last = start, start + size - 1
            if progress is not None:
                progress(size)
    if last > codes.MAX_SERIAL:
        raise Invalid("serials_exhausted", _("编码序号已用尽"))
    return first, last


def label_export_request(*, actor: User, batch: BagBatch, layout: str, base_url: str) -> LabelExport:
    """Ask for the batch's label PDF; it is made in the background (``tasks.labels_generate``)."""
    if not actor.has_perm("bags.view_batch", batch):
        raise Forbidden("forbidden", _("您无权操作该批次"))
    if layout not in LabelExport.Layout.values:
        raise Invalid("invalid_layout", _("请选择标签版式"), field="layout")
    if batch.status != BagBatch.Status.READY:
        raise Conflict("batch_not_ready", _("该批次尚未生成完毕"))
    if not re.match(r"^https?://[^\s/]+$", base_url or ""):
        raise Invalid("invalid_base_url", _("二维码地址无效"), field="base_url")
    running = batch.label_exports.filter(layout=layout, status__in=[LabelExport.Status.PENDING, LabelExport.Status.RUNNING]).first()
    if running is not None:
        return running
    export = LabelExport.objects.create(batch=batch, layout=layout, total=batch.size, base_url=base_url, created_by=actor)
    audit(
        actor=actor,
        action="bags.labels_request",
        obj=batch,
        changes={"layout": layout, "export": export.pk},
        organisation=batch.organisation,
    )

    from modules.bags.tasks import labels_generate

    transaction.on_commit(lambda: labels_generate.enqueue(export.pk))
    return export
