"""Nearest open rest station, among ``scale.stations`` (10,000) stations: the selector in-process
(a worker's phone position anywhere in the district, now) and the public API over HTTP."""

from __future__ import annotations

import random

from bench import load, server
from bench.context import Context, Result
from bench.suites import common
from bench.suites.feature_data import LAT_RANGE, LNG_RANGE

API = "/api/v1/stations/nearest"


def run(ctx: Context) -> None:
    target = "p95 < 30 ms"
    title = f"nearest open station among {ctx.scale.stations:,}"
    extras = (ctx.marker.get("extras") or {}).get("stations")
    if not common.has_module("modules.stations.selectors") or not extras:
        ctx.not_built("stations_nearest", title, "modules/stations nearest_open_stations", target)
        return
    from modules.stations import selectors

    rng = random.Random(7)
    points = [(rng.uniform(*LAT_RANGE), rng.uniform(*LNG_RANGE)) for _ in range(500)]
    it = iter(points * 10)
    stats = common.timed(lambda: selectors.nearest_open_stations(*next(it)), runs=30 if ctx.quick else 400, warmup=5)
    ctx.add(
        Result(
            "stations_nearest",
            f"{title}: selector, 10 nearest",
            value=stats["p95_ms"],
            unit="ms p95",
            p50_ms=stats["p50_ms"],
            p95_ms=stats["p95_ms"],
            p99_ms=stats["p99_ms"],
            target=target,
            met=stats["p95_ms"] < 30,
            details={**stats, **extras},
            note=f"{extras.get('stations', 0):,} stations, {extras.get('slots', 0):,} open slots",
        )
    )
    it = iter(points * 10)
    stats = common.timed(lambda: selectors.nearest_open_stations(*next(it), services=["water", "charging"]), runs=30 if ctx.quick else 200)
    ctx.add(
        Result(
            "stations_nearest_services",
            f"{title}: selector, with water + charging",
            value=stats["p95_ms"],
            unit="ms p95",
            p50_ms=stats["p50_ms"],
            p95_ms=stats["p95_ms"],
            p99_ms=stats["p99_ms"],
            target=target,
            met=stats["p95_ms"] < 30,
            details=stats,
        )
    )
    if "platform" not in ctx.servers:
        return
    from django.urls import Resolver404, resolve

    try:
        resolve(API)
    except Resolver404:
        return
    lines = [("GET", f"{API}?lat={lat:.5f}&lng={lng:.5f}", {}, "") for lat, lng in points]
    f = load.write_requests(ctx.tmp / "stations.txt", lines)
    srv = ctx.servers["platform"]
    server.warm(srv, [ln[1] for ln in lines[:8]])
    load.wrk(srv.base, f, connections=ctx.workers, seconds=2, wrap=True)
    out = load.wrk(srv.base, f, connections=ctx.workers, seconds=ctx.seconds(10), wrap=True)
    bad = {k: v for k, v in out["statuses"].items() if not k.startswith("2")}
    ctx.add(
        Result(
            "stations_api",
            f"{title}: GET {API}, {ctx.workers} connections",
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
        )
    )
