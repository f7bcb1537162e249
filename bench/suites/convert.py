"""The conversion of a large database to the partitioned layout, measured on the real platform.

One run, on a scratch database of its own (``<prefix>_convert_<scale>``, dropped at the end unless
``--keep-convert-db``):

1. migrated to the state before the partitioning (every migration except the claim and partition
   migrations of the collections and the ledger's entries, and whatever depends on them), then
   loaded by the data set's own generator (``bench/dataset.py``: members, unions, points,
   collectors' tokens, bags, N collections and their ledger entries, balances equal to the sum of
   the entries) into that plain layout;
2. the platform started on it under gunicorn and the scan POST single measured at the scan suite's
   connections (req/s, p95, p99);
3. the conversion run as documented — ``manage.py migrate`` forward through ``bags 0010_claims``,
   ``ledger 0007_claims``, ``bags 0011_partition_collections``, ``ledger 0008_partition_entries`` —
   each migration timed, and inside them the claims' backfill, the concurrent index builds, the
   CHECK's validation and the swap under the exclusive lock, while two connections keep scanning:
   every acknowledged scan must be in the converted table and no answer may be a 5xx;
4. the same scan load measured again on the partitioned layout.

The data load and the conversion run in a child process configured for the scratch database (the
bench process itself stays on the data set), ``python -m bench.suites.convert plain|convert``.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

from bench import env, load, server
from bench.context import Context, Result
from bench.scales import Scale
from bench.suites import common

CONNECTIONS = 32  # the scan suite's single-scan load (bench/suites/scan.py)
LIGHT_CONNECTIONS = 2  # the scans that go on during the conversion
SINGLE_PATH = "/api/v1/bags/scans"
PORT_OFFSET = 5  # the scratch platform's port: --port-base + 5 (the sweeps use + 2)
# The migrations that convert a plain database, in the documented order.
CONVERSION = [
    ("bags", "0010_claims"),
    ("ledger", "0007_claims"),
    ("bags", "0011_partition_collections"),
    ("ledger", "0008_partition_entries"),
]
PARTITIONED = ("bags_collection", "ledger_entry")
CLAIM_TABLES = {"bags_collection": "bags_collection_claim", "ledger_entry": "ledger_entry_claim"}
CLAIM_TIMES = {"bags_collection": "collected_at", "ledger_entry": "created_at"}
# The platform's claim window (IDEMPOTENCY_CLAIM_DAYS, config/settings/base.py) in the migrate run.
CLAIM_DAYS = int(os.environ.get("IDEMPOTENCY_CLAIM_DAYS", "90"))
CLAIM_KEYS = {"bags_collection": "client_id", "ledger_entry": "idempotency_key"}
# --quick (the CI smoke run): the conversion of a small table, in well under two minutes.
QUICK_ROWS = 50_000


def scratch_scale(base: Scale, rows: int) -> Scale:
    """The base scale's unions, members and points with ``rows`` collections, in its own database."""
    return dataclasses.replace(base, name=f"convert_{base.name}", bags=rows)


# ---------------------------------------------------------------- in the child process


def plain_targets(loader) -> list[tuple[str, str]]:
    """Each app's newest migration that is not one of ``CONVERSION`` nor depends on one."""
    graph = loader.graph
    excluded = set(CONVERSION)
    for node in CONVERSION:
        excluded |= set(_descendants(graph, node))
    targets = []
    for app, name in graph.leaf_nodes():
        node = (app, name)
        while node is not None and node in excluded:
            parents = [p.key for p in graph.node_map[node].parents if p.key[0] == app]
            node = parents[0] if parents else None
        if node is not None:
            targets.append(node)
    return sorted(targets)


def _descendants(graph, node) -> list:
    out, todo = [], [node]
    while todo:
        for child in graph.node_map[todo.pop()].children:
            if child.key not in out:
                out.append(child.key)
                todo.append(child.key)
    return out


