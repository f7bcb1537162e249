"""Monthly range partitions of the append-only logs on PostgreSQL (issue 27, first slice).

The audit log (``core_auditlog``) and the personal-data access log (``core_personaldataaccess``)
have no globally unique business key, so they can be partitioned by month on their timestamp
(``at``) without claim tables. On PostgreSQL each is a declarative ``PARTITION BY RANGE (at)``
table whose primary key in SQL is ``(id, at)`` (PostgreSQL requires the partition key in every
unique constraint); Django still treats ``id`` as the primary key, and ids stay unique because
they all come from one sequence. SQLite keeps plain tables: everything here is a no-op there.

The partitions of one log:

- ``<table>_pYYYYMM``: one month, bounds at midnight of the first in ``settings.TIME_ZONE``;
- ``<table>_default``: the DEFAULT partition, normally empty — it catches a row outside every
  month (older than the first month made, or beyond the months made ahead if the scheduler has
  stopped), so writing the audit never fails because of partition upkeep;
- ``<table>_legacy``: on a database converted with rows, the old table itself, attached for
  ``[MINVALUE, T)`` without copying a row (see ``convert``).

``ensure`` makes this month and ``PARTITION_MONTHS_AHEAD`` more; ``apply_retention`` detaches and
drops the partitions wholly older than the log's retention, and deletes in small batches the rows
past it in the legacy and default partitions (which do not end at a month). Both are idempotent,
run by the scheduler (``maintain``, hourly) and by ``manage.py partitions``.
"""

from __future__ import annotations

import calendar
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

log = logging.getLogger("unionhub.partitions")

# How long a maintenance statement waits for a lock before giving up until the next run: a DDL
# statement queued behind a long transaction would otherwise block every writer queued behind it.
LOCK_TIMEOUT = "5s"
DELETE_BATCH = 5000
DELETE_BATCHES_PER_RUN = 100


@dataclass(frozen=True)
class Log:
    table: str
    column: str
    retention_setting: str

    @property
    def retention_months(self) -> int:
        return int(getattr(settings, self.retention_setting, 0) or 0)


LOGS = (
    Log("core_auditlog", "at", "RETENTION_MONTHS_AUDIT_LOG"),
    Log("core_personaldataaccess", "at", "RETENTION_MONTHS_PERSONAL_DATA_ACCESS"),
)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- months ----------------------------------------------------------------------------------


def month_start(moment: datetime) -> datetime:
    """Midnight of the first of ``moment``'s month, in the platform's time zone."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(moment: datetime, n: int) -> datetime:
    """``n`` months later (earlier if negative), the day clamped to the month's last (31 May - 3 → 28/29 Feb)."""
    month = moment.month - 1 + n
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def partition_name(table: str, start: datetime) -> str:
    return f"{table}_p{start:%Y%m}"


def q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- catalog ---------------------------------------------------------------------------------


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


@dataclass(frozen=True)
class Partition:
    name: str
    lower: datetime | None  # None: MINVALUE
    upper: datetime | None  # None: MAXVALUE
    default: bool


def partitions(cursor, table: str) -> list[Partition]:
    """The partitions of ``table`` with their bounds, read from the catalog (PostgreSQL itself
    parses the bound literals back into timestamps)."""
    cursor.execute(
        r"""SELECT c.relname, p.bound = 'DEFAULT',
                   (regexp_match(p.bound, 'FROM \(''([^'']+)''\)'))[1]::timestamptz,
                   (regexp_match(p.bound, 'TO \(''([^'']+)''\)'))[1]::timestamptz
            FROM (SELECT inhrelid, pg_get_expr(c.relpartbound, c.oid) AS bound
                  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = to_regclass(%s)) p
            JOIN pg_class c ON c.oid = p.inhrelid
            ORDER BY 3 NULLS FIRST, 1""",
        [table],
    )
    return [Partition(name, lower, upper, default) for name, default, lower, upper in cursor.fetchall()]


def _overlaps(part: Partition, start: datetime, end: datetime) -> bool:
    if part.default:
        return False
    return (part.lower is None or part.lower < end) and (part.upper is None or part.upper > start)


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        [table],
    )
    return [r[0] for r in cursor.fetchall()]


