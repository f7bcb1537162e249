"""The scan's writes on monthly partitions vs plain tables, measured in one run (issue 27).

    python -m bench.partitions --rows 2000000 [--rows 20000000] [--seconds 20] [--rounds 3]

Two schemas of one database (``uh_bench_partitions``, or ``$BENCH_DATABASE_PREFIX``…) hold the
tables the scan writes, with the same rows and indexes:

- ``plain``: as today — ``collection`` with UNIQUE (client_id) and UNIQUE (bag_id), ``entry``
  with UNIQUE (idempotency_key);
- ``parted``: ``collection`` and ``entry`` range-partitioned by month (declarative; primary
  key (id, month column), which PostgreSQL requires of every unique constraint), and the
  globally unique keys moved to two small unpartitioned **claim tables**, ``collection_claim``
  (client_id PRIMARY KEY) and ``entry_claim`` (idempotency_key PRIMARY KEY), written in the same
  statement: a second scan with the same client id, or a second entry with the same key, fails
  on the claim as it failed on the unique index before, whichever partition its row would go to.
  "A bag is collected once" needs no claim: the bag's own row is updated under its row lock
  (``collected_at IS NULL``), as the platform's scan already does.

pgbench runs the same one-statement scan (bag update, claim, collection, ledger claim, entry,
balance) against each, alternating, ``--rounds`` times of ``--seconds`` at 8 clients; then the
month's dashboard query (one month grouped by street) on each. Rows are spread over twelve
months; the writes go to the current month's partition. The figures are printed and written to
``bench/results/partitions/partitions-<time>.json``. Nothing of the platform's own schema is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.scales import PG_HOST, PG_PORT, PG_USER

RESULTS = Path(__file__).resolve().parent / "results" / "partitions"  # not beside the runs: results.py reads those


def database() -> str:
    return os.environ.get("BENCH_DATABASE_PREFIX", "uh_bench") + "_partitions"


def log(message: str) -> None:
    print(f"[partitions {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True)


COLLECTION_COLUMNS = """
  id bigint NOT NULL DEFAULT nextval('{s}.collection_id'),
  bag_id bigint NOT NULL, client_id varchar(64) NOT NULL, point_id bigint NOT NULL, collector_id bigint NOT NULL,
  category varchar(12) NOT NULL, grade varchar(8) NOT NULL, reasons jsonb NOT NULL DEFAULT '[]', weight_grams int,
  collected_at timestamptz NOT NULL, owner_id bigint, organisation_id bigint NOT NULL, street_id bigint,
  points_awarded int NOT NULL DEFAULT 0"""

ENTRY_COLUMNS = """
  id bigint NOT NULL DEFAULT nextval('{s}.entry_id'),
  account_id bigint NOT NULL, amount bigint NOT NULL, balance_after bigint NOT NULL, reason varchar(40) NOT NULL,
  source varchar(80) NOT NULL, idempotency_key varchar(120) NOT NULL, actor_id bigint, created_at timestamptz NOT NULL"""


def months(now: datetime) -> list[tuple[datetime, datetime]]:
    """Thirteen months: the twelve before this one, this one, and the next (made ahead)."""
    firsts = []
    y, m = now.year, now.month
    for back in range(12, -2, -1):
        yy, mm = y, m - back
        while mm <= 0:
            yy, mm = yy - 1, mm + 12
        while mm > 12:
            yy, mm = yy + 1, mm - 12
        firsts.append(datetime(yy, mm, 1, tzinfo=UTC))
    return list(zip(firsts, firsts[1:], strict=False))


def create(conn: psycopg.Connection, s: str, parted: bool, now: datetime) -> None:
    conn.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")
    conn.execute(f"CREATE SCHEMA {s}")
    conn.execute(f"CREATE SEQUENCE {s}.collection_id; CREATE SEQUENCE {s}.entry_id; CREATE SEQUENCE {s}.next_bag")
    conn.execute(f"CREATE TABLE {s}.bag (id bigint PRIMARY KEY, owner_id bigint, organisation_id bigint, collected_at timestamptz)")
    conn.execute(f"ALTER TABLE {s}.bag SET (fillfactor = 90)")
    conn.execute(f"CREATE TABLE {s}.account (id bigint PRIMARY KEY, member_id bigint UNIQUE, balance bigint NOT NULL)")
    conn.execute(f"ALTER TABLE {s}.account SET (fillfactor = 80)")
    if parted:
        conn.execute(f"CREATE TABLE {s}.collection ({COLLECTION_COLUMNS.format(s=s)}) PARTITION BY RANGE (collected_at)")
        conn.execute(f"CREATE TABLE {s}.entry ({ENTRY_COLUMNS.format(s=s)}) PARTITION BY RANGE (created_at)")
        for start, end in months(now):
            tag = start.strftime("%Y%m")
            for table in ("collection", "entry"):
                conn.execute(
                    f"CREATE TABLE {s}.{table}_{tag} PARTITION OF {s}.{table} FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
        conn.execute(f"CREATE TABLE {s}.collection_claim (client_id varchar(64) PRIMARY KEY, collected_at timestamptz NOT NULL)")
        conn.execute(f"CREATE TABLE {s}.entry_claim (idempotency_key varchar(120) PRIMARY KEY, created_at timestamptz NOT NULL)")
    else:
        conn.execute(f"CREATE TABLE {s}.collection ({COLLECTION_COLUMNS.format(s=s)})")
        conn.execute(f"CREATE TABLE {s}.entry ({ENTRY_COLUMNS.format(s=s)})")


def fill(conn: psycopg.Connection, s: str, rows: int, parted: bool, now: datetime) -> None:
    """``rows`` collections and as many entries over the last twelve months, bags for them and
    for the load (``rows`` more, uncollected), 100 k accounts."""
    members = 100_000
    span = 365 * 86400
    conn.execute(
        f"""INSERT INTO {s}.bag SELECT g, g %% {members}, g %% 1000,
              CASE WHEN g <= {rows} THEN %s::timestamptz - make_interval(secs => (g::bigint * 7919 %% {span})) END
            FROM generate_series(1::bigint, {rows * 2}) g""",
        [now],
    )
    conn.execute(f"SELECT setval('{s}.next_bag', {rows})")
    conn.execute(f"INSERT INTO {s}.account SELECT g, g, 1000 FROM generate_series(1, {members}) g")
    conn.execute(
        f"""INSERT INTO {s}.collection (bag_id, client_id, point_id, collector_id, category, grade, collected_at, owner_id,
              organisation_id, street_id, points_awarded)
            SELECT id, 'c-' || id, id % 500, id % 300, 'kitchen', 'correct', collected_at, owner_id, organisation_id, id % 15, 1
            FROM {s}.bag WHERE id <= {rows}"""
    )
    conn.execute(
        f"""INSERT INTO {s}.entry (account_id, amount, balance_after, reason, source, idempotency_key, actor_id, created_at)
            SELECT owner_id + 1, 1, 1, 'bag_collected', 'bags.collection:' || id, 'bags.collection:' || id, id % 300, collected_at
            FROM {s}.collection"""
    )
    if parted:
        conn.execute(f"INSERT INTO {s}.collection_claim SELECT client_id, collected_at FROM {s}.collection")
        conn.execute(f"INSERT INTO {s}.entry_claim SELECT idempotency_key, created_at FROM {s}.entry")
        conn.execute(f"ALTER TABLE {s}.collection ADD PRIMARY KEY (id, collected_at)")
        conn.execute(f"ALTER TABLE {s}.entry ADD PRIMARY KEY (id, created_at)")
    else:
        conn.execute(f"ALTER TABLE {s}.collection ADD PRIMARY KEY (id)")
        conn.execute(f"ALTER TABLE {s}.collection ADD UNIQUE (client_id)")
        conn.execute(f"ALTER TABLE {s}.collection ADD UNIQUE (bag_id)")
        conn.execute(f"ALTER TABLE {s}.entry ADD PRIMARY KEY (id)")
        conn.execute(f"ALTER TABLE {s}.entry ADD UNIQUE (idempotency_key)")
    # The indexes the platform keeps on both (modules/bags/models.py, engines/ledger/models.py).
    for cols in (
        "collected_at",
        "point_id, collected_at",
        "owner_id, collected_at",
        "organisation_id, collected_at",
        "street_id, collected_at",
    ):
        conn.execute(f"CREATE INDEX ON {s}.collection ({cols})")
    conn.execute(f"CREATE INDEX ON {s}.collection (collector_id)")
    conn.execute(f"CREATE INDEX ON {s}.entry (account_id, id)")
    conn.execute(f"CREATE INDEX ON {s}.entry (actor_id)")
    conn.execute(f"SELECT setval('{s}.collection_id', (SELECT max(id) FROM {s}.collection))")
    conn.execute(f"SELECT setval('{s}.entry_id', (SELECT max(id) FROM {s}.entry))")
    conn.execute(f"VACUUM ANALYZE {s}.bag, {s}.account, {s}.collection, {s}.entry")
    if parted:
        conn.execute(f"VACUUM ANALYZE {s}.collection_claim, {s}.entry_claim")


def scan_sql(s: str, parted: bool) -> str:
    """One scan in one statement, as the platform's (modules/bags/scan_sql.py) in shape: the bag
    under its row lock, the collection, the ledger entry, the balance — and on ``parted`` the two
    claims first."""
    claims = (
        f"""claim AS (INSERT INTO {s}.collection_claim SELECT 'c-' || id, now() FROM upd RETURNING client_id),
  eclaim AS (INSERT INTO {s}.entry_claim SELECT 'bags.collection:' || id, now() FROM upd RETURNING idempotency_key),"""
        if parted
        else ""
    )
    return f"""WITH upd AS (UPDATE {s}.bag SET collected_at = now()
      WHERE id = (SELECT nextval('{s}.next_bag')) AND collected_at IS NULL RETURNING id, owner_id, organisation_id),
  {claims}
  ins AS (INSERT INTO {s}.collection (bag_id, client_id, point_id, collector_id, category, grade, collected_at, owner_id,
      organisation_id, street_id, points_awarded)
    SELECT id, 'c-' || id, id % 500, id % 300, 'kitchen', 'correct', now(), owner_id, organisation_id, id % 15, 1 FROM upd
    RETURNING id, owner_id),
  bal AS (UPDATE {s}.account SET balance = balance + 1 WHERE member_id = (SELECT owner_id FROM ins) RETURNING id, balance),
  ent AS (INSERT INTO {s}.entry (account_id, amount, balance_after, reason, source, idempotency_key, actor_id, created_at)
    SELECT bal.id, 1, bal.balance, 'bag_collected', 'bags.collection:' || ins.id, 'bags.collection:' || ins.id, 1, now()
    FROM bal, ins RETURNING id)