def child_plain(scale: Scale, secret: str) -> dict:
    """Create the scratch database, migrate it to the plain layout, load the data set into it."""
    from bench import dataset

    template = dataclasses.replace(scale, name="convert_template")
    fingerprint = migrations_fingerprint()
    t = time.perf_counter()
    env.setup_django(template, secret)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if (dataset.marker_get(template) or {}).get("plain_migrations") != fingerprint:
        # Migrating a new database through every app takes half a minute or more here: the empty
        # plain schema is kept as a template and copied, until a migration file changes.
        env.create_database(template.database, drop=True)
        executor = MigrationExecutor(connection)
        executor.migrate(plain_targets(executor.loader))
        dataset.marker_set(template, "plain_migrations", fingerprint)
    executor = MigrationExecutor(connection)
    connection.close()
    with env.admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scale.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scale.database}" TEMPLATE "{template.database}"')
    migrate_s = time.perf_counter() - t
    connection.settings_dict["NAME"] = scale.database  # the build's ORM rows go to the scratch database
    with env.connect(scale, autocommit=True) as conn:
        kinds = dict(conn.execute("SELECT relname, relkind::text FROM pg_class WHERE relname = ANY(%s)", [list(PARTITIONED)]).fetchall())
        claims = conn.execute("SELECT count(*) FROM pg_class WHERE relname = ANY(%s)", [list(CLAIM_TABLES.values())]).fetchone()[0]
    if any(kinds.get(t) != "r" for t in PARTITIONED) or claims:
        raise RuntimeError(f"not the plain layout after migrating: {kinds}, {claims} claim tables")
    stats = dataset.build(scale, secret)
    return {"migrate_plain_s": round(migrate_s, 1), "targets": [f"{a}.{n}" for a, n in plain_targets(executor.loader)], "build": stats}