# --- upkeep ----------------------------------------------------------------------------------


def _create_month(cursor, spec: Log, start: datetime, end: datetime, default: str | None) -> None:
    """One month's partition. If the DEFAULT partition already caught rows of that month, they
    are moved into it first (PostgreSQL refuses a new partition whose rows sit in the default)."""
    name = partition_name(spec.table, start)
    col = q(spec.column)
    moving = False
    if default:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {q(default)} WHERE {col} >= %s AND {col} < %s)", [start, end])
        moving = cursor.fetchone()[0]
    if not moving:
        cursor.execute(f"CREATE TABLE {q(name)} PARTITION OF {q(spec.table)} FOR VALUES FROM (%s) TO (%s)", [start, end])
        return
    cols = ", ".join(q(c) for c in _columns(cursor, spec.table))
    cursor.execute(f"CREATE TABLE {q(name)} (LIKE {q(spec.table)} INCLUDING DEFAULTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {q(default)} WHERE {col} >= %s AND {col} < %s RETURNING {cols}) INSERT INTO {q(name)} ({cols}) SELECT {cols} FROM moved",
        [start, end],
    )
    cursor.execute(f"ALTER TABLE {q(spec.table)} ATTACH PARTITION {q(name)} FOR VALUES FROM (%s) TO (%s)", [start, end])


def ensure(spec: Log, *, now: datetime | None = None, ahead: int | None = None) -> list[str]:
    """This month's partition and ``ahead`` more (``PARTITION_MONTHS_AHEAD``), and the default
    partition; the names created (none when all exist, or when the table is not partitioned)."""
    if not on_postgres():
        return []
    now = now or timezone.now()
    ahead = settings.PARTITION_MONTHS_AHEAD if ahead is None else ahead
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor, spec.table):
            return []
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        existing = partitions(cursor, spec.table)
        default = next((p.name for p in existing if p.default), None)
        if default is None:
            default = f"{spec.table}_default"
            cursor.execute(f"CREATE TABLE {q(default)} PARTITION OF {q(spec.table)} DEFAULT")
            created.append(default)
        first = month_start(now)
        for n in range(ahead + 1):
            start, end = add_months(first, n), add_months(first, n + 1)
            if any(_overlaps(p, start, end) for p in existing):
                continue
            _create_month(cursor, spec, start, end, default)
            created.append(partition_name(spec.table, start))
    return created


def apply_retention(spec: Log, *, now: datetime | None = None) -> dict:
    """Partitions whose every row is older than the log's retention are detached and dropped; in
    the legacy and default partitions, whose rows span the cutoff, the rows past it are deleted in
    batches of ``DELETE_BATCH``. A retention of 0 months keeps everything."""
    done = {"dropped": [], "deleted": 0}
    months = spec.retention_months
    if not on_postgres() or months <= 0:
        return done
    cutoff = add_months((now or timezone.now()).astimezone(ZoneInfo(settings.TIME_ZONE)), -months)
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, spec.table):
            return done
        spans = []
        for part in partitions(cursor, spec.table):
            if not part.default and part.upper is not None and part.upper <= cutoff:
                with transaction.atomic():
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                    cursor.execute(f"ALTER TABLE {q(spec.table)} DETACH PARTITION {q(part.name)}")
                    cursor.execute(f"DROP TABLE {q(part.name)}")
                done["dropped"].append(part.name)
            elif part.default or part.lower is None:
                spans.append(part.name)
        col = q(spec.column)
        for name in spans:
            for _batch in range(DELETE_BATCHES_PER_RUN):
                cursor.execute(
                    f"DELETE FROM {q(name)} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {q(name)} WHERE {col} < %s LIMIT {DELETE_BATCH}))",
                    [cutoff],
                )
                done["deleted"] += cursor.rowcount
                if cursor.rowcount < DELETE_BATCH:
                    break
    return done


