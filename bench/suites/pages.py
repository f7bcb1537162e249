"""Measuring pages over HTTP as logged-in users (rotating sessions and query strings)."""

from __future__ import annotations

from bench import load, server
from bench.context import Context
from bench.suites import common


# Latency targets are about the server's own time, so pages are driven at as many connections
# as gunicorn has workers (no queueing in front of them); throughput is reported beside.
def connections(ctx: Context) -> int:
    return ctx.workers


def worker_users(limit: int):
    from core.models import User

    return list(User.objects.filter(member__isnull=False, is_active=True).order_by("id")[:limit])


def sessions(users) -> list[str]:
    return [common.session_cookie(u) for u in users]


def measure(ctx: Context, name: str, paths: list[str], cookies: list[str], seconds: float | None = None) -> dict:
    lines = []
    for i in range(max(len(paths), len(cookies), 1) * 4):
        path = paths[i % len(paths)]
        headers = {"Accept-Language": "zh-hans"}
        if cookies:
            headers["Cookie"] = f"sessionid={cookies[i % len(cookies)]}"
        lines.append(("GET", path, headers, ""))
    srv = ctx.servers["platform"]
    f = load.write_requests(ctx.tmp / f"{name}.txt", lines)
    server.warm(srv, paths[:8], rounds=2, headers={"Cookie": f"sessionid={cookies[0]}"} if cookies else None)
    load.wrk(srv.base, f, connections=connections(ctx), seconds=2, wrap=True)  # warm-up
    return load.wrk(srv.base, f, connections=connections(ctx), seconds=seconds or ctx.seconds(10), wrap=True)


def bad_statuses(out: dict) -> dict:
    return {k: v for k, v in out["statuses"].items() if not k.startswith("2")}
