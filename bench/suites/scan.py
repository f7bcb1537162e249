"""The hot path: collectors' scans through the API, one at a time and in batches.

Each run scans fresh bags (a new batch, COPY'd in a second) so every request does the whole
work: token auth, code check, the bag's read, the points rule and daily cap, the writes
(collection, bag, ledger entry and balance); on PostgreSQL + Redis the boards follow through
the ranking feed, whose pass after the load is timed and checked too. After the load the
database is checked: every 2xx answer must be one collection, and every balance must still
equal the sum of its entries.
"""

from __future__ import annotations

import uuid

from django.urls import Resolver404, resolve

from bench import load
from bench.context import Context, Result
from bench.suites import ceiling, common

SINGLE_PATH = "/api/v1/bags/scans"
BATCH_PATH = "/api/v1/bags/scans/batch"
CONNECTIONS = 32
BATCH_ITEMS = 500
BATCH_CONNECTIONS = 4


def _exists(path: str) -> bool:
    try:
        resolve(path)
        return True
    except Resolver404:
        return False


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def profile_one(ctx: Context, lines: list) -> dict:
    """A few scans through the platform's WSGI application in this process, as the server hands
    them over (the hot path is answered at that door, before Django's handler): the SQL
    statements one sends (round trips) and the service time without HTTP, to explain the figure
    under load."""
    import json
    import time

    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from config.wsgi import application

    factory, answered = RequestFactory(), {}

    def start_response(status, headers, exc_info=None):
        answered["status"] = int(status.split()[0])

    times, count, statements = [], 0, []
    for i, (_m, path, headers, body) in enumerate(lines):
        # A Host the platform accepts (RequestFactory's "testserver" is refused, at the door too).
        environ = factory.post(
            path, data=body, content_type="application/json", HTTP_AUTHORIZATION=headers["Authorization"], HTTP_HOST="127.0.0.1"
        ).environ
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            out = application(environ, start_response)
            b"".join(out)
            getattr(out, "close", lambda: None)()
        times.append((time.perf_counter() - t) * 1000)
        if i == len(lines) - 1:
            count = len(captured.captured_queries)
            statements = [" ".join(q["sql"].split())[:90] for q in captured.captured_queries]
    times = times[1:] or times
    return {
        "queries": count,
        "statements": statements,
        "status": answered.get("status"),
        "inprocess_p50_ms": round(common.percentile(times, 50), 2),
        "inprocess_runs": len(times),
        "body": json.loads(lines[-1][3])["category"],
    }


# Rounds of the single-scan load, each paired with a fresh hello measurement. One 20-second run
# on this virtual machine swung between 27 % and 49 % of hello from one run to the next (the
# kernel's write-back and the host's other guests come and go); the median pair is the figure.
SINGLE_ROUNDS = 3
SINGLE_ROUND_LINES = 45_000  # fresh bags per round: more than the fastest round here scans


