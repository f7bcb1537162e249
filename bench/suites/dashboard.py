"""The sorting-data dashboard: every chart's query (in-process, as district staff) and the whole
page as a browser loads it (the HTML, then every chart's JSON six at a time)."""

from __future__ import annotations

import concurrent.futures
import http.client
import time
from datetime import timedelta

from bench.context import Context, Result
from bench.suites import common


def _viewer():
    from core.models import User

    return User.objects.get(username="bench-district")


def _filters():
    from django.utils import timezone

    from modules.sortstats.selectors import Filters

    today = timezone.localdate()
    year_start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    return {
        "12 months by month": Filters(start=year_start, end=today, granularity="month"),
        "this month by day": Filters(start=today.replace(day=1), end=today, granularity="day"),
    }


def _get(port: int, path: str, cookie: str) -> tuple[int, float]:
    t = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Accept-Language": "zh-hans"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, time.perf_counter() - t


def page_load(ctx: Context, cookie: str, query: str, keys: list[str]) -> tuple[float, list[int]]:
    """Seconds until the page and all its charts have arrived (six requests at a time, like a browser)."""
    from django.urls import reverse

    port = ctx.servers["platform"].port
    t = time.perf_counter()
    status, _s = _get(port, reverse("sortstats:dashboard") + "?" + query, cookie)
    statuses = [status]
    api = reverse("api_v1:sortstats_chart", args=["__key__"])
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for st, _s in pool.map(lambda k: _get(port, api.replace("__key__", k) + "?" + query, cookie), keys):
            statuses.append(st)
    return time.perf_counter() - t, statuses


def run(ctx: Context) -> None:
    target = "each p95 < 200 ms at 20M scans"
    if not common.has_module("modules.sortstats.selectors"):
        ctx.not_built("dashboard", "dashboard queries", "modules/sortstats/selectors.py", target)
        return
    from modules.sortstats import selectors

    charts = getattr(selectors, "CHARTS", None)
    if not charts:
        ctx.not_built("dashboard", "dashboard queries", "selectors.CHARTS", target)
        return
    rebuild = (ctx.marker.get("extras") or {}).get("sortstats_rebuild")
    if rebuild:
        scans = ctx.marker.get("dataset", {}).get("stats", {}).get("tables", {}).get("bags_collection", 0)
        ctx.add(
            Result(
                "dashboard_rollup_rebuild",
                "dashboard rollups rebuild from the raw scans (manage.py sortstats_rebuild)",
                value=rebuild.get("seconds"),
                unit="s",
                note=f"{scans:,} scans; {rebuild.get('output', '')[-160:]}",
            )
        )
    viewer = _viewer()
    runs = 3 if ctx.quick else 15
    worst = None
    for label, f in _filters().items():
        for key in charts:
            try:
                stats = common.timed(lambda key=key, f=f: selectors.chart(key, viewer, f), runs=runs, warmup=1)
            except Exception as exc:  # noqa: BLE001
                ctx.add(
                    Result(
                        f"dashboard_{key}", f"dashboard query {key} ({label})", status="error", note=f"{type(exc).__name__}: {exc}"[:300]
                    )
                )
                continue
            met = stats["p95_ms"] < 200
            if worst is None or stats["p95_ms"] > worst[1]:
                worst = (f"{key} ({label})", stats["p95_ms"])
            ctx.add(
                Result(
                    f"dashboard_{key}" + ("" if label.startswith("12") else "_month"),
                    f"dashboard query {key} ({label}), district staff",
                    value=stats["p95_ms"],
                    unit="ms p95",
                    p50_ms=stats["p50_ms"],
                    p95_ms=stats["p95_ms"],
                    p99_ms=stats["p99_ms"],
                    target="p95 < 200 ms",
                    met=met,
                    details=stats,
                )
            )
    if "platform" not in ctx.servers or not common.has_url("sortstats:dashboard"):
        return
    cookie = common.session_cookie(viewer)
    keys = list(charts)
    for label, f in _filters().items():
        from django.utils.http import urlencode

        query = urlencode(f.as_query())
        page_load(ctx, cookie, query, keys)  # warm-up
        times, bad = [], set()
        for _ in range(3 if ctx.quick else 10):
            seconds, statuses = page_load(ctx, cookie, query, keys)
            times.append(seconds * 1000)
            bad.update(s for s in statuses if s != 200)
        p95 = round(common.percentile(times, 95), 1)
        ctx.add(
            Result(
                "dashboard_page" + ("" if label.startswith("12") else "_month"),
                f"dashboard page, HTML + {len(keys)} charts' JSON ({label}), district staff",
                status="error" if bad else "ok",
                value=p95,
                unit="ms p95",
                p50_ms=round(common.percentile(times, 50), 1),
                p95_ms=p95,
                p99_ms=round(max(times), 1),
                target="page < 1 s",
                met=p95 < 1000 and not bad,
                note="browser-like: 6 requests at a time" + (f"; statuses {sorted(bad)}" if bad else ""),
            )
        )