def maintain() -> str:
    """Scheduled (hourly): partitions made ahead and retention applied for every partitioned log."""
    if not on_postgres():
        return "not PostgreSQL: plain tables, nothing to do"
    out = []
    for spec in LOGS:
        created = ensure(spec)
        kept = apply_retention(spec)
        out.append(f"{spec.table}: created {len(created)}, dropped {len(kept['dropped'])}, deleted {kept['deleted']}")
    return "; ".join(out)


# --- conversion (the migration) ----------------------------------------------------------------


def _index_defs(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes other than its primary key."""
    cursor.execute(
        """SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = to_regclass(%s) AND NOT i.indisprimary ORDER BY 1""",
        [table],
    )
    return cursor.fetchall()


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'f' ORDER BY 1",
        [table],
    )
    return cursor.fetchall()


def _referenced_by(cursor, table: str) -> list[str]:
    cursor.execute("SELECT conname FROM pg_constraint WHERE confrelid = to_regclass(%s) AND contype = 'f'", [table])
    return [r[0] for r in cursor.fetchall()]


def _index_on(definition: str, name: str, table: str) -> str:
    """An index definition (``pg_get_indexdef``) made again under ``name`` on ``table``."""
    definition = re.sub(r" ON (?:ONLY )?\S+ ", f" ON {q(table)} ", definition, count=1)
    return re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ", lambda m: f"CREATE {m.group(1) or ''}INDEX {q(name)} ", definition)


def _short(name: str, suffix: str) -> str:
    """``name`` + ``suffix`` within PostgreSQL's 63 bytes."""
    return name[: 63 - len(suffix)] + suffix


def convert(spec: Log, *, now: datetime | None = None) -> str:
    """Turn the plain table into the partitioned one, in place, without locking writers for long.

    An empty table (a fresh database) is replaced by the partitioned table at once. A table with
    rows becomes the ``<table>_legacy`` partition for ``[MINVALUE, T)``, T the first of the month
    after next: nothing is copied. Done outside a transaction first, each step letting writers
    through: a unique index on (id, at) built CONCURRENTLY (the partitioned primary key adopts it),
    and a CHECK (at < T) added NOT VALID and then VALIDATEd (a scan under a lock that lets reads and
    writes go on), so that the ATTACH needs no scan. Then one short transaction swaps the names,
    creates the partitioned table with the same columns, indexes and foreign keys (which the
    legacy partition's own adopt, again without a scan), attaches, and makes the months from T.
    """
    if not on_postgres():
        return "not PostgreSQL"
    table, col = spec.table, spec.column
    legacy = f"{table}_legacy"
    with connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return f"{table}: already partitioned"
        if refs := _referenced_by(cursor, table):
            raise RuntimeError(f"{table} is referenced by foreign keys {refs}: a partitioned table cannot keep them")
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {q(table)})")
        has_rows = cursor.fetchone()[0]
        started = time.monotonic()
        now = now or timezone.now()
        bound = None
        if has_rows:
            cursor.execute(f"SELECT max({q(col)}) FROM {q(table)}")
            newest = max(now, cursor.fetchone()[0] or now)
            bound = add_months(month_start(newest), 2)
            key_index = _short(table, "_id_at_key")
            check = _short(table, "_legacy_bound")
            # A leftover of an interrupted run may be INVALID: build it afresh.
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {q(key_index)}")
            cursor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {q(key_index)} ON {q(table)} (id, {q(col)})")
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(check)}")
            cursor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(check)} CHECK ({q(col)} IS NOT NULL AND {q(col)} < %s) NOT VALID", [bound]
            )
            cursor.execute(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(check)}")
        prepared = time.monotonic()
        with transaction.atomic():
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE")
            indexes = [(n, d) for n, d in _index_defs(cursor, table) if not (has_rows and n == key_index)]
            fks = _foreign_keys(cursor, table)
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            old_seq = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {old_seq}")
            last_value, is_called = cursor.fetchone()
            cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(legacy)}")
            if has_rows:
                # The partitioned primary key (id, at) adopts a partition's index only if a
                # constraint stands on it: the new index becomes the legacy table's primary key
                # (metadata only — both columns are NOT NULL already).
                cursor.execute(f"ALTER TABLE {q(legacy)} DROP CONSTRAINT {q(table + '_pkey')}")
                cursor.execute(
                    f"ALTER TABLE {q(legacy)} ADD CONSTRAINT {q(_short(table, '_legacy_pkey'))} PRIMARY KEY USING INDEX {q(key_index)}"
                )
            else:
                cursor.execute(f"ALTER TABLE {q(legacy)} RENAME CONSTRAINT {q(table + '_pkey')} TO {q(_short(table, '_legacy_pkey'))}")
            for name, _definition in indexes:
                cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(_short(name, '_l'))}")
            # The id sequence: a partitioned table cannot have an identity column before
            # PostgreSQL 17, so the parent takes a plain sequence owned by its id (Django's
            # sequence reset finds it with pg_get_serial_sequence), continuing the old one.
            # (A table made plain again by ``unconvert`` has a serial-style sequence, not an identity.)
            cursor.execute(f"ALTER TABLE {q(legacy)} ALTER COLUMN id DROP IDENTITY IF EXISTS")
            cursor.execute(f"ALTER TABLE {q(legacy)} ALTER COLUMN id DROP DEFAULT")
            cursor.execute(f"DROP SEQUENCE IF EXISTS {old_seq}")
            cursor.execute(
                f"CREATE TABLE {q(table)} (LIKE {q(legacy)} INCLUDING DEFAULTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({q(col)})"
            )
            seq = f"{table}_id_seq"
            cursor.execute(f"CREATE SEQUENCE {q(seq)} AS bigint OWNED BY {q(table)}.id")
            cursor.execute("SELECT setval(%s, %s, %s)", [seq, last_value, is_called])
            cursor.execute(f"ALTER TABLE {q(table)} ALTER COLUMN id SET DEFAULT nextval('{seq}'::regclass)")
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(table + '_pkey')} PRIMARY KEY (id, {q(col)})")
            for name, definition in indexes:
                # Same names on the parent, so Django's later migrations find them where it expects.
                cursor.execute(_index_on(definition, name, table))
            for name, definition in fks:
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
            if has_rows:
                cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(legacy)} FOR VALUES FROM (MINVALUE) TO (%s)", [bound])
                cursor.execute(f"ALTER TABLE {q(legacy)} DROP CONSTRAINT {q(check)}")
            else:
                cursor.execute(f"DROP TABLE {q(legacy)}")
        swapped = time.monotonic()
    ensure(spec, now=now)
    timing = f" (prepared {prepared - started:.2f} s while writers went on, swapped under lock in {(swapped - prepared) * 1000:.0f} ms)"
    message = f"{table}: partitioned" + (f", old rows kept in {legacy} until {bound:%Y-%m-%d}" if has_rows else "") + timing
    log.info(message)
    return message


