"""The ranking pages (最美职工, unions, streets), read from Redis sorted sets, as logged-in
workers looking at every period (week, month, year, all time) and metric."""

from __future__ import annotations

import time

from bench.context import Context, Result
from bench.suites import common, pages

PAGES = [
    ("ranking_workers", "bags:rankings", "workers (最美职工)", ["points", "correct"]),
    ("ranking_unions", "bags:rankings_organisations", "unions", ["per_member", "bags"]),
    ("ranking_streets", "bags:rankings_streets", "streets", ["bags", "per_member"]),
]
PERIODS = ["week", "month", "year", "all"]


def ensure_boards(ctx: Context, force: bool = False) -> float | None:
    """The boards are rebuilt from the collections when missing (or when ``force`` and not yet
    done in this run); the seconds are kept for the report."""
    from django.core.management import call_command, get_commands

    if "rankings_rebuild" not in get_commands():
        return None
    from engines.ranking import leaderboard as lb

    if getattr(ctx, "ranking_rebuild_s", None) is not None:
        return ctx.ranking_rebuild_s
    if not force and lb.is_built("bags"):
        return None
    t = time.perf_counter()
    call_command("rankings_rebuild", verbosity=0)
    ctx.ranking_rebuild_s = time.perf_counter() - t
    return ctx.ranking_rebuild_s


def run(ctx: Context) -> None:
    target = "p95 < 30 ms"
    if not common.has_url("bags:rankings"):
        for bench, _url, label, _m in PAGES:
            ctx.not_built(bench, f"ranking page: {label}", "the ranking pages", target)
        return
    from django.urls import reverse

    seconds = ensure_boards(ctx, force=not ctx.quick)
    if seconds is not None:
        with_collections = ctx.marker.get("dataset", {}).get("stats", {}).get("tables", {}).get("bags_collection", 0)
        ctx.add(
            Result(
                "ranking_rebuild",
                "rankings rebuild from the collections (manage.py rankings_rebuild)",
                value=round(seconds, 2),
                unit="s",
                note=f"every board of the current periods from {with_collections:,} collections",
            )
        )
    users = pages.worker_users(200 if ctx.quick else 1000)
    cookies = pages.sessions(users)
    for bench, url_name, label, metrics in PAGES:
        base = reverse(url_name)
        paths = [f"{base}?period={p}&metric={m}" for p in PERIODS for m in metrics]
        out = pages.measure(ctx, bench, paths, cookies)
        bad = pages.bad_statuses(out)
        ctx.add(
            Result(
                bench,
                f"ranking page: {label}, {pages.connections(ctx)} connections",
                status="error" if bad else "ok",
                value=out["ok_rps"],
                unit="req/s",
                p50_ms=out["p50_ms"],
                p95_ms=out["p95_ms"],
                p99_ms=out["p99_ms"],
                ratio=ctx.ratio_to(out["ok_rps"], "hello_rps"),
                ceiling="hello",
                target=target,
                met=out["p95_ms"] < 30 and not bad,
                details=out,
                note=f"{len(paths)} period × metric views, {len(cookies)} workers' sessions" + (f"; non-2xx: {bad}" if bad else ""),
            )
        )
