"""The ceilings every other figure is compared with, measured in the same run:

* ``hello`` (the full-stack hello): a trivial JSON view of the same stack (settings, middleware, URL
  tree, gunicorn config) — the most any Django view can do here;
* ``door hello`` (the hello answered at the door): the same view answered by ``core/hot_path.py``
  before Django's handler, with every middleware's step — the most a scan answered there can do;
* ``pgbench scan``: the SQL of one scan alone (update the bag, insert the collection, credit the
  ledger account and insert its entry) — the most the database can do for the hot path.
"""

from __future__ import annotations

from bench import env, load
from bench.context import Context, Result
from bench.suites import common

CONNECTIONS = 32


HELLO = "/bench/hello/"  # bench/hello_wsgi.py
DOOR_HELLO = "/bench/door-hello/"
LABELS = {HELLO: "full-stack hello", DOOR_HELLO: "hello answered at the door"}


def hello(ctx: Context, connections: int = CONNECTIONS, seconds: float | None = None, path: str = HELLO) -> dict:
    srv = ctx.servers["hello"]
    lines = load.write_requests(ctx.tmp / f"hello{path.replace('/', '-')}.txt", [("GET", path, {}, "")])
    load.wrk(srv.base, lines, connections=connections, seconds=1, wrap=True)  # warm-up
    return load.wrk(srv.base, lines, connections=connections, seconds=seconds or ctx.seconds(10), wrap=True)


def pgbench_script(ctx: Context) -> str:
    """The scan's writes as one pgbench transaction; columns other programmes may add to the
    collection table later get their model defaults, like the COPY loader does."""
    from bench.dataset import copy_columns, text_of  # noqa: F401
    from modules.bags.models import Collection

    known = [
        "bag_id",
        "client_id",
        "point_id",
        "collector_id",
        "category",
        "grade",
        "reasons",
        "weight_grams",
        "photo",
        "collected_at",
        "owner_id",
        "organisation_id",
        "street_id",
        "points_awarded",
    ]
    cols, suffix = copy_columns(Collection, known)
    extra_vals = "".join(", '" + v.replace("'", "''") + "'" if v != "\\N" else ", NULL" for v in suffix.split("\t")[1:])
    return f"""\\set points 2
SELECT nextval('bench_pgbench_bag') AS bag \\gset
BEGIN;
UPDATE bags_bag SET collected_at = now() WHERE id = :bag AND collected_at IS NULL RETURNING owner_id AS owner, organisation_id AS org \\gset
INSERT INTO bags_collection ({", ".join(cols)}) VALUES (:bag, 'pgbench-' || :bag, :point, :collector, 'kitchen', 'correct', '[]', 1200, '', now(), :owner, :org, :street, :points{extra_vals}) RETURNING id AS cid \\gset
UPDATE ledger_account SET balance = balance + :points, total_credited = total_credited + :points, updated_at = now() WHERE member_id = :owner AND unit = 'points' RETURNING id AS acc, balance AS bal \\gset
INSERT INTO ledger_entry (account_id, amount, balance_after, reason, source, idempotency_key, memo, created_at) VALUES (:acc, :points, :bal, 'bags.collection', 'bags.collection:' || :cid, 'bags.collection:' || :cid, '', now());
END;
"""


def pgbench_scan(ctx: Context, clients: int = 8) -> tuple[dict, dict]:
    seconds = int(ctx.seconds(10))
    size = 8_000 if ctx.quick else 150_000
    pool = common.make_pool(ctx.scale, size, points=1, label="pgbench")
    point, collector, _code, _token, street = pool.bags[0][1], pool.bags[0][2], "", "", pool.bags[0][4]
    with env.connect(ctx.scale, autocommit=True) as conn:
        conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_pgbench_bag")
        conn.execute("SELECT setval('bench_pgbench_bag', %s, false)", [pool.first_id])
    script = ctx.tmp / "scan.pgbench.sql"
    script.write_text(pgbench_script(ctx))
    defines = {"point": point, "collector": collector, "street": street}
    if ctx.quick:
        out = load.pgbench(ctx.scale.database, script, clients=clients, seconds=seconds, defines=defines, transactions=500)
    else:
        out = load.pgbench(ctx.scale.database, script, clients=clients, seconds=seconds, defines=defines)
    return out, common.pool_outcome(ctx.scale, pool)


def run(ctx: Context) -> None:
    h = hello(ctx)
    ctx.ceilings["hello_rps"] = h["rps"]
    ctx.add(
        Result(
            "ceiling_hello",
            f"ceiling: Django hello JSON, gunicorn {ctx.workers} sync workers, {CONNECTIONS} connections",
            value=h["rps"],
            unit="req/s",
            p50_ms=h["p50_ms"],
            p95_ms=h["p95_ms"],
            p99_ms=h["p99_ms"],
            details=h,
            note="same settings, middleware and URL tree as the platform (bench/hello_wsgi.py)",
        )
    )
    d = hello(ctx, path=DOOR_HELLO)
    ctx.ceilings["door_hello_rps"] = d["rps"]
    ctx.add(
        Result(
            "ceiling_door_hello",
            f"ceiling: hello answered at the door, gunicorn {ctx.workers} sync workers, {CONNECTIONS} connections",
            value=d["rps"],
            unit="req/s",
            p50_ms=d["p50_ms"],
            p95_ms=d["p95_ms"],
            p99_ms=d["p99_ms"],
            details=d,
            note="the same view as a hot path (core/hot_path.py): every middleware's step, not Django's handler",
        )
    )
    pg, outcome = pgbench_scan(ctx)
    ctx.ceilings["pgbench_scan_tps"] = pg["tps"]
    ok = outcome["collections"] == pg["transactions"] and outcome["ledger_mismatches"] == 0
    ctx.add(
        Result(
            "ceiling_pgbench_scan",
            f"ceiling: pgbench, the scan's SQL alone, {pg['clients']} clients",
            value=pg["tps"],
            unit="tps",
            details={**pg, **outcome},
            status="ok" if ok else "error",
            note="update bag + insert collection + ledger account update + entry insert, one transaction"
            + ("" if ok else f"; check failed: {outcome}"),
        )
    )
