"""How many gunicorn sync workers on this machine: hello and the scan at 2, 3, 4, 6 and 8 workers.

Sync workers each serve one request at a time; with the database on the same two cores, more
workers than cores keep the CPU busy while others wait on PostgreSQL, and too many only add
context switches and connections. The figures below decide the worker count of the runs.
"""

from __future__ import annotations

import uuid

from bench import load, server
from bench.context import Context, Result
from bench.suites import common
from bench.suites.scan import CONNECTIONS, SINGLE_PATH, _exists, _headers

COUNTS = (2, 3, 4, 6, 8)


def run(ctx: Context) -> None:
    if ctx.quick:
        ctx.add(Result("workers", "gunicorn worker count sweep", status="skipped", note="full runs only"))
        return
    port = ctx.port_base + 2
    scan = _exists(SINGLE_PATH)
    rows = {}
    for count in COUNTS:
        hello_srv = server.start(
            ctx.scale,
            ctx.secret,
            app="bench.hello_wsgi:application",
            port=port,
            workers=count,
            name=f"sweep-hello-{count}",
            ready_path="/bench/hello/",
        )
        try:
            lines = load.write_requests(ctx.tmp / "sweep-hello.txt", [("GET", "/bench/hello/", {}, "")])
            load.wrk(hello_srv.base, lines, connections=CONNECTIONS, seconds=1, wrap=True)
            h = load.wrk(hello_srv.base, lines, connections=CONNECTIONS, seconds=6, wrap=True)
        finally:
            hello_srv.stop()
        row = {"hello_rps": h["rps"], "hello_p99_ms": h["p99_ms"]}
        if scan:
            srv = server.start(
                ctx.scale,
                ctx.secret,
                app="config.wsgi:application",
                port=port,
                workers=count,
                name=f"sweep-platform-{count}",
                ready_path="/login/",
            )
            try:
                pool = common.make_pool(ctx.scale, 20_000, points=4, label=f"sweep-{count}")
                codes = common.codes_for(pool)
                run_id = uuid.uuid4().hex[:6]
                reqs = [
                    ("POST", SINGLE_PATH, _headers(token), common.dumps(common.scan_body(bag, point, codes[bag], k, run_id)))
                    for k, (bag, point, _c, token, _s) in enumerate(pool.bags)
                ]
                load.wrk(srv.base, load.write_requests(ctx.tmp / "sweep-warm.txt", reqs[:1000]), connections=CONNECTIONS, seconds=3)
                s = load.wrk(srv.base, load.write_requests(ctx.tmp / "sweep-scan.txt", reqs[1000:]), connections=CONNECTIONS, seconds=6)
                row.update({"scan_rps": s["ok_rps"], "scan_p99_ms": s["p99_ms"]})
            finally:
                srv.stop()
        rows[count] = row
        note = f"hello {row['hello_rps']:,.0f} req/s (p99 {row['hello_p99_ms']:.0f} ms)"
        if scan:
            note += f", scan {row['scan_rps']:,.0f} req/s (p99 {row['scan_p99_ms']:.0f} ms)"
        ctx.add(
            Result(
                f"workers_{count}",
                f"gunicorn {count} sync workers",
                value=row.get("scan_rps", row["hello_rps"]),
                unit="scan req/s" if scan else "hello req/s",
                p99_ms=row.get("scan_p99_ms", row["hello_p99_ms"]),
                details=row,
                note=note,
            )
        )
    key = "scan_rps" if scan else "hello_rps"
    best = max(rows, key=lambda c: rows[c][key])
    ctx.ceilings["best_workers"] = best
    print(f"  best worker count on this machine by {key}: {best}", flush=True)