def single(ctx: Context) -> None:
    title = f"scan POST single, {CONNECTIONS} connections"
    target = "≥ 40 % of hello req/s, p99 < 50 ms"
    if not _exists(SINGLE_PATH):
        ctx.not_built("scan_single", title, f"POST {SINGLE_PATH}", target)
        return
    seconds = ctx.seconds(20)
    rounds = 1 if ctx.quick else SINGLE_ROUNDS
    warm, profiled = (300, 10) if ctx.quick else (2_000, 60)
    size = 4_000 if ctx.quick else warm + profiled + rounds * SINGLE_ROUND_LINES
    pool = common.make_pool(ctx.scale, size, points=4, label="scan-single")
    codes = common.codes_for(pool)
    run = uuid.uuid4().hex[:6]
    lines = [
        ("POST", SINGLE_PATH, _headers(token), common.dumps(common.scan_body(bag, point, codes[bag], k, run)))
        for k, (bag, point, _collector, token, _street) in enumerate(pool.bags)
    ]
    profile = profile_one(ctx, lines[-profiled:])
    lines = lines[:-profiled]
    srv = ctx.servers["platform"]
    load.wrk(srv.base, load.write_requests(ctx.tmp / "scan-warm.txt", lines[:warm]), connections=CONNECTIONS, seconds=5)
    per_round = (len(lines) - warm) // rounds
    measured = []
    for r in range(rounds):
        # Both ceilings next to each round's scan load: the full-stack hello (every middleware and
        # Django's handler) and the hello answered at the door (what a scan answered there pays).
        hello = ceiling.hello(ctx, seconds=ctx.seconds(10))
        door_hello = ceiling.hello(ctx, seconds=ctx.seconds(10), path=ceiling.DOOR_HELLO)
        chunk = lines[warm + r * per_round : warm + (r + 1) * per_round]
        out = load.wrk(srv.base, load.write_requests(ctx.tmp / f"scan-single-{r}.txt", chunk), connections=CONNECTIONS, seconds=seconds)
        measured.append(
            {
                **out,
                "hello_rps": hello["rps"],
                "door_hello_rps": door_hello["rps"],
                "ratio": round(out["ok_rps"] / hello["rps"], 3) if hello["rps"] else None,
                "ratio_door_hello": round(out["ok_rps"] / door_hello["rps"], 3) if door_hello["rps"] else None,
            }
        )
    ranked = sorted(measured, key=lambda m: m["ratio"] or 0)
    out = ranked[len(ranked) // 2]
    outcome = common.pool_outcome(ctx.scale, pool)
    created = sum(m["statuses"].get("201", 0) + m["statuses"].get("200", 0) for m in measured)
    consistent = outcome["ledger_mismatches"] == 0 and outcome["collections"] >= created
    ratio, ratio_door = out["ratio"], out["ratio_door_hello"]
    worst_p99 = max(m["p99_ms"] for m in measured)
    met = ratio is not None and ratio >= 0.40 and worst_p99 < 50
    bad = {k: v for m in measured for k, v in m["statuses"].items() if not k.startswith("2")}
    rounds_text = ", ".join(
        f"scan {m['ok_rps']:,.0f} / full-stack hello {m['hello_rps']:,.0f} = {m['ratio']:.0%}, "
        f"/ hello at the door {m['door_hello_rps']:,.0f} = {m['ratio_door_hello']:.0%}, p99 {m['p99_ms']:.1f}"
        for m in measured
        if m["ratio"] and m["ratio_door_hello"]
    )
    both = {
        "scan_rps": out["ok_rps"],
        "full_stack_hello_rps": out["hello_rps"],
        "door_hello_rps": out["door_hello_rps"],
        "scan_vs_full_stack_hello": ratio,
        "scan_vs_hello_at_the_door": ratio_door,
    }
    ctx.add(
        Result(
            "scan_single",
            title,
            status="ok" if consistent and not bad else "error",
            value=out["ok_rps"],
            unit="req/s",
            p50_ms=out["p50_ms"],
            p95_ms=out["p95_ms"],
            p99_ms=out["p99_ms"],
            ratio=ratio,
            ceiling=ceiling.LABELS[ceiling.HELLO],
            target=target,
            met=met,
            details={
                **out,
                "ceilings": both,
                "rounds": measured,
                "db": outcome,
                "pgbench_ratio": ctx.ratio_to(out["ok_rps"], "pgbench_scan_tps"),
                "profile": profile,
            },
            note=(f"median of {rounds} rounds by the full-stack ratio ({rounds_text}); " if rounds > 1 else f"{rounds_text}; ")
            + f"{profile['queries']} SQL statements per scan, {profile['inprocess_p50_ms']:.1f} ms in-process p50; "
            f"{outcome['collections']:,} collections written incl. warm-up, ledger consistent: {outcome['ledger_mismatches'] == 0}"
            + (f", {ctx.ratio_to(out['ok_rps'], 'pgbench_scan_tps'):.0%} of pgbench" if ctx.ceilings.get("pgbench_scan_tps") else "")
            + (f"; non-2xx: {bad}" if bad else ""),
        )
    )
    # The same figure against the second ceiling, on a line (and a JSON entry) of its own.
    ctx.add(
        Result(
            "scan_single_vs_door_hello",
            f"scan POST single against the hello answered at the door, {CONNECTIONS} connections",
            value=out["ok_rps"],
            unit="req/s",
            p50_ms=out["p50_ms"],
            p95_ms=out["p95_ms"],
            p99_ms=out["p99_ms"],
            ratio=ratio_door,
            ceiling=ceiling.LABELS[ceiling.DOOR_HELLO],
            details={"ceilings": both},
            note=f"the round above; hello at the door {out['door_hello_rps']:,.0f} req/s, full-stack hello {out['hello_rps']:,.0f} req/s: "
            "the door's own share of the scan's cost is the gap between the two hellos",
        )
    )


def batch(ctx: Context) -> None:
    title = f"scan POST batch of {BATCH_ITEMS}, {BATCH_CONNECTIONS} connections"
    target = "≥ 10,000 scans/s"
    if not _exists(BATCH_PATH):
        ctx.not_built("scan_batch", title, f"POST {BATCH_PATH}", target)
        return
    seconds = 6 if ctx.quick else 15
    size = 5_000 if ctx.quick else 250_000
    pool = common.make_pool(ctx.scale, size, points=4, label="scan-batch")
    codes = common.codes_for(pool)
    run = uuid.uuid4().hex[:6]
    # One handheld uploads the scans of its own point: group the pool by point.
    by_point: dict[int, list] = {}
    for k, (bag, point, _collector, token, _street) in enumerate(pool.bags):
        by_point.setdefault(point, []).append((token, common.scan_body(bag, point, codes[bag], k, run)))
    lines = []
    for items in by_point.values():
        for i in range(0, len(items) - BATCH_ITEMS + 1, BATCH_ITEMS):
            chunk = items[i : i + BATCH_ITEMS]
            lines.append(("POST", BATCH_PATH, _headers(chunk[0][0]), common.dumps({"items": [body for _t, body in chunk]})))
    lines.sort(key=lambda ln: ln[3][-40:])  # interleave the points
    srv = ctx.servers["platform"]
    warm = 2
    load.wrk(srv.base, load.write_requests(ctx.tmp / "batch-warm.txt", lines[:warm]), connections=2, seconds=10)
    out = load.wrk(srv.base, load.write_requests(ctx.tmp / "batch.txt", lines[warm:]), connections=BATCH_CONNECTIONS, seconds=seconds)
    outcome = common.pool_outcome(ctx.scale, pool)
    # Throughput from the uploads answered inside the timed window; the database must hold at
    # least that many collections (uploads still in flight at the end add to it).
    scans = out["ok"] * BATCH_ITEMS
    scans_per_s = round(scans / out["seconds"], 1) if out["seconds"] else 0
    bad = {k: v for k, v in out["statuses"].items() if not k.startswith("2")}
    consistent = outcome["ledger_mismatches"] == 0 and outcome["collections"] >= scans
    ctx.add(
        Result(
            "scan_batch",
            title,
            status="ok" if consistent and not bad else "error",
            value=scans_per_s,
            unit="scans/s",
            p50_ms=out["p50_ms"],
            p95_ms=out["p95_ms"],
            p99_ms=out["p99_ms"],
            ratio=ctx.ratio_to(scans_per_s, "pgbench_scan_tps"),
            ceiling="pgbench scan tps",
            target=target,
            met=scans_per_s >= 10_000,
            details={**out, "db": outcome},
            note=f"{out['ok']:,} uploads of {BATCH_ITEMS} answered in {out['seconds']:.1f} s; {outcome['collections']:,} collections in the database "
            f"(incl. warm-up), ledger consistent: {outcome['ledger_mismatches'] == 0}; latency is per upload"
            + (f"; non-2xx: {bad}" if bad else ""),
        )
    )


def _feed_module():
    try:
        from modules.bags import ranking_feed
    except ImportError:
        return None
    return ranking_feed if ranking_feed.enabled() else None


def feed(ctx: Context, before: dict | None) -> None:
    """The scans reach the boards through the background feed (every few seconds in production):
    one pass after the load, timed, then a sample of workers' all-time bag counts on the boards
    compared with the database."""
    import time

    from django.db.models import Count

    from engines.ranking import leaderboard as lb
    from modules.bags import rankings
    from modules.bags.models import Collection

    ranking_feed = _feed_module()
    title = "ranking feed: one pass after the scan runs (the scans' collections onto every board)"
    if ranking_feed is None:
        ctx.not_built("ranking_feed", title, "modules.bags.ranking_feed", "fresh within a minute")
        return
    # Passes until the backlog is worked off (a pass reads at most MAX_ROWS; production's next
    # pass comes INTERVAL_SECONDS later, here at once).
    t = time.perf_counter()
    passes, fed, out = 0, 0, {}
    while passes == 0 or out.get("pending"):
        out = ranking_feed.feed()
        passes, fed = passes + 1, fed + out.get("collections", 0)
    seconds = time.perf_counter() - t
    # The workers whose bags were scanned in this run: their all-time counts must match.
    owners = list(
        Collection.objects.filter(id__gt=(before or {}).get("max_id", 0), owner__isnull=False)
        .values_list("owner_id", flat=True)
        .distinct()[:200]
    )
    truth = dict(Collection.objects.filter(owner_id__in=owners).values("owner_id").annotate(n=Count("id")).values_list("owner_id", "n"))
    board = lb.scores(rankings.WORKER_BAGS, "all", rankings.DISTRICT) if owners else {}
    wrong = [o for o in owners if int(board.get(rankings.member_key(o), 0)) != truth.get(o, 0)]
    ctx.add(
        Result(
            "ranking_feed",
            title,
            status="ok" if not wrong and "collections" in out else "error",
            value=round(seconds, 2),
            unit="s",
            target=f"fresh within a minute (a pass every {ranking_feed.INTERVAL_SECONDS} s)",
            met=not wrong and seconds < 60 - ranking_feed.INTERVAL_SECONDS,
            details={"result": out, "passes": passes, "fed": fed, "sampled_workers": len(owners), "wrong": wrong[:10]},
            note=f"{fed:,} collections fed in {seconds:.2f} s ({fed / seconds if seconds else 0:,.0f}/s, {passes} pass(es)); all-time bag counts of "
            f"{len(owners)} scanned workers on the board equal the database: {not wrong}",
        )
    )


def run(ctx: Context) -> None:
    from bench.suites.ranking import ensure_boards

    ensure_boards(ctx)  # production has its boards; a scan must not find them missing
    ranking_feed = _feed_module()
    before = None
    if ranking_feed is not None:
        from django.db.models import Max

        from modules.bags.models import Collection

        ranking_feed.feed()  # settles the boards (a rebuild the first time: the feed's position)
        before = {"max_id": Collection.objects.aggregate(m=Max("id"))["m"] or 0}
    single(ctx)
    if ranking_feed is not None:
        # Production feeds the boards every few seconds during a load; here the single-scan rounds'
        # collections are fed before the batch run, so the timed pass below works off one load.
        while ranking_feed.feed().get("pending"):
            pass
    batch(ctx)
    feed(ctx, before)
