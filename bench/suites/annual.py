"""The annual review (issue 28) over whatever a year of the district holds after the other
suites have seeded it (collections, stations, cases, fund, studios …): the whole district's review
for the year, HTML (selector and page over HTTP as district staff; target < 3 s) and the PDF
(target < 20 s). Runs last so it reads every programme's data."""

from __future__ import annotations

import time

from bench.context import Context, Result
from bench.suites import common

HTML_TARGET_MS = 3_000
PDF_TARGET_MS = 20_000


def _add(ctx: Context, key: str, title: str, stats: dict, limit: int) -> None:
    ctx.add(
        Result(
            key,
            title,
            status="ok",
            value=stats["p95_ms"],
            unit="ms p95",
            p50_ms=stats["p50_ms"],
            p95_ms=stats["p95_ms"],
            p99_ms=stats["p99_ms"],
            target=f"p95 < {limit / 1000:g} s",
            met=stats["p95_ms"] < limit,
            details=stats,
        )
    )


def run(ctx: Context) -> None:
    if not common.has_module("modules.annual.selectors"):
        ctx.not_built("annual_review_html", "annual review", "modules/annual", "< 3 s")
        return
    from django.utils import timezone

    from core.models import User
    from modules.annual import documents, selectors

    district = User.objects.get(username="bench-district")
    # the year the other suites fill (their rows are spread over the last two years up to today)
    year = timezone.localdate().year
    runs = 3 if ctx.quick else 10
    stats = common.timed(lambda: documents.review_html(selectors.review_for(district, year, None)), runs=runs, warmup=1)
    _add(
        ctx, "annual_review_html", f"the whole district's review of {year}, HTML (every section and the year before)", stats, HTML_TARGET_MS
    )
    stats = common.timed(lambda: documents.review_pdf(selectors.review_for(district, year, None, links=False)), runs=max(2, runs // 3))
    _add(ctx, "annual_review_pdf", f"the whole district's review of {year}, PDF", stats, PDF_TARGET_MS)
    if "platform" not in ctx.servers:
        return
    import http.client

    port = ctx.servers["platform"].port
    cookie = common.session_cookie(district)
    times, statuses = [], set()
    for n in range(runs + 1):
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", f"/annual/?year={year}", headers={"Cookie": f"sessionid={cookie}", "Accept-Language": "zh-hans"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if n:
            times.append((time.perf_counter() - t) * 1000)
            statuses.add(response.status)
    page = {
        "runs": runs,
        "p50_ms": round(common.percentile(times, 50), 2),
        "p95_ms": round(common.percentile(times, 95), 2),
        "p99_ms": round(common.percentile(times, 99), 2),
        "statuses": sorted(statuses),
    }
    _add(ctx, "annual_review_page", "the review page over HTTP, district staff", page, HTML_TARGET_MS)