SELECT (SELECT id FROM ins), (SELECT id FROM ent);
"""


def pgbench(dbname: str, script: str, seconds: int, clients: int = 8) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["pgbench", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-n", "-M", "prepared", "-c", str(clients), "-j", "2"]
            + ["-T", str(seconds), "-f", f.name, dbname],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
    finally:
        os.unlink(f.name)
    found = re.search(r"tps = ([\d.]+)", out.stdout)
    if not found:
        raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
    return float(found.group(1))


def dashboard_ms(conn: psycopg.Connection, s: str, now: datetime, repeat: int = 5) -> float:
    """Last month's bags by street (what a dashboard reads when it reads raw rows), median ms."""
    start, end = months(now)[-3]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        conn.execute(
            f"SELECT street_id, count(*), sum(points_awarded) FROM {s}.collection WHERE collected_at >= %s AND collected_at < %s GROUP BY 1",
            [start, end],
        ).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def sizes(conn: psycopg.Connection, s: str) -> dict:
    rows = conn.execute(
        """SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 2 DESC LIMIT 6""",
        [s],
    ).fetchall()
    return {name: size for name, size in rows}


def run(rows: int, seconds: int, rounds: int) -> dict:
    dbname = database()
    with connect("postgres") as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            admin.execute(f'CREATE DATABASE "{dbname}"')
    now = datetime.now(UTC)
    figures: dict = {"rows": rows, "seconds": seconds, "rounds": rounds, "clients": 8}
    with connect(dbname) as conn:
        for s, parted in (("plain", False), ("parted", True)):
            started = time.monotonic()
            create(conn, s, parted, now)
            fill(conn, s, rows, parted, now)
            figures[f"{s}_build_s"] = round(time.monotonic() - started, 1)
            figures[f"{s}_sizes"] = sizes(conn, s)
            log(f"{s}: {rows:,} collections and entries built in {figures[f'{s}_build_s']} s")
        tps = {"plain": [], "parted": []}
        conn.execute("CHECKPOINT")
        for n in range(rounds):
            for s in ("plain", "parted") if n % 2 == 0 else ("parted", "plain"):
                tps[s].append(pgbench(dbname, scan_sql(s, s == "parted"), seconds))
                log(f"round {n + 1}: {s} {tps[s][-1]:,.0f} scans/s")
        figures["scan_tps"] = tps
        figures["scan_tps_median"] = {s: statistics.median(v) for s, v in tps.items()}
        figures["scan_ratio_parted_to_plain"] = round(figures["scan_tps_median"]["parted"] / figures["scan_tps_median"]["plain"], 3)
        figures["dashboard_month_ms"] = {s: round(dashboard_ms(conn, s, now), 1) for s in ("plain", "parted")}
        # Retention: dropping the oldest month against deleting it.
        oldest = months(now)[0][0]
        nxt = months(now)[1][0]
        t = time.perf_counter()
        conn.execute(f"ALTER TABLE parted.collection DETACH PARTITION parted.collection_{oldest.strftime('%Y%m')}")
        conn.execute(f"DROP TABLE parted.collection_{oldest.strftime('%Y%m')}")
        figures["retention_drop_month_ms"] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        deleted = conn.execute("DELETE FROM plain.collection WHERE collected_at < %s", [nxt]).rowcount
        figures["retention_delete_month_ms"] = round((time.perf_counter() - t) * 1000, 1)
        figures["retention_rows"] = deleted
    figures["date"] = now.isoformat(timespec="seconds")
    figures["loadavg"] = os.getloadavg()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.partitions", description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="collections (and entries) already there; repeat for a growth series")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    series = []
    for rows in args.rows or [2_000_000]:
        figures = run(rows, args.seconds, args.rounds)
        series.append(figures)
        log(json.dumps({k: v for k, v in figures.items() if not k.endswith("_sizes")}, default=str))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"partitions-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(series, indent=1, default=str))
    log(f"written {path}")


if __name__ == "__main__":
    main()