def migrations_fingerprint() -> str:
    import hashlib

    h = hashlib.sha1()
    for path in sorted([*env.ROOT.glob("*/migrations/*.py"), *env.ROOT.glob("*/*/migrations/*.py")]):
        h.update(path.relative_to(env.ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class StatementTimer:
    """Times the conversion's statements by kind (Django's execute wrapper)."""

    KINDS = [
        ("index_builds", re.compile(r"^\s*CREATE (UNIQUE )?INDEX CONCURRENTLY", re.I)),
        ("validate", re.compile(r"VALIDATE CONSTRAINT", re.I)),
        ("claims_backfill", re.compile(r"^\s*INSERT INTO \S*_claim\b", re.I)),
        ("lock_wait", re.compile(r"^\s*LOCK TABLE", re.I)),
        ("attach", re.compile(r"ATTACH PARTITION", re.I)),
    ]

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = next((k for k, pattern in self.KINDS if pattern.search(sql)), "other")
            self.seconds[kind] = self.seconds.get(kind, 0.0) + time.perf_counter() - t


class LogCapture:
    """``core.partitions.convert`` logs its preparation and its time under the lock."""

    def __init__(self):
        import logging

        self.messages: list[str] = []
        capture = self

        class Handler(logging.Handler):
            def emit(self, record):
                capture.messages.append(record.getMessage())

        self.logger = logging.getLogger("unionhub.partitions")
        self.handler = Handler(level=logging.INFO)
        self.logger.addHandler(self.handler)
        self.logger.setLevel(logging.INFO)


SWAP = re.compile(r"^(\w+): partitioned.*prepared ([\d.]+) s while writers went on, swapped under lock in (\d+) ms(?:, attempt (\d+))?")


def child_convert(scale: Scale, secret: str) -> dict:
    """``manage.py migrate`` forward through ``CONVERSION`` (then anything left), each step timed."""
    env.setup_django(scale, secret)
    from django.core.management import call_command
    from django.db import connection

    logs = LogCapture()
    steps = []
    for app, name in [*CONVERSION, (None, None)]:
        timer = StatementTimer()
        t = time.perf_counter()
        with connection.execute_wrapper(timer):
            call_command("migrate", *([app, name] if app else []), "--noinput", verbosity=0)
        steps.append(
            {
                "migration": f"{app}.{name}" if app else "the rest",
                "seconds": round(time.perf_counter() - t, 3),
                "statements": {k: round(v, 3) for k, v in sorted(timer.seconds.items())},
            }
        )
    swaps = {}
    for message in logs.messages:
        if m := SWAP.match(message):
            swaps[m.group(1)] = {
                "prepared_s": float(m.group(2)),
                "lock_ms": int(m.group(3)),
                "attempts": int(m.group(4) or 1),
                "message": message,
            }
    return {"steps": steps, "swaps": swaps}


def child(argv: list[str]) -> int:
    step, scale_json = argv[0], argv[1]
    scale = Scale(**json.loads(scale_json))
    secret = os.environ["BENCH_CONVERT_SECRET"]
    out = {"plain": child_plain, "convert": child_convert}[step](scale, secret)
    print("BENCH_CONVERT " + json.dumps(out, default=str), flush=True)
    return 0


# ---------------------------------------------------------------- the parent (the bench run)


def run_child(step: str, scale: Scale, secret: str, timeout: float = 6 * 3600) -> dict:
    """One step in a child process configured for the scratch database; its output is logged."""
    from bench.dataset import log

    cmd = [str(env.VENV_BIN / "python"), "-m", "bench.suites.convert", step, json.dumps(dataclasses.asdict(scale))]
    proc_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_POOLING")}
    proc_env["BENCH_CONVERT_SECRET"] = secret
    proc = subprocess.run(cmd, cwd=env.ROOT, env=proc_env, capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_CONVERT "):
            return json.loads(line[len("BENCH_CONVERT ") :])
        log(f"  [{step}] {line}")
    raise RuntimeError(f"convert {step} failed (exit {proc.returncode}): {proc.stderr[-1500:]}")


def load_plain(scale: Scale, secret: str) -> dict:
    return run_child("plain", scale, secret)


def convert(scale: Scale, secret: str) -> dict:
    return run_child("convert", scale, secret)


def table_facts(scale: Scale) -> dict:
    """Each table's kind (r plain, p partitioned), rows, claims and partitions."""
    out = {}
    with env.connect(scale, autocommit=True) as conn:
        for table in PARTITIONED:
            kind = conn.execute("SELECT relkind::text FROM pg_class WHERE oid = %s::regclass", [table]).fetchone()[0]
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            claim = CLAIM_TABLES[table]
            has_claims = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [claim]).fetchone()[0]
            claims = conn.execute(f"SELECT count(*) FROM {claim}").fetchone()[0] if has_claims else None
            parts = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [table]).fetchone()[0]
            key = CLAIM_KEYS[table]
            # Only the rows inside the claim window are claimed (core.partitions.backfill_claims);
            # the window is taken now, after the conversion, so its rows were all inside it then.
            recent_sql = f"{table} t WHERE t.{CLAIM_TIMES[table]} >= now() - make_interval(days => %s)"
            recent = conn.execute(f"SELECT count(*) FROM {recent_sql}", [CLAIM_DAYS]).fetchone()[0]
            unclaimed = (
                conn.execute(
                    f"""SELECT count(*) FROM {recent_sql} AND t.{key} IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM {claim} c WHERE c.{key} = t.{key})""",
                    [CLAIM_DAYS],
                ).fetchone()[0]
                if has_claims
                else None
            )
            out[table] = {"kind": kind, "rows": rows, "recent": recent, "claims": claims, "unclaimed": unclaimed, "partitions": parts}
        out["ledger_mismatches"] = conn.execute(
            """SELECT count(*) FROM ledger_account a
               WHERE a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entry e WHERE e.account_id = a.id)"""
        ).fetchone()[0]
    return out


def _scan_lines(scale: Scale, size: int, label: str) -> tuple[common.Pool, list]:
    pool = common.make_pool(scale, size, points=4, label=label)
    codes = common.codes_for(pool)
    run = uuid.uuid4().hex[:6]
    headers = {"Content-Type": "application/json"}
    lines = [
        (
            "POST",
            SINGLE_PATH,
            {**headers, "Authorization": f"Bearer {token}"},
            common.dumps(common.scan_body(bag, point, codes[bag], k, run)),
        )
        for k, (bag, point, _collector, token, _street) in enumerate(pool.bags)
    ]
    return pool, lines


def measure_scan(ctx: Context, scale: Scale, srv: server.Server, layout: str) -> dict:
    """The scan suite's single-scan load (its connections, its phases) on this layout."""
    seconds = ctx.seconds(20)
    rounds = 1 if ctx.quick else 3
    warm = 300 if ctx.quick else 2_000
    per_round = 3_000 if ctx.quick else 40_000
    pool, lines = _scan_lines(scale, warm + rounds * per_round, f"convert-{layout}")
    load.wrk(srv.base, load.write_requests(ctx.tmp / f"convert-{layout}-warm.txt", lines[:warm]), connections=CONNECTIONS, seconds=5)
    measured = []
    for r in range(rounds):
        chunk = lines[warm + r * per_round : warm + (r + 1) * per_round]
        path = load.write_requests(ctx.tmp / f"convert-{layout}-{r}.txt", chunk)
        measured.append(load.wrk(srv.base, path, connections=CONNECTIONS, seconds=seconds))
    out = sorted(measured, key=lambda m: m["ok_rps"])[len(measured) // 2]
    outcome = common.pool_outcome(scale, pool)
    created = sum(m["statuses"].get("201", 0) + m["statuses"].get("200", 0) for m in measured)
    bad = {k: v for m in measured for k, v in m["statuses"].items() if not k.startswith("2")}
    return {
        **out,
        "rounds": measured,
        "db": outcome,
        "non_2xx": bad,
        "consistent": outcome["ledger_mismatches"] == 0 and outcome["collections"] >= created,
    }


class LightLoad:
    """A few connections scanning fresh bags one after another for as long as it runs; what was
    acknowledged (2xx) is kept so it can be looked for afterwards."""

    def __init__(self, srv: server.Server, lines: list, connections: int = LIGHT_CONNECTIONS):
        self.srv, self.lines, self.connections = srv, lines, connections
        self.stop_event = threading.Event()
        self.acknowledged: list[str] = []
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.next = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(connections)]

    def _take(self):
        with self.lock:
            if self.next >= len(self.lines):
                return None
            self.next += 1
            return self.lines[self.next - 1]

    def _work(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        while not self.stop_event.is_set():
            line = self._take()
            if line is None:
                break
            _method, path, headers, body = line
            t = time.perf_counter()
            try:
                conn.request("POST", path, body=body.encode(), headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = str(resp.status)
            except (OSError, http.client.HTTPException) as exc:
                status = "error"
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
            elapsed = (time.perf_counter() - t) * 1000
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.latencies.append(elapsed)
                if status.startswith("2"):
                    self.acknowledged.append(json.loads(body)["client_id"])
            time.sleep(0.005)  # light: the conversion is what is measured
        conn.close()

    def __enter__(self):
        self.started = time.perf_counter()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=90)
        self.seconds = time.perf_counter() - self.started

    def lost(self, scale: Scale) -> list[str]:
        """Acknowledged scans whose collection is not in the table."""
        with env.connect(scale, autocommit=True) as conn:
            found = {
                r[0]
                for r in conn.execute("SELECT client_id FROM bags_collection WHERE client_id = ANY(%s)", [self.acknowledged]).fetchall()
            }
        return [c for c in self.acknowledged if c not in found]


def server_log_since(srv: server.Server, offset: int) -> dict:
    """What the platform logged during the conversion: its deadlocks and 5xx answers."""
    with open(srv.log_path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        text = f.read()
    details = [ln.strip() for ln in text.splitlines() if ln.startswith("Process ") and " waits for " in ln]
    return {
        # one "DeadlockDetected" per deadlock a scan was part of (answered the long way, or 503)
        "deadlocks": text.count("psycopg.errors.DeadlockDetected"),
        "unavailable": text.count("Service Unavailable"),
        "deadlock_details": details[:6],
    }


def drop_database(name: str) -> None:
    with env.admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(ctx: Context) -> None:
    from bench import dataset

    rows = ctx.convert_rows or (min(QUICK_ROWS, ctx.scale.bags) if ctx.quick else ctx.scale.bags)
    scale = scratch_scale(ctx.scale, rows)
    pooler = dict(env.POOLER_ENV)
    env.POOLER_ENV.clear()  # the scratch platform talks to its own database directly
    srv = None
    try:
        dataset.log(f"convert: {scale.database}, plain layout, {rows:,} collections")
        t = time.perf_counter()
        plain = load_plain(scale, ctx.secret)
        load_s = time.perf_counter() - t
        dataset.apply_database_settings(scale)
        before = table_facts(scale)
        server.collectstatic(scale, ctx.secret)
        srv = server.start(
            scale,
            ctx.secret,
            app="config.wsgi:application",
            port=ctx.port_base + PORT_OFFSET,
            workers=ctx.workers,
            name="convert",
            ready_path="/login/",
        )
        dataset.log("convert: the scan on the plain layout")
        scan_plain = measure_scan(ctx, scale, srv, "plain")
        counted = table_facts(scale)  # after the scans: what the conversion must keep
        _pool, light_lines = _scan_lines(scale, 20_000 if ctx.quick else 200_000, "convert-during")
        dataset.log("convert: migrate forward through the claim and partition migrations, two connections scanning")
        log_start = os.path.getsize(srv.log_path) if os.path.exists(srv.log_path) else 0
        with LightLoad(srv, light_lines) as light:
            conversion = convert(scale, ctx.secret)
        conversion["server_log"] = server_log_since(srv, log_start)
        after = table_facts(scale)
        lost = light.lost(scale)
        dataset.log("convert: the scan on the partitioned layout")
        scan_part = measure_scan(ctx, scale, srv, "partitioned")
        final = table_facts(scale)
    finally:
        if srv is not None:
            srv.stop()
        env.POOLER_ENV.update(pooler)
        if not ctx.keep_convert_db:
            drop_database(scale.database)
    report(ctx, rows, plain, load_s, before, counted, conversion, light, lost, after, scan_plain, scan_part, final)


def report(ctx, rows, plain, load_s, before, counted, conversion, light, lost, after, scan_plain, scan_part, final) -> None:
    collections, entries = before["bags_collection"]["rows"], before["ledger_entry"]["rows"]
    size = f"{collections:,} collections + {entries:,} entries"
    during = light.statuses
    server_errors = {k: v for k, v in during.items() if k.startswith("5") or k == "error"}
    kept = all(after[t]["rows"] >= counted[t]["rows"] and after[t]["kind"] == "p" and after[t]["unclaimed"] == 0 for t in PARTITIONED)
    p99_during = common.percentile(light.latencies, 99) if light.latencies else None
    steps = conversion["steps"]
    swaps = conversion["swaps"]
    converted_ok = kept and not lost and not server_errors and after["ledger_mismatches"] == 0
    ctx.add(
        Result(
            "convert_total",
            f"conversion to the partitioned layout (manage.py migrate), {size}",
            status="ok" if converted_ok else "error",
            value=round(sum(s["seconds"] for s in steps), 1),
            unit="s",
            p99_ms=round(p99_during, 1) if p99_during is not None else None,
            details={
                "steps": steps,
                "swaps": swaps,
                "server_log": conversion["server_log"],
                "light_statuses": during,
                "before": counted,
                "after": after,
                "plain_load": plain,
                "load_s": round(load_s, 1),
            },
            note=(
                "; ".join(f"{s['migration']} {s['seconds']:.1f} s" for s in steps if s["migration"] != "the rest")
                + f"; during it {LIGHT_CONNECTIONS} connections scanned: {sum(during.values()):,} answers {during}, "
                f"{len(light.acknowledged):,} acknowledged, {len(lost)} lost, p99 {p99_during or 0:.0f} ms; "
                f"rows kept and claimed: {kept}, ledger consistent: {after['ledger_mismatches'] == 0}; "
                f"the platform logged {conversion['server_log']['deadlocks']} deadlock(s) and "
                f"{conversion['server_log']['unavailable']} 503(s) during it" + (f"; errors: {light.errors[:3]}" if light.errors else "")
            ),
        )
    )
    for step in steps:
        if step["migration"] == "the rest":
            continue
        table = "bags_collection" if step["migration"].startswith("bags") else "ledger_entry"
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in step["statements"].items())
        swap = swaps.get(table) if "partition" in step["migration"] else None
        ctx.add(
            Result(
                f"convert_{step['migration'].replace('.', '_')}",
                f"conversion step {step['migration']} ({table}, {after[table]['rows']:,} rows)",
                value=step["seconds"],
                unit="s",
                details=step,
                note=parts + (f"; {swap['message']}" if swap else ""),
            )
        )
    for table, swap in swaps.items():
        ctx.add(
            Result(
                f"convert_lock_{table}",
                f"conversion: {table} under the exclusive lock (rename, create, attach)",
                value=swap["lock_ms"],
                unit="ms",
                target="< 5,000 ms (the lock_timeout)",
                met=swap["lock_ms"] < 5000,
                details=swap,
                note=f"prepared {swap['prepared_s']:.1f} s while writers went on (index builds, CHECK validated)",
            )
        )
    for layout, out, facts in (("plain", scan_plain, counted), ("partitioned", scan_part, final)):
        ctx.add(
            Result(
                f"convert_scan_{layout}",
                f"scan POST single on the {layout} layout ({facts['bags_collection']['rows']:,} collections), {CONNECTIONS} connections",
                status="ok" if out["consistent"] and not out["non_2xx"] else "error",
                value=out["ok_rps"],
                unit="req/s",
                p50_ms=out["p50_ms"],
                p95_ms=out["p95_ms"],
                p99_ms=out["p99_ms"],
                details=out,
                note=f"median of {len(out['rounds'])} round(s): "
                + ", ".join(f"{m['ok_rps']:,.0f}" for m in out["rounds"])
                + f" req/s; ledger consistent: {out['db']['ledger_mismatches'] == 0}"
                + (f"; non-2xx: {out['non_2xx']}" if out["non_2xx"] else ""),
            )
        )
    ratio = round(scan_part["ok_rps"] / scan_plain["ok_rps"], 3) if scan_plain["ok_rps"] else None
    ctx.add(
        Result(
            "convert_scan_ratio",
            "scan POST single, partitioned / plain, same platform, same run",
            value=ratio,
            unit="×",
            ratio=ratio,
            ceiling="the plain layout's scan",
            details={"plain": scan_plain["ok_rps"], "partitioned": scan_part["ok_rps"]},
            note=f"{scan_part['ok_rps']:,.0f} / {scan_plain['ok_rps']:,.0f} req/s; p99 {scan_part['p99_ms']:.1f} / {scan_plain['p99_ms']:.1f} ms; "
            "plain measured first, then partitioned on a warmer cache and a few thousand more rows"
            + ("; --quick: one 3-second round each, indicative only" if ctx.quick else ""),
        )
    )


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
