"""In-process timings of the scan's service functions on a built bench data set, without HTTP:
``python -m bench.scan_probe --scale small [--scans 600] [--batches 6]``.

Each run takes a fresh pool of bags (``common.make_pool``), records them once through
``collection_record`` (single scans) and ``collections_record_batch`` (uploads of 500), then sends
the same scans again (replays). For A/B comparisons of the statements on one machine (the figures
of docs/scaling.md, "Generic plans"): run it on two checkouts back to back against the same data
set. Production settings, as the benchmark's server runs them.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from bench import env
from bench.scales import SCALES
from bench.suites import common

BATCH = 500


def _single(pool, codes, run: str) -> None:
    from core.models import User
    from modules.bags.services.scan_decision import ScanIn
    from modules.bags.services.scans import collection_record

    users: dict[int, User] = {}
    for label in ("new", "replay"):
        times = []
        for bag, point, collector, _token, _street in pool.bags:
            actor = users.get(collector) or users.setdefault(collector, User.objects.get(pk=collector))
            item = ScanIn(**common.scan_body(bag, point, codes[bag], bag, run))
            started = time.perf_counter()
            collection_record(actor=actor, item=item)
            times.append((time.perf_counter() - started) * 1000)
        times = times[len(times) // 5 :]  # the first fifth warms the connection and its statements
        print(f"single {label:6s}: p50 {statistics.median(times):.2f} ms, p95 {statistics.quantiles(times, n=20)[18]:.2f} ms")


def _batches(pool, codes, run: str) -> None:
    from core.models import User
    from modules.bags.services.scan_batch import collections_record_batch
    from modules.bags.services.scan_decision import ScanIn

    actor = User.objects.get(pk=pool.bags[0][2])
    chunks = [pool.bags[i : i + BATCH] for i in range(0, len(pool.bags), BATCH)]
    for label in ("new", "replay"):
        times = []
        for chunk in chunks:
            items = [ScanIn(**common.scan_body(bag, point, codes[bag], bag, run)) for bag, point, *_ in chunk]
            started = time.perf_counter()
            collections_record_batch(actor=actor, items=items)
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        print(f"batch  {label:6s}: {median:.0f} ms per {BATCH} (median of {len(times)}), {BATCH / median * 1000:,.0f} scans/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--scans", type=int, default=600)
    parser.add_argument("--batches", type=int, default=6)
    args = parser.parse_args()
    scale = SCALES[args.scale]
    env.setup_django(scale, env.new_secret_key())
    run = uuid.uuid4().hex[:6]
    single = common.make_pool(scale, args.scans, points=4, label="probe-single")
    _single(single, common.codes_for(single), run)
    uploads = common.make_pool(scale, BATCH * args.batches, points=1, label="probe-batch")
    _batches(uploads, common.codes_for(uploads), run)


if __name__ == "__main__":
    main()