def unconvert(spec: Log) -> str:
    """Back to a plain table (the migration's reverse): rows copied under a lock — for going back
    in development, not for a busy production table."""
    if not on_postgres():
        return "not PostgreSQL"
    table = spec.table
    old = _short(table, "_parted")
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return f"{table}: not partitioned"
        indexes = _index_defs(cursor, table)
        fks = _foreign_keys(cursor, table)
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        cursor.execute(f"ALTER TABLE {q(old)} RENAME CONSTRAINT {q(table + '_pkey')} TO {q(_short(table, '_parted_pkey'))}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(_short(name, '_p'))}")
        cursor.execute(f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS)")
        cursor.execute(f"ALTER SEQUENCE {q(table + '_id_seq')} OWNED BY {q(table)}.id")
        cols = ", ".join(q(c) for c in _columns(cursor, old))
        cursor.execute(f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {q(old)}")
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(table + '_pkey')} PRIMARY KEY (id)")
        for name, definition in indexes:
            cursor.execute(_index_on(definition, name, table))
        for name, definition in fks:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        cursor.execute(f"DROP TABLE {q(old)} CASCADE")
    return f"{table}: plain again"


def month_bounds(now: datetime, n: int) -> tuple[datetime, datetime]:
    """The ``n``-th month from ``now``'s (negative: before), as (start, end) — for tests and the command."""
    first = add_months(month_start(now), n)
    return first, add_months(first, 1)
