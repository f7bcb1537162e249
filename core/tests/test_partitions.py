"""The audit log and the personal-data access log on monthly partitions (PostgreSQL; core/partitions.py).

Rows land in their month's partition, the upkeep is idempotent, retention drops only whole months
past it, the ORM keeps working with the SQL primary key (id, at), and a table that already holds
rows is converted by attaching it as the legacy partition. Dates are relative to today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from core import partitions
from core.models import AuditLog, PersonalDataAccess
from core.registry import registry

AUDIT, ACCESS = partitions.LOGS


def _where(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _names(spec) -> list[str]:
    with connection.cursor() as cursor:
        return [p.name for p in partitions.partitions(cursor, spec.table)]


def _month(n: int):
    """The middle of the n-th month from this one (negative: before)."""
    start, _end = partitions.month_bounds(timezone.now(), n)
    return start + timedelta(days=14)


@pytest.mark.django_db
def test_the_scheduler_and_the_command_are_registered():
    assert ("core.partitions.maintain", 3600) in registry.periodic_jobs
    call_command("partitions", "--ensure", "--apply-retention")  # a no-op on SQLite, upkeep on PostgreSQL


@pytest.mark.postgres
@pytest.mark.django_db
def test_rows_land_in_their_months_partition():
    this_month = partitions.partition_name(AUDIT.table, partitions.month_start(timezone.now()))
    entry = AuditLog.objects.create(action="test.partition")
    seen = PersonalDataAccess.objects.create(field="phone")
    assert _where(AuditLog, entry.pk) == this_month
    assert _where(PersonalDataAccess, seen.pk) == partitions.partition_name(ACCESS.table, partitions.month_start(timezone.now()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [AUDIT.table])
        assert cursor.fetchone()[0] == "p"
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [AUDIT.table])
        # this month, PARTITION_MONTHS_AHEAD more, and the default
        assert cursor.fetchone()[0] >= 1 + 3 + 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_orm_keeps_id_as_the_primary_key():
    entry = AuditLog.objects.create(action="test.orm", changes={"a": [1, 2]})
    assert AuditLog.objects.get(pk=entry.pk).changes == {"a": [1, 2]}
    entry.changes = {"a": ["***", "***"]}
    entry.save(update_fields=["changes"])
    entry.refresh_from_db()
    assert entry.changes == {"a": ["***", "***"]}
    # A new timestamp moves the row to its month's partition; the id stays the same.
    AuditLog.objects.filter(pk=entry.pk).update(at=_month(2))
    assert _where(AuditLog, entry.pk) == partitions.partition_name(AUDIT.table, partitions.month_bounds(timezone.now(), 2)[0])
    more = AuditLog.objects.bulk_create([AuditLog(action="test.bulk") for _ in range(3)])
    assert all(m.pk for m in more) and len({m.pk for m in more}) == 3
    assert AuditLog.objects.filter(pk=entry.pk).delete()[0] == 1
    assert not AuditLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_ensure_is_idempotent_and_moves_rows_out_of_the_default():
    assert partitions.ensure(AUDIT) == []
    before = _names(AUDIT)
    assert partitions.ensure(AUDIT) == [] and _names(AUDIT) == before
    # A row beyond the months made ahead goes to the default partition, never fails...
    far = AuditLog.objects.create(action="test.far", at=_month(7))
    assert _where(AuditLog, far.pk) == f"{AUDIT.table}_default"
    # ...and moves to its month once that month is made.
    created = partitions.ensure(AUDIT, now=_month(7), ahead=0)
    assert created == [partitions.partition_name(AUDIT.table, partitions.month_bounds(timezone.now(), 7)[0])]
    assert _where(AuditLog, far.pk) == created[0]
    assert partitions.ensure(AUDIT, now=_month(7), ahead=0) == []


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(RETENTION_MONTHS_AUDIT_LOG=36)
def test_retention_drops_only_months_past_it():
    old_month = partitions.month_bounds(timezone.now(), -40)[0]
    kept_month = partitions.month_bounds(timezone.now(), -30)[0]
    partitions.ensure(AUDIT, now=_month(-40), ahead=0)
    partitions.ensure(AUDIT, now=_month(-30), ahead=0)
    old = AuditLog.objects.create(action="test.old", at=_month(-40))
    kept = AuditLog.objects.create(action="test.kept", at=_month(-30))
    edge = AuditLog.objects.create(action="test.edge", at=timezone.now() - timedelta(days=365 * 3 - 20))  # inside three years
    stray_old = AuditLog.objects.create(action="test.stray", at=_month(-50))  # before every partition: default
    current = AuditLog.objects.create(action="test.now")
    assert _where(AuditLog, stray_old.pk) == f"{AUDIT.table}_default"

    with connection.cursor() as cursor:
        # The test's own inserts (deferred foreign-key checks) are pending in this transaction; the
        # scheduler's run has none, but PostgreSQL will not drop a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    done = partitions.apply_retention(AUDIT)
    assert done["dropped"] == [partitions.partition_name(AUDIT.table, old_month)]
    assert done["deleted"] == 1  # the stray row in the default partition
    assert not AuditLog.objects.filter(pk__in=[old.pk, stray_old.pk]).exists()
    assert set(AuditLog.objects.filter(pk__in=[kept.pk, edge.pk, current.pk]).values_list("pk", flat=True)) == {
        kept.pk,
        edge.pk,
        current.pk,
    }
    assert partitions.partition_name(AUDIT.table, kept_month) in _names(AUDIT)
    # Idempotent: nothing more to do.
    assert partitions.apply_retention(AUDIT) == {"dropped": [], "deleted": 0}
    with override_settings(RETENTION_MONTHS_AUDIT_LOG=0):
        assert partitions.apply_retention(AUDIT) == {"dropped": [], "deleted": 0}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_scheduled_job_and_the_command_do_the_upkeep():
    assert "core_auditlog: created 0, dropped 0" in partitions.maintain()
    call_command("partitions", "--ensure")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_table_with_rows_is_converted_by_attaching_it():
    """The path of an existing database: plain table with rows → partitioned, rows not copied."""
    assert partitions.unconvert(ACCESS) == f"{ACCESS.table}: plain again"
    try:
        rows = PersonalDataAccess.objects.bulk_create([PersonalDataAccess(field="phone", at=_month(-n)) for n in range(6)])
        newest_old_id = max(r.pk for r in rows)
        message = partitions.convert(ACCESS)
        assert "legacy" in message
        legacy = f"{ACCESS.table}_legacy"
        assert {_where(PersonalDataAccess, r.pk) for r in rows} == {legacy}
        assert PersonalDataAccess.objects.count() == 6
        with connection.cursor() as cursor:
            # No index was built on the legacy partition under the lock: it adopted its own.
            cursor.execute("SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass", [legacy])
            assert cursor.fetchone()[0] == 4  # (id, at) primary key, at, member, viewer
        # New rows continue the id sequence; past the legacy bound they land in month partitions.
        later = PersonalDataAccess.objects.create(field="name", at=_month(2))
        assert later.pk > newest_old_id
        assert _where(PersonalDataAccess, later.pk) == partitions.partition_name(
            ACCESS.table, partitions.month_bounds(timezone.now(), 2)[0]
        )
        assert partitions.convert(ACCESS) == f"{ACCESS.table}: already partitioned"
        # Retention reaches into the legacy partition by batched deletes until it can drop it whole.
        with override_settings(RETENTION_MONTHS_PERSONAL_DATA_ACCESS=3):
            cutoff = partitions.add_months(timezone.now(), -3)
            past = [r.pk for r in rows if r.at < cutoff]
            assert len(past) >= 2
            assert partitions.apply_retention(ACCESS) == {"dropped": [], "deleted": len(past)}
            assert not PersonalDataAccess.objects.filter(pk__in=past).exists()
            assert PersonalDataAccess.objects.count() == 6 - len(past) + 1
    finally:
        # Leave the fresh layout for the other tests.
        PersonalDataAccess.objects.all().delete()
        partitions.unconvert(ACCESS)
        partitions.convert(ACCESS)
    assert f"{ACCESS.table}_legacy" not in _names(ACCESS)
