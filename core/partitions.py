"""Monthly range partitions of the append-only tables on PostgreSQL (issue 27).

The audit log (``core_auditlog``) and the personal-data access log (``core_personaldataaccess``)
have no globally unique business key, so they are partitioned by month on their timestamp
(``at``) without claim tables. The scans (``bags_collection``, by ``collected_at``) and the
ledger's entries (``ledger_entry``, by ``created_at``) have one (a client id, an idempotency
key), which a partitioned table cannot keep unique across months: a **claim table** keeps it
(``Claim`` below) — an unpartitioned table keyed by the unique value, written by a trigger in the
same statement as the row, on both backends. Their specs live with their apps and register here
(``register``). On PostgreSQL each is a declarative ``PARTITION BY RANGE (at)``
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
from datetime import datetime, timedelta
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
class Claim:
    """The unpartitioned table that keeps a partitioned table's unique values unique across months.

    ``columns`` are named alike on the row and on the claim, the claimed key first (the claim's
    primary key; other unique columns of the claim are further guards); ``time_column`` is the
    row's partition key, kept on the claim so old claims can be deleted
    (``IDEMPOTENCY_CLAIM_DAYS``). A row whose key is NULL claims nothing. Triggers (``claim_sql``)
    insert the claim before the row on every insert — the scan's statement, the ORM, bulk loads,
    seeders — so a second row with the same key fails with a unique violation (SQLSTATE 23505)
    exactly as the table's own unique index did; they move it with the row and delete it with it.
    """

    table: str
    columns: tuple[str, ...]
    time_column: str

    @property
    def key(self) -> str:
        return self.columns[0]


@dataclass(frozen=True)
class Partitioned:
    """A table partitioned by month on ``column``.

    ``retention_setting`` names the months kept (None: never dropped). ``unique``: the (constraint,
    column) pairs unique on the plain table, which a partitioned table cannot keep; they become
    plain indexes ``<table>_<column>_idx`` (the lookups still need them) and ``claim`` keeps them
    unique."""

    table: str
    column: str
    retention_setting: str | None = None
    unique: tuple[tuple[str, str], ...] = ()
    claim: Claim | None = None

    @property
    def retention_months(self) -> int:
        if not self.retention_setting:
            return 0
        return int(getattr(settings, self.retention_setting, 0) or 0)

    def plain_index(self, column: str) -> str:
        return _short(self.table, f"_{column}_idx")


Log = Partitioned  # the first slice's name

LOGS = (
    Log("core_auditlog", "at", "RETENTION_MONTHS_AUDIT_LOG"),
    Log("core_personaldataaccess", "at", "RETENTION_MONTHS_PERSONAL_DATA_ACCESS"),
)
_REGISTERED: dict[str, Partitioned] = {}


def register(spec: Partitioned) -> Partitioned:
    """A programme's partitioned table (its hooks call this), kept up by ``maintain``."""
    _REGISTERED[spec.table] = spec
    return spec


def specs() -> list[Partitioned]:
    """Every partitioned table: the logs, then the registered ones."""
    return [*LOGS, *_REGISTERED.values()]


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


# --- claims ----------------------------------------------------------------------------------


def _trigger_names(claim: Claim) -> dict[str, str]:
    return {op: _short(claim.table, f"_{op}") for op in ("ins", "upd", "del")}


