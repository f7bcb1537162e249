"""The worker's own page on the phone (/bags/me/: points, rank, history), as logged-in workers
(half of them the most active workers of the district, half chosen at random)."""

from __future__ import annotations

from bench.context import Context, Result
from bench.suites import common, pages


def run(ctx: Context) -> None:
    title = f"worker page /bags/me/, {pages.connections(ctx)} connections"
    target = "p95 < 20 ms"
    if not common.has_url("bags:me"):
        ctx.not_built("worker_page", title, "the worker page bags:me", target)
        return
    from django.urls import reverse

    from bench.suites.ranking import ensure_boards

    ensure_boards(ctx)
    users = pages.worker_users(200 if ctx.quick else 1000)
    cookies = pages.sessions(users)
    out = pages.measure(ctx, "worker-me", [reverse("bags:me")], cookies)
    bad = pages.bad_statuses(out)
    ctx.add(
        Result(
            "worker_page",
            title,
            status="error" if bad else "ok",
            value=out["ok_rps"],
            unit="req/s",
            p50_ms=out["p50_ms"],
            p95_ms=out["p95_ms"],
            p99_ms=out["p99_ms"],
            ratio=ctx.ratio_to(out["ok_rps"], "hello_rps"),
            ceiling="hello",
            target=target,
            met=out["p95_ms"] < 20 and not bad,
            details=out,
            note=f"{len(cookies)} workers' sessions in rotation" + (f"; non-2xx: {bad}" if bad else ""),
        )
    )
