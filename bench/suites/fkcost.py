"""What the foreign-key constraints of the scan's writes cost (issue 19: they were dropped once for
a few per cent and are back).

The constraints of the collection's point, collector, owner, union and street, the daily counter's
worker and the ledger entry's actor are dropped and put back between short rounds of the same
single-scan load (fresh bags each round, the same server), alternating without → with, so the
machine's swings fall on both sides alike; the median of each side is compared. They are put back
``NOT VALID`` between rounds (the rows written meanwhile are checked at the end) and validated
when the run is over, as the migration leaves them; the data set ends as it began.
"""

from __future__ import annotations

import statistics
import time
import uuid

from bench import env, load
from bench.context import Context, Result
from bench.suites import common

PATH = "/api/v1/bags/scans"
CONNECTIONS = 32
ROUNDS = 3  # pairs of (without, with)
LINES_PER_ROUND = 12_000
# (model, field) of every constraint issue 19 restored
RESTORED = [
    ("bags.Collection", "point"),
    ("bags.Collection", "collector"),
    ("bags.Collection", "owner"),
    ("bags.Collection", "organisation"),
    ("bags.Collection", "street"),
    ("bags.DailyPoints", "owner"),
    ("ledger.Entry", "actor"),
]


def _constraints(conn) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the restored constraints as the database has them now."""
    from django.apps import apps

    found = []
    for label, name in RESTORED:
        model = apps.get_model(label)
        column = model._meta.get_field(name).column
        row = conn.execute(
            """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s""",
            [model._meta.db_table, column],
        ).fetchone()
        if row is None:
            raise RuntimeError(f"no foreign-key constraint on {model._meta.db_table}.{column}: migrate the data set first")
        found.append((model._meta.db_table, row[0], row[1]))
    return found


def _switched(conn, constraints, change) -> None:
    """``change`` in one transaction that first locks every table involved, in one order (a scan
    still in the server's queue after a round would otherwise deadlock with the ALTERs); retried."""
    import psycopg
    from django.apps import apps

    tables = sorted(
        {t for t, _n, _d in constraints}
        | {apps.get_model(label)._meta.get_field(name).related_model._meta.db_table for label, name in RESTORED}
    )
    for attempt in range(10):
        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '10s'")
                conn.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
                change(conn, constraints)
            return
        except (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable):
            time.sleep(1 + attempt)
    raise RuntimeError("the constraints could not be switched: the tables stayed busy")


def _drop(conn, constraints) -> None:
    for table, name, _definition in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _add(conn, constraints, *, validate: bool = False) -> None:
    for table, name, definition in constraints:
        # PostgreSQL cannot add a NOT VALID foreign key to a partitioned table (the collections): it
        # is added checked at once there, which reads the rows written without it.
        partitioned = conn.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [table]).fetchone()[0]
        conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' + ("" if partitioned else " NOT VALID"))
        if validate and not partitioned:
            conn.execute(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')


def run(ctx: Context) -> None:
    title = f"cost of the restored foreign keys: scan POST single, {CONNECTIONS} connections, without/with alternating"
    rounds = 1 if ctx.quick else ROUNDS
    seconds = ctx.seconds(10)
    pool = common.make_pool(ctx.scale, 2_000 + 2 * rounds * LINES_PER_ROUND, points=4, label="fk-cost")
    codes = common.codes_for(pool)
    run_id = uuid.uuid4().hex[:6]
    lines = [
        (
            "POST",
            PATH,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            common.dumps(common.scan_body(bag, point, codes[bag], k, run_id)),
        )
        for k, (bag, point, _collector, token, _street) in enumerate(pool.bags)
    ]
    srv = ctx.servers["platform"]
    load.wrk(srv.base, load.write_requests(ctx.tmp / "fk-warm.txt", lines[:2_000]), connections=CONNECTIONS, seconds=5)
    rps: dict[str, list[float]] = {"without": [], "with": []}
    with env.connect(ctx.scale, autocommit=True) as conn:
        constraints = _constraints(conn)
        try:
            for r in range(rounds):
                for k, side in enumerate(("without", "with")):
                    time.sleep(2)  # the previous round's last requests
                    _switched(conn, constraints, _drop if side == "without" else _add)
                    start = 2_000 + (2 * r + k) * LINES_PER_ROUND
                    chunk = lines[start : start + LINES_PER_ROUND]
                    out = load.wrk(
                        srv.base, load.write_requests(ctx.tmp / f"fk-{side}-{r}.txt", chunk), connections=CONNECTIONS, seconds=seconds
                    )
                    rps[side].append(out["ok_rps"])
        finally:
            time.sleep(2)
            present = {row[0] for row in conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'").fetchall()}
            _switched(conn, [c for c in constraints if c[1] not in present], _add)
            for table, name, _definition in constraints:  # the rows of every round, checked
                conn.execute(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    without, with_ = statistics.median(rps["without"]), statistics.median(rps["with"])
    cost = round(1 - with_ / without, 3) if without else None
    outcome = common.pool_outcome(ctx.scale, pool)
    ctx.add(
        Result(
            "fk_cost",
            title,
            status="ok" if outcome["ledger_mismatches"] == 0 else "error",
            value=round(cost * 100, 1) if cost is not None else None,
            unit="% fewer scans/s with the constraints",
            details={"without_rps": rps["without"], "with_rps": rps["with"], "db": outcome},
            note=f"median {without:,.0f} req/s without, {with_:,.0f} with ({rounds} pairs of {seconds:.0f} s: "
            f"without {', '.join(f'{v:,.0f}' for v in rps['without'])}; with {', '.join(f'{v:,.0f}' for v in rps['with'])}); "
            "every constraint validated over the rounds' rows afterwards",
        )
    )