def claim_sql(spec: Partitioned, vendor: str, table: str | None = None) -> list[str]:
    """The statements that install ``spec``'s claim triggers on ``table`` (the spec's by default).

    Before insert: the claim (its primary key refuses a second one: the statement fails with a
    unique violation, as the unique index did). Before delete: the claim goes with the row. Before
    an update that changes the time column: the claim's time follows (on PostgreSQL a row moved to
    another month's partition is deleted and inserted again, and those triggers fire instead —
    the claim goes and comes back). The claimed columns themselves never change: an update that
    changes one is refused. BEFORE, not AFTER, so a bulk load queues no trigger events."""
    claim = spec.claim
    table = table or spec.table
    names = _trigger_names(claim)
    cols = ", ".join(q(c) for c in claim.columns)
    new = ", ".join(f"NEW.{q(c)}" for c in claim.columns)
    key, time_col = q(claim.key), q(claim.time_column)
    fixed = [c for c in claim.columns if c != claim.time_column]
    if vendor == "postgresql":
        fn = q(_short(claim.table, "_sync"))
        changed = " OR ".join(f"NEW.{q(c)} IS DISTINCT FROM OLD.{q(c)}" for c in fixed)
        return [
            f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.{key} IS NOT NULL THEN
      INSERT INTO {q(claim.table)} ({cols}) VALUES ({new});
    END IF;
    RETURN NEW;
  ELSIF TG_OP = 'DELETE' THEN
    DELETE FROM {q(claim.table)} WHERE {key} = OLD.{key};
    RETURN OLD;
  END IF;
  IF {changed} THEN
    RAISE EXCEPTION 'the claimed columns do not change' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  UPDATE {q(claim.table)} SET {time_col} = NEW.{time_col} WHERE {key} = NEW.{key};
  RETURN NEW;
END $$""",
            f"CREATE TRIGGER {q(names['ins'])} BEFORE INSERT ON {q(table)} FOR EACH ROW EXECUTE FUNCTION {fn}()",
            f"CREATE TRIGGER {q(names['del'])} BEFORE DELETE ON {q(table)} FOR EACH ROW EXECUTE FUNCTION {fn}()",
            f"""CREATE TRIGGER {q(names["upd"])} BEFORE UPDATE OF {cols} ON {q(table)} FOR EACH ROW
                WHEN ({" OR ".join(f"NEW.{q(c)} IS DISTINCT FROM OLD.{q(c)}" for c in claim.columns)}) EXECUTE FUNCTION {fn}()""",
        ]
    changed = " OR ".join(f"NEW.{q(c)} IS NOT OLD.{q(c)}" for c in fixed)
    return [
        f"""CREATE TRIGGER {q(names["ins"])} BEFORE INSERT ON {q(table)} FOR EACH ROW WHEN NEW.{key} IS NOT NULL
            BEGIN INSERT INTO {q(claim.table)} ({cols}) VALUES ({new}); END""",
        f"""CREATE TRIGGER {q(names["del"])} BEFORE DELETE ON {q(table)} FOR EACH ROW
            BEGIN DELETE FROM {q(claim.table)} WHERE {key} = OLD.{key}; END""",
        f"""CREATE TRIGGER {q(names["upd"])} BEFORE UPDATE OF {cols} ON {q(table)} FOR EACH ROW
            BEGIN
              SELECT RAISE(ABORT, 'the claimed columns do not change') WHERE {changed};
              UPDATE {q(claim.table)} SET {time_col} = NEW.{time_col} WHERE {key} = NEW.{key};
            END""",
    ]


def install_claims(spec: Partitioned, table: str | None = None) -> None:
    """The claim triggers on ``table`` (the spec's by default), on either backend; idempotent."""
    drop_claims(spec, table)
    with connection.cursor() as cursor:
        for statement in claim_sql(spec, connection.vendor, table):
            cursor.execute(statement)


def drop_claims(spec: Partitioned, table: str | None = None) -> None:
    table = table or spec.table
    with connection.cursor() as cursor:
        for name in _trigger_names(spec.claim).values():
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {q(name)} ON {q(table)}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {q(name)}")


def backfill_claims(spec: Partitioned, *, chunk: int = 50_000, table: str | None = None, now: datetime | None = None) -> int:
    """The claims of the rows already there, in chunks of ids, each its own transaction (writers go
    on; the triggers, installed first, claim what they insert meanwhile). Idempotent.

    Only the rows inside the claim window (``claim_cutoff``) are claimed: the hourly upkeep deletes
    older claims anyway (``purge_claims``), so claiming a year of rows to delete three quarters of
    them an hour later was most of the conversion's time outside the lock. An old row keeps its
    replay (the scan and ``entry_post`` find it in the table itself), as after the upkeep."""
    claim, table = spec.claim, table or spec.table
    cols = ", ".join(q(c) for c in claim.columns)
    cutoff = claim_cutoff(now)
    recent, recent_args = (f" AND {q(claim.time_column)} >= %s", [cutoff]) if cutoff else ("", [])
    made = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {q(table)} WHERE TRUE{recent}", recent_args)
        low, high = cursor.fetchone()
        if low is None:
            return 0
        for start in range(low, high + 1, chunk):
            with transaction.atomic():
                cursor.execute(
                    f"""INSERT INTO {q(claim.table)} ({cols}) SELECT {cols} FROM {q(table)}
                        WHERE id >= %s AND id < %s AND {q(claim.key)} IS NOT NULL{recent} ON CONFLICT DO NOTHING""",
                    [start, start + chunk, *recent_args],
                )
                made += cursor.rowcount
    return made


def claim_cutoff(now: datetime | None = None) -> datetime | None:
    days = int(getattr(settings, "IDEMPOTENCY_CLAIM_DAYS", 0) or 0)
    return None if days <= 0 else (now or timezone.now()) - timedelta(days=days)


def purge_claims(spec: Partitioned, *, now: datetime | None = None) -> int:
    """The claims older than ``IDEMPOTENCY_CLAIM_DAYS`` (0 keeps them all), in batches, on either
    backend. A retry past that window still finds its row (the lookups read the partitioned
    table's own index), so it is still answered as a replay; only two first uploads of the same
    key racing each other need the claim, and they race within seconds."""
    cutoff = claim_cutoff(now)
    if spec.claim is None or cutoff is None:
        return 0
    claim = spec.claim
    deleted = 0
    with connection.cursor() as cursor:
        for _batch in range(DELETE_BATCHES_PER_RUN):
            cursor.execute(
                f"""DELETE FROM {q(claim.table)} WHERE {q(claim.key)} IN
                    (SELECT {q(claim.key)} FROM {q(claim.table)} WHERE {q(claim.time_column)} < %s LIMIT {DELETE_BATCH})""",
                [connection.ops.adapt_datetimefield_value(cutoff)],
            )
            deleted += cursor.rowcount
            if cursor.rowcount < DELETE_BATCH:
                break
    return deleted


def claims_start(spec: Partitioned) -> int:
    """The claim migration's step (either backend): the triggers installed, then the rows already
    there claimed. Returns the claims made."""
    with transaction.atomic():
        install_claims(spec)
    return backfill_claims(spec)


def drop_like_index(spec: Partitioned) -> None:
    """The claim table's LIKE index (PostgreSQL; Django makes one beside every varchar key, after
    the migration's other steps): nothing searches claims by prefix, and every claim would pay it."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(%s) AND c.relname LIKE %s",
            [spec.claim.table, "%\\_like"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {q(name)}")


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
    if spec.claim is not None:
        # The DELETE from the default partition took the moved rows' claims with them (its
        # trigger); the rows are back, so are their claims — in this transaction, so no other
        # insert of one of these keys can slip in between.
        claim_cols = ", ".join(q(c) for c in spec.claim.columns)
        cursor.execute(
            f"INSERT INTO {q(spec.claim.table)} ({claim_cols}) SELECT {claim_cols} FROM {q(name)} WHERE {q(spec.claim.key)} IS NOT NULL"
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
        first = month_start(now)
        months = [(add_months(first, n), add_months(first, n + 1)) for n in range(ahead + 1)]
        months = [(start, end) for start, end in months if not any(_overlaps(p, start, end) for p in existing)]
        if default is None or months:
            lock_referenced(cursor, spec.table)  # before the parent's lock that creating a partition takes
        if default is None:
            default = f"{spec.table}_default"
            cursor.execute(f"CREATE TABLE {q(default)} PARTITION OF {q(spec.table)} DEFAULT")
            created.append(default)
        for start, end in months:
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
    """Scheduled (hourly): partitions made ahead and retention applied for every partitioned
    table (PostgreSQL), and the claims past ``IDEMPOTENCY_CLAIM_DAYS`` deleted (either backend)."""
    out = []
    for spec in specs():
        purged = purge_claims(spec) if spec.claim is not None else 0
        claims = f", claims deleted {purged}" if spec.claim is not None else ""
        if not on_postgres():
            if spec.claim is not None:
                out.append(f"{spec.table}: plain table{claims}")
            continue
        created = ensure(spec)
        kept = apply_retention(spec)
        out.append(f"{spec.table}: created {len(created)}, dropped {len(kept['dropped'])}, deleted {kept['deleted']}{claims}")
    if not on_postgres():
        out.insert(0, "not PostgreSQL: plain tables")
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


# The swap's locks: each waited for at most SWAP_LOCK_WAIT, shorter than PostgreSQL's
# deadlock_timeout (1 s by default), then the whole swap rolled back and tried again, for at most
# SWAP_ATTEMPTS_SECONDS. A writer that takes its locks in another order than the swap (the scan's
# one statement locks bag, account, collection, entry, user in its own order) then never waits in
# a cycle long enough for PostgreSQL to kill one side: the swap lets go first. Measured by
# ``python -m bench convert``: with one long wait, the scans running beside the conversion hit
# deadlocks (one answered 503) and the swap held its locks a deadlock_timeout longer.
SWAP_LOCK_WAIT = "200ms"
SWAP_ATTEMPTS_SECONDS = 30.0


def swap_with_retries(swap, *, attempts_seconds: float = SWAP_ATTEMPTS_SECONDS) -> int:
    """Run ``swap`` (one transaction) until it gets its locks; the attempts made."""
    from django.db import OperationalError

    deadline = time.monotonic() + attempts_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            swap()
            return attempt
        except OperationalError as exc:
            lock_not_available = getattr(getattr(exc, "__cause__", None), "sqlstate", None) == "55P03"
            if not lock_not_available or time.monotonic() > deadline:
                raise
            log.info("swap: a lock was not granted within %s (attempt %d); trying again", SWAP_LOCK_WAIT, attempt)
            time.sleep(min(0.05 * attempt, 0.5))


def lock_referenced(cursor, table: str, mode: str = "SHARE ROW EXCLUSIVE") -> None:
    """Lock the other tables ``table``'s foreign keys point at (in ``mode``), before any lock on
    ``table`` itself is taken in this transaction.

    Adding a foreign key — to the new parent in ``convert``, to a new month's partition (its
    parent's keys cloned onto it) in ``ensure`` — takes that lock on the referenced table while the
    transaction already holds ``table``. A writer that has written a referenced table in its
    transaction and then waits for ``table`` (the scan updates the bag and the account, then
    inserts the collection and the entry) closes a cycle: a deadlock, one side killed after
    ``deadlock_timeout`` — measured by ``python -m bench convert``: the scan answered 503 during the
    conversion. Taken first, the locks make this transaction wait for those writers to finish."""
    cursor.execute(
        """SELECT DISTINCT confrelid::regclass::text FROM pg_constraint
           WHERE conrelid = to_regclass(%s) AND contype = 'f' AND confrelid <> conrelid ORDER BY 1""",
        [table],
    )
    for (referenced,) in cursor.fetchall():
        cursor.execute(f"LOCK TABLE {referenced} IN {mode} MODE")


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


def _checks(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'c' ORDER BY 1",
        [table],
    )
    return cursor.fetchall()


def _unique_on(cursor, table: str, column: str) -> list[tuple[str, bool]]:
    """(name, backs a constraint) of the unique indexes on exactly ``column``."""
    cursor.execute(
        """SELECT c.relname, EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
           WHERE i.indrelid = to_regclass(%s) AND i.indisunique AND NOT i.indisprimary AND i.indnatts = 1
             AND i.indpred IS NULL AND a.attname = %s ORDER BY 1""",
        [table, column],
    )
    return cursor.fetchall()


def _views_on(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the views that read ``table``: a renamed table takes them along, so
    they are made again over the new one (CREATE OR REPLACE: same columns, nothing dropped)."""
    cursor.execute(
        """SELECT DISTINCT v.relname, pg_get_viewdef(v.oid) FROM pg_depend d
           JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
           WHERE d.refobjid = to_regclass(%s) AND d.classid = 'pg_rewrite'::regclass AND v.oid <> d.refobjid AND v.relkind = 'v'
           ORDER BY 1""",
        [table],
    )
    return cursor.fetchall()


def convert(spec: Partitioned, *, now: datetime | None = None) -> str:
    """Turn the plain table into the partitioned one, in place, without locking writers for long.

    An empty table (a fresh database) is replaced by the partitioned table at once. A table with
    rows becomes the ``<table>_legacy`` partition for ``[MINVALUE, T)``, T the first of the month
    after next: nothing is copied. Done outside a transaction first, each step letting writers
    through: a unique index on (id, column) built CONCURRENTLY (the partitioned primary key adopts
    it), a plain index for each of ``spec.unique`` (the claim table keeps them unique; this one
    serves the lookups), and a CHECK (column < T) added NOT VALID and then VALIDATEd (a scan under
    a lock that lets reads and writes go on), so that the ATTACH needs no scan. Then one short
    transaction drops the unique constraints, swaps the names, creates the partitioned table with
    the same columns, checks, indexes, foreign keys and claim triggers (which the legacy
    partition's own adopt, again without a scan), attaches, makes the views read the new table,
    and makes the months from T. A table with a claim must have its claims backfilled first.
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
        key_index = _short(table, "_id_at_key")
        check = _short(table, "_legacy_bound")
        if has_rows:
            cursor.execute(f"SELECT max({q(col)}) FROM {q(table)}")
            newest = max(now, cursor.fetchone()[0] or now)
            bound = add_months(month_start(newest), 2)
            # A leftover of an interrupted run may be INVALID: build it afresh.
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {q(key_index)}")
            cursor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {q(key_index)} ON {q(table)} (id, {q(col)})")
            for _constraint, column in spec.unique:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {q(spec.plain_index(column))}")
                cursor.execute(f"CREATE INDEX CONCURRENTLY {q(spec.plain_index(column))} ON {q(table)} ({q(column)})")
            cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(check)}")
            cursor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(check)} CHECK ({q(col)} IS NOT NULL AND {q(col)} < %s) NOT VALID", [bound]
            )
            cursor.execute(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(check)}")
        prepared = time.monotonic()

        held: dict[str, float] = {}

        def swap() -> None:
            held["from"] = time.monotonic()
            with transaction.atomic():
                cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_WAIT}'")
                # ACCESS EXCLUSIVE: attaching the legacy partition merges its foreign keys into the
                # parent's, which drops their triggers on the referenced tables (that lock, PostgreSQL
                # 15). The swap holds it for its few tens of ms; readers of those tables wait as long.
                lock_referenced(cursor, table, "ACCESS EXCLUSIVE")
                cursor.execute(f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE")
                for _constraint, column in spec.unique:
                    # Unique across months only through the claim table from here on (whatever name
                    # the unique constraint or index on the column has).
                    for name, is_constraint in _unique_on(cursor, table, column):
                        cursor.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}" if is_constraint else f"DROP INDEX {q(name)}")
                    if not has_rows:
                        cursor.execute(f"CREATE INDEX IF NOT EXISTS {q(spec.plain_index(column))} ON {q(table)} ({q(column)})")
                if spec.claim is not None:
                    drop_claims(spec, table)  # the parent's are cloned onto the legacy partition when it is attached
                indexes = [(n, d) for n, d in _index_defs(cursor, table) if not (has_rows and n == key_index)]
                fks = _foreign_keys(cursor, table)
                checks = [(n, d) for n, d in _checks(cursor, table) if n != check]
                views = _views_on(cursor, table)
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                old_seq = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {old_seq}")
                last_value, is_called = cursor.fetchone()
                cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(legacy)}")
                if has_rows:
                    # The partitioned primary key (id, column) adopts a partition's index only if a
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
                for name, definition in checks:
                    cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
                for name, definition in indexes:
                    # Same names on the parent, so Django's later migrations find them where it expects.
                    cursor.execute(_index_on(definition, name, table))
                for name, definition in fks:
                    cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
                if spec.claim is not None:
                    install_claims(spec, table)
                if has_rows:
                    cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(legacy)} FOR VALUES FROM (MINVALUE) TO (%s)", [bound])
                    cursor.execute(f"ALTER TABLE {q(legacy)} DROP CONSTRAINT {q(check)}")
                for name, definition in views:
                    cursor.execute(f"CREATE OR REPLACE VIEW {q(name)} AS {definition}")
                if not has_rows:
                    cursor.execute(f"DROP TABLE {q(legacy)}")

        attempts = swap_with_retries(swap)
        swapped = time.monotonic()
    ensure(spec, now=now)
    timing = (
        f" (prepared {prepared - started:.2f} s while writers went on, swapped under lock in {(swapped - held['from']) * 1000:.0f} ms"
        + (f", attempt {attempts}: {(swapped - prepared) * 1000:.0f} ms with the ones before" if attempts > 1 else "")
        + ")"
    )
    message = f"{table}: partitioned" + (f", old rows kept in {legacy} until {bound:%Y-%m-%d}" if has_rows else "") + timing
    log.info(message)
    return message


def unconvert(spec: Partitioned) -> str:
    """Back to a plain table (the migration's reverse): rows copied under a lock — for going back
    in development, not for a busy production table. The unique constraints come back; the claims
    stay as they are (the claim table is the claim migration's to drop)."""
    if not on_postgres():
        return "not PostgreSQL"
    table = spec.table
    old = _short(table, "_parted")
    plain = {spec.plain_index(column): (constraint, column) for constraint, column in spec.unique}
    with transaction.atomic(), connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return f"{table}: not partitioned"
        indexes = _index_defs(cursor, table)
        fks = _foreign_keys(cursor, table)
        checks = _checks(cursor, table)
        views = _views_on(cursor, table)
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        cursor.execute(f"ALTER TABLE {q(old)} RENAME CONSTRAINT {q(table + '_pkey')} TO {q(_short(table, '_parted_pkey'))}")
        for name, _definition in indexes:
            cursor.execute(f"ALTER INDEX {q(name)} RENAME TO {q(_short(name, '_p'))}")
        cursor.execute(f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS)")
        cursor.execute(f"ALTER SEQUENCE {q(table + '_id_seq')} OWNED BY {q(table)}.id")
        cols = ", ".join(q(c) for c in _columns(cursor, old))
        cursor.execute(f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {q(old)}")
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(table + '_pkey')} PRIMARY KEY (id)")
        for name, definition in checks:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for name, definition in indexes:
            if name in plain:
                constraint, column = plain[name]
                cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(constraint)} UNIQUE ({q(column)})")
            else:
                cursor.execute(_index_on(definition, name, table))
        for name, definition in fks:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for name, definition in views:
            cursor.execute(f"CREATE OR REPLACE VIEW {q(name)} AS {definition}")
        cursor.execute(f"DROP TABLE {q(old)} CASCADE")
        if spec.claim is not None:
            install_claims(spec, table)
    return f"{table}: plain again"


def month_bounds(now: datetime, n: int) -> tuple[datetime, datetime]:
    """The ``n``-th month from ``now``'s (negative: before), as (start, end) — for tests and the command."""
    first = add_months(month_start(now), n)
    return first, add_months(first, 1)
