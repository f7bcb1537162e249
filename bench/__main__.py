"""``python -m bench all|<name>… [--scale small|medium|district|large] [--quick]``.

  all        every benchmark below, in order, then the results (JSON + BENCHMARKS.md current table)
  data       only build (or reuse) the data set
  <name>     one or more of: ceiling scan worker ranking dashboard stations labels codes roster
             demo report workers growth studios honours annual fkcost convert

The data set is built once per scale (its own database) and reused; ``--rebuild`` forces a new one.
The ceilings (hello endpoint, pgbench of the scan SQL) are measured in every run that needs them.
Exit status is 0 unless the harness itself failed (a feature that does not exist yet is
reported "not built yet"; a missed target is reported, not fatal).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from bench.scales import SCALES

SUITES = [
    "ceiling",
    "scan",
    "worker",
    "ranking",
    "dashboard",
    "stations",
    "labels",
    "codes",
    "roster",
    "demo",
    "report",
    "workers",
    "growth",
    "studios",
    "survey",
    "honours",
    "learning",
    "fund",
    "care",
    "labour",
    "annual",
    "fkcost",
    "convert",
]
# Benchmarks that talk to the platform over HTTP (gunicorn must run).
NEEDS_SERVER = {
    "ceiling",
    "scan",
    "worker",
    "ranking",
    "dashboard",
    "stations",
    "workers",
    "studios",
    "survey",
    "honours",
    "learning",
    "fund",
    "care",
    "labour",
    "annual",
    "fkcost",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", help="all, data, or benchmark names")
    parser.add_argument("--scale", default="small", help="small | medium | district | large (make's 'default' means district)")
    parser.add_argument("--quick", action="store_true", help="short load phases (the CI smoke run); figures are indicative only")
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even if it exists")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn sync workers (default: 4)")
    parser.add_argument(
        "--keep-feature-data", action="store_true", help="reuse rollups/stations built under older migrations of their apps"
    )
    parser.add_argument(
        "--reset-app", action="append", default=[], help="drop an app's tables and re-apply its migrations (a rewritten migration)"
    )
    parser.add_argument(
        "--database-defaults", action="store_true", help="run on the server's default settings, not the documented production ones"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a benchmark raised (not only when the harness failed)")
    parser.add_argument("--no-markdown", action="store_true", help="do not update BENCHMARKS.md's current table (bench/current.json)")
    parser.add_argument("--port-base", type=int, default=8300, help="platform on this port, hello on +1, sweeps on +2")
    parser.add_argument(
        "--pgbouncer",
        type=int,
        default=0,
        metavar="POOL",
        help="serve the platform through a PgBouncer of our own (transaction pooling, POOL server connections)",
    )
    parser.add_argument(
        "--convert-rows",
        type=int,
        default=None,
        help="collections loaded for the convert benchmark (default: the scale's; --quick: 50,000)",
    )
    parser.add_argument("--keep-convert-db", action="store_true", help="keep the convert benchmark's scratch database after the run")
    parser.add_argument("--growth-scales", default="small,medium", help="scales measured by the growth benchmark besides --scale")
    args = parser.parse_args(argv)
    scale_name = "district" if args.scale == "default" else args.scale
    if scale_name not in SCALES:
        parser.error(f"unknown scale {args.scale!r}")
    scale = SCALES[scale_name]
    names = SUITES if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in SUITES and n != "data"]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    from bench import dataset, results, server
    from bench.context import Context, Result

    started = time.time()
    marker = dataset.ensure(scale, rebuild=args.rebuild, keep_extras=args.keep_feature_data, reset_apps=args.reset_app)
    dataset.apply_database_settings(scale, defaults=args.database_defaults)
    if names == ["data"]:
        return 0
    ctx = Context(scale=scale, quick=args.quick, marker=marker, workers=args.workers or 4, port_base=args.port_base)
    bouncer = None
    if args.pgbouncer:
        from bench import env as bench_env
        from bench.scales import PG_HOST, PG_PORT
        from core.pgprocs import PgBouncer

        bouncer = PgBouncer(PG_HOST, PG_PORT, pool_size=args.pgbouncer, max_client_conn=1000)
        bench_env.route_through_pgbouncer(bouncer.port, scale.database)
        dataset.log(
            f"PgBouncer {'.'.join(map(str, PgBouncer.version()))} on port {bouncer.port}, transaction pooling, pool {args.pgbouncer}"
        )
        ctx.problems.append(f"served through PgBouncer (transaction pooling, {args.pgbouncer} server connections), not directly")
    ctx.keep_feature_data = args.keep_feature_data
    ctx.convert_rows = args.convert_rows
    ctx.keep_convert_db = args.keep_convert_db
    ctx.problems += dataset.PROBLEMS
    ctx.growth_scales = [s for s in args.growth_scales.split(",") if s and s != scale.name]
    failed = False
    crashed: list[str] = []
    run_names = list(names)
    try:
        if NEEDS_SERVER & set(names):
            dataset.log("collectstatic (production serves the manifest through whitenoise)")
            server.collectstatic(scale, ctx.secret)
            ctx.problems += [f"collectstatic with the production storage failed: {p}" for p in server.COLLECTSTATIC_PROBLEMS]
        if "workers" in names and not args.quick:
            # The sweep first: the rest of the run uses the worker count that measured best,
            # unless --workers fixes it.
            dataset.log("benchmark: workers")
            importlib.import_module("bench.suites.workers").run(ctx)
            run_names = [n for n in run_names if n != "workers"]
            if args.workers is None and ctx.ceilings.get("best_workers"):
                ctx.workers = ctx.ceilings["best_workers"]
                dataset.log(f"gunicorn workers for the rest of the run: {ctx.workers}")
        if NEEDS_SERVER & set(run_names):
            ctx.servers["platform"] = server.start(
                scale,
                ctx.secret,
                app="config.wsgi:application",
                port=ctx.port_base,
                workers=ctx.workers,
                name="platform",
                ready_path="/login/",
            )
            ctx.servers["hello"] = server.start(
                scale,
                ctx.secret,
                app="bench.hello_wsgi:application",
                port=ctx.port_base + 1,
                workers=ctx.workers,
                name="hello",
                ready_path="/bench/hello/",
            )
        for name in run_names:
            if name == "data":
                continue
            dataset.log(f"benchmark: {name}")
            module = importlib.import_module(f"bench.suites.{name}")
            try:
                module.run(ctx)
            except Exception as exc:  # one broken benchmark must not hide the others
                traceback.print_exc()
                crashed.append(name)
                ctx.add(Result(name, name, status="error", note=f"{type(exc).__name__}: {str(exc)[:300]}"))
    except Exception:
        traceback.print_exc()
        failed = True
    finally:
        for srv in ctx.servers.values():
            srv.stop()
        if bouncer is not None:
            bouncer.stop()
    path = results.write(ctx, names, started, markdown=not args.no_markdown and not args.quick)
    dataset.log(f"results: {path}")
    if crashed:
        dataset.log(f"benchmarks that raised: {', '.join(crashed)} (see above){'' if args.strict else '; exit status 0 without --strict'}")
    return 1 if failed or (args.strict and crashed) else 0


if __name__ == "__main__":
    sys.exit(main())
