# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""Client ids and idempotency keys stay unique while their tables are partitioned by month
(issue 27): the claim tables (``bags_collection_claim``, ``ledger_entry_claim``), written by
triggers in the same statement as each row on both backends, refuse a second row with the same key
whatever month it falls in — also between real concurrent transactions — and a retried scan is
still a replay after its row moved to another month. Dates are relative to today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from core import partitions
from core.tests.concurrency import race
from engines.ledger.models import Entry, EntryClaim
from engines.ledger.partitioning import ENTRIES
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ledger.services import account_for, entry_post
from modules.bags import services
from modules.bags.models import Collection, CollectionClaim
from modules.bags.partitioning import COLLECTIONS
from modules.bags.tests.field_fixtures import bags, bind  # noqa: F401


def _month(n: int):
    """The middle of the n-th month from this one (negative: before)."""
    start, _end = partitions.month_bounds(timezone.now(), n)
    return start + timedelta(days=14)


def _ensure_months(*ns: int) -> None:
    for n in ns:
        partitions.ensure(COLLECTIONS, now=_month(n), ahead=0)
        partitions.ensure(ENTRIES, now=_month(n), ahead=0)


def _where(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _scan(world, bags, client_id: str, n: int, **extra):
    item = services.ScanIn(client_id=client_id, code=bags.code(bags.batch_a1, n), point_id=bags.point_a.pk, category="kitchen", **extra)
    return services.collection_record(actor=world.collector_a, item=item)


def _copy(collection: Collection, **changes) -> Collection:
    """Another collection row like ``collection`` (bypassing the scan: what a second writer racing
    it, or a bulk load, would insert)."""
    fields = {f.attname: getattr(collection, f.attname) for f in Collection._meta.concrete_fields if f.attname != "id"}
    return Collection(**{**fields, **changes})


@pytest.mark.django_db
def test_every_insert_claims_its_key_and_a_second_one_is_refused(world, bags):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    assert _scan(world, bags, "claim-1", 0).code == "collected"
    collection = Collection.objects.get(client_id="claim-1")
    claim = CollectionClaim.objects.get(client_id="claim-1")
    assert (claim.bag_id, claim.collected_at) == (collection.bag_id, collection.collected_at)
    key = f"bags.collection:{collection.pk}"
    assert EntryClaim.objects.filter(idempotency_key=key).exists()
    # The same client id on another bag, or another client id on the same bag: refused by the claim.
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(collection, bag_id=collection.bag_id + 1).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(collection, client_id="claim-2").save()
    # A second entry with a posted key; an entry without a key claims nothing.
    entry = Entry.objects.get(idempotency_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(account_id=entry.account_id, amount=1, balance_after=2, reason="test", idempotency_key=key)
    before = EntryClaim.objects.count()
    Entry.objects.create(account_id=entry.account_id, amount=1, balance_after=2, reason="test")
    assert EntryClaim.objects.count() == before
    # The claimed columns never change; a deleted row takes its claim with it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.filter(pk=collection.pk).update(client_id="claim-3")
    Entry.objects.filter(idempotency_key=key).delete()
    assert not EntryClaim.objects.filter(idempotency_key=key).exists()


@pytest.mark.django_db
def test_old_claims_are_deleted_and_a_retry_is_still_a_replay(world, bags):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    assert _scan(world, bags, "old-1", 0).code == "collected"
    CollectionClaim.objects.filter(client_id="old-1").update(collected_at=timezone.now() - timedelta(days=40))
    with override_settings(IDEMPOTENCY_CLAIM_DAYS=30):
        assert partitions.purge_claims(COLLECTIONS) == 1
        assert partitions.purge_claims(COLLECTIONS) == 0
        assert "claims deleted 0" in partitions.maintain()
    with override_settings(IDEMPOTENCY_CLAIM_DAYS=0):
        assert partitions.purge_claims(COLLECTIONS) == 0
    again = _scan(world, bags, "old-1", 0)
    assert again.code == "collected" and again.replayed
    # The scan's statement finds earlier uploads through their claims; without one, the bag being
    # collected sends the decision to every month (scan_decision.unclaimed_earlier): also in a batch.
    item = services.ScanIn(client_id="old-1", code=bags.code(bags.batch_a1, 0), point_id=bags.point_a.pk, category="kitchen")
    [in_batch] = services.collections_record_batch(actor=world.collector_a, items=[item])
    assert in_batch.code == "collected" and in_batch.replayed
    # The same old id with another body is still a conflict, not a new collection.
    other = _scan(world, bags, "old-1", 0, grade="wrong", reasons=["mixed_other"])
    assert other.code == "idempotency_conflict"
    assert Collection.objects.filter(client_id="old-1").count() == 1
    assert balance_of(world.worker_a1.pk) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_retry_replays_after_its_row_moved_to_another_month(world, bags):
    _ensure_months(-2, -1)
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    first = _scan(world, bags, "month-1", 0)
    assert first.code == "collected"
    collection = Collection.objects.get(client_id="month-1")
    this_month = partitions.partition_name(COLLECTIONS.table, partitions.month_start(timezone.now()))
    assert _where("bags_collection", collection.pk) == this_month
    # The row moves to last month's partition (deleted and inserted again by PostgreSQL): its claim follows.
    Collection.objects.filter(pk=collection.pk).update(collected_at=_month(-1))
    last_month = partitions.partition_name(COLLECTIONS.table, partitions.month_bounds(timezone.now(), -1)[0])
    assert _where("bags_collection", collection.pk) == last_month
    assert CollectionClaim.objects.get(client_id="month-1").collected_at == _month(-1)
    # The handheld retries now: a replay, nothing counted twice.
    again = _scan(world, bags, "month-1", 0)
    assert again.code == "collected" and again.replayed and again.collection_id == collection.pk
    # The same client id for another bag is a conflict, answered as before.
    assert _scan(world, bags, "month-1", 1).code == "idempotency_conflict"
    # A row with that client id in this month (or any other) is refused by the claim.
    for n in (0, -2, 2):
        with pytest.raises(IntegrityError), transaction.atomic():
            _copy(collection, bag_id=collection.bag_id + 5, collected_at=_month(n)).save()
    # And the ledger's key across months.
    entry = Entry.objects.get(idempotency_key=f"bags.collection:{collection.pk}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(
            account_id=entry.account_id,
            amount=1,
            balance_after=2,
            reason="test",
            idempotency_key=entry.idempotency_key,
            created_at=_month(-2),
        )
    assert Collection.objects.filter(client_id="month-1").count() == 1
    assert balance_of(world.worker_a1.pk) == 1
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", [True, False], ids=["single-statement", "orm-path"])
def test_concurrent_uploads_of_one_client_id_record_one_collection(world, bags, statement):
    """Eight handhelds send the same client id for eight different bags at once: the claim lets one
    through; the others answer an idempotency conflict, as the unique index made them before."""
    for n in range(8):
        bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
    with override_settings(BAGS_SCAN_SQL=statement):
        outcomes = race([lambda n=n: _scan(world, bags, "same-id", n).code for n in range(8)])
    assert sorted(outcomes) == ["collected"] + ["idempotency_conflict"] * 7
    assert Collection.objects.filter(client_id="same-id").count() == 1
    assert CollectionClaim.objects.filter(client_id="same-id").count() == 1
    assert balance_of(world.worker_a1.pk) == 1
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rows_with_one_key_in_different_months_one_wins(world, bags):
    """Real concurrent transactions, each inserting a row with the same key into another month's
    partition: exactly one commits, whichever month."""
    _ensure_months(-1, 1, 2)
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    assert _scan(world, bags, "seed", 0).code == "collected"
    seed = Collection.objects.get(client_id="seed")
    account = account_for(world.worker_a1.pk)

    def collection(n):
        with transaction.atomic():
            _copy(seed, client_id="raced", bag_id=seed.bag_id + 1 + n, collected_at=_month(n - 1)).save()
        return "inserted"

    def entry(n):
        with transaction.atomic():
            Entry.objects.create(
                account=account, amount=1, balance_after=1, reason="test", idempotency_key="raced", created_at=_month(n - 1)
            )
        return "inserted"

    def kind(outcome):
        return outcome if outcome == "inserted" else outcome.split(":")[0]

    assert sorted(map(kind, race([lambda n=n: collection(n) for n in range(4)]))) == ["IntegrityError"] * 3 + ["inserted"]
    assert sorted(map(kind, race([lambda n=n: entry(n) for n in range(4)]))) == ["IntegrityError"] * 3 + ["inserted"]
    assert Collection.objects.filter(client_id="raced").count() == 1
    assert Entry.objects.filter(idempotency_key="raced").count() == 1
    # entry_post under the same race: one entry, the others find it.
    posted = race([lambda: entry_post(member_id=world.worker_a1.pk, amount=3, reason="test", idempotency_key="posted").created] * 6)
    assert sorted(posted) == [False] * 5 + [True]
    assert Entry.objects.filter(idempotency_key="posted").count() == 1
    Entry.objects.filter(idempotency_key="raced").delete()  # not balanced: a raw row of this test
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_with_collections_and_entries_is_converted(world, bags, settings):
    """The path of an existing database: plain tables with rows and no claims yet (as before the
    claim migrations) → claims backfilled, the old tables attached as legacy partitions."""
    settings.IDEMPOTENCY_CLAIM_DAYS = 90
    assert partitions.unconvert(COLLECTIONS) == "bags_collection: plain again"
    assert partitions.unconvert(ENTRIES) == "ledger_entry: plain again"
    try:
        partitions.drop_claims(COLLECTIONS)
        partitions.drop_claims(ENTRIES)
        for n in range(6):
            bind(world, world.worker_a1, bags.code(bags.batch_a1, n))
            assert _scan(world, bags, f"old-{n}", n).code == "collected"
        for n, collection in enumerate(Collection.objects.order_by("pk")):
            Collection.objects.filter(pk=collection.pk).update(collected_at=_month(-n))
        assert not CollectionClaim.objects.exists() and not EntryClaim.objects.exists()
        with connection.cursor() as cursor:  # the unique constraints are back on the plain tables
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'bags_collection'::regclass AND contype = 'u'")
            assert cursor.fetchone()[0] == 2

        # Only the claim window's rows are claimed (older claims the upkeep would delete anyway):
        # with 90 days, last month's middle is always inside and five months back always outside.
        recent = set(Collection.objects.filter(collected_at__gte=partitions.claim_cutoff()).values_list("client_id", flat=True))
        assert "old-1" in recent and "old-5" not in recent
        assert partitions.claims_start(COLLECTIONS) == len(recent)
        assert partitions.claims_start(ENTRIES) == 6  # the entries are all of today
        assert "legacy" in partitions.convert(COLLECTIONS)
        assert "legacy" in partitions.convert(ENTRIES)
        partitions.drop_like_index(COLLECTIONS)

        assert {_where("bags_collection", c.pk) for c in Collection.objects.all()} == {"bags_collection_legacy"}
        assert {_where("ledger_entry", e.pk) for e in Entry.objects.all()} == {"ledger_entry_legacy"}
        assert set(CollectionClaim.objects.values_list("client_id", flat=True)) == recent and EntryClaim.objects.count() == 6
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bags_scan_facts")  # the view reads the new table
            assert cursor.fetchone()[0] == 6
            cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'bags_collection'::regclass AND contype = 'u'")
            assert cursor.fetchone()[0] == 0
        # An old client id is still a replay without its claim (found in the table itself, as
        # after the upkeep); a claimed one is still refused to a second row; new scans go on.
        assert _scan(world, bags, "old-5", 5).replayed
        claimed = Collection.objects.get(client_id="old-1")
        with pytest.raises(IntegrityError), transaction.atomic():
            _copy(claimed, bag_id=claimed.bag_id + 20, collected_at=timezone.now()).save()
        bind(world, world.worker_a1, bags.code(bags.batch_a1, 10))
        new = _scan(world, bags, "new-1", 10)
        assert new.code == "collected" and new.collection_id > max(c.pk for c in Collection.objects.exclude(pk=new.collection_id))
        # The legacy partition reaches to the first of the month after next; later months are partitions.
        assert _where("bags_collection", new.collection_id) == "bags_collection_legacy"
        assert partitions.partition_name("bags_collection", partitions.month_bounds(timezone.now(), 2)[0]) in [
            p.name for p in partitions.partitions(connection.cursor(), "bags_collection")
        ]
        assert partitions.convert(COLLECTIONS) == "bags_collection: already partitioned"
        assert balance_of(world.worker_a1.pk) == 7
        assert ledger_mismatches() == []
    finally:
        Collection.objects.all().delete()
        Entry.objects.all().delete()
        for spec in (COLLECTIONS, ENTRIES):
            partitions.unconvert(spec)
            partitions.convert(spec)
            partitions.drop_like_index(spec)
    with connection.cursor() as cursor:
        assert "bags_collection_legacy" not in [p.name for p in partitions.partitions(cursor, "bags_collection")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_making_a_month_waits_for_a_writer_of_a_referenced_table_instead_of_deadlocking(world, bags):
    """A writer that has written the accounts and then reads the entries (the scan's order) while
    a month of the entries is made: making it locks the tables its foreign keys reference first, so
    it waits for the writer. The other way round (the parent locked, then the accounts for the key
    cloned onto the new month) the two waited for each other until PostgreSQL killed one."""
    import threading
    import time

    import psycopg

    s = connection.settings_dict
    month = partitions.partition_name("ledger_entry", partitions.month_bounds(timezone.now(), 7)[0])
    holding, errors = threading.Event(), []

    def writer():
        try:
            with psycopg.connect(
                dbname=s["NAME"], user=s["USER"], host=s["HOST"], port=s["PORT"] or 5432, password=s["PASSWORD"] or None
            ) as other:
                other.execute("UPDATE ledger_account SET balance = balance WHERE id = -1")  # the table's write lock, in a transaction
                holding.set()
                time.sleep(0.5)
                other.execute("SELECT count(*) FROM ledger_entry").fetchone()
                other.commit()
        except Exception as exc:  # a deadlock victim on this side
            errors.append(exc)
        finally:
            holding.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        assert partitions.ensure(ENTRIES, now=_month(7), ahead=0) == [month]
        thread.join(10)
        assert errors == []
    finally:
        thread.join(10)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {month}")


def test_a_database_not_converted_yet_is_scanned_by_the_plain_join():
    """While an older database is converted (docs/scaling.md), the platform scans on: until
    ``bags 0010_claims`` has made the claim tables, each scan statement finds an earlier upload by
    the plain join on the collections' client id (the bench's conversion run scans through it)."""
    from modules.bags import scan_sql

    for statement in (scan_sql.SINGLE, scan_sql.SINGLE_BY_TOKEN, scan_sql.BATCH_FACTS):
        assert "bags_collection_claim" in statement
        plain = scan_sql.for_database(statement, claims=False)
        assert "bags_collection_claim" not in plain and "LEFT JOIN bags_collection cc ON cc.client_id = " in plain
        assert scan_sql.for_database(statement, claims=True) is statement


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_migrated_database_is_seen_to_have_its_claims():
    from modules.bags import scan_sql
    from modules.bags.services.scans import claims_installed, dialect

    assert claims_installed() and claims_installed()  # the second from what the first saw
    assert dialect() is scan_sql.POSTGRES
