"""Helpers the benchmarks share: fresh bags to scan, logins, timing of in-process calls."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bench import env
from bench.dataset import CopyStream


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def timed(fn, runs: int, warmup: int = 1) -> dict:
    """Call ``fn`` ``runs`` times (after ``warmup`` calls); latency figures in ms."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {
        "runs": runs,
        "p50_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
    }


def has_module(dotted: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False


def has_url(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name)
        return True
    except NoReverseMatch:
        return False


@dataclass
class Pool:
    """Fresh, issued, bound bags (one batch) that nobody has collected yet, for one scan run."""

    batch_id: int
    first_id: int
    last_id: int
    # (bag id, point id, collector user id, raw device token, street id)
    bags: list[tuple[int, int, int, str, int]]


def collectors(scale, count: int) -> list[tuple[int, int, int]]:
    """(point, collector, street) of ``count`` points in different streets, busiest streets first."""
    with env.connect(scale, autocommit=True) as conn:
        return conn.execute(
            """SELECT DISTINCT ON (p.street_id) p.id, c.user_id, p.street_id
               FROM bags_collectionpoint p JOIN bags_collectionpoint_collectors c ON c.collectionpoint_id = p.id
               WHERE p.is_active ORDER BY p.street_id, p.id LIMIT %s""",
            [count],
        ).fetchall()


def make_pool(scale, size: int, *, points: int = 4, label: str = "pool") -> Pool:
    """A new batch of ``size`` bags, bound to workers who already hold points, spread over
    ``points`` collection points (one collector each). COPY: a few seconds for 100,000 bags."""
    from modules.bags.models import Bag, BagBatch

    chosen = collectors(scale, points)
    with env.connect(scale, autocommit=True) as conn:
        owners: dict[int, list[tuple[int, int]]] = {}
        for _point, _collector, street in chosen:
            owners[street] = conn.execute(
                """SELECT m.id, m.organisation_id FROM ledger_account a JOIN core_member m ON m.id = a.member_id
                   JOIN core_organisation o ON o.id = m.organisation_id
                   WHERE o.street_id = %s ORDER BY a.id LIMIT 5000""",
                [street],
            ).fetchall()
        org = owners[chosen[0][2]][0][1]
        now = datetime.now(UTC)
        batch_id = conn.execute(
            """INSERT INTO bags_bagbatch (organisation_id, size, created, status, note, created_at)
               VALUES (%s, %s, %s, 'ready', %s, %s) RETURNING id""",
            [org, size, size, f"bench {label} {uuid.uuid4().hex[:8]}", now],
        ).fetchone()[0]
        first = conn.execute("SELECT nextval(pg_get_serial_sequence('bags_bag', 'id'))").fetchone()[0]
        conn.execute("SELECT setval(pg_get_serial_sequence('bags_bag', 'id'), %s)", [first + size])
    # This batch belongs to the first union; its bags are bound to members of several unions
    # (a batch's bags can be re-issued), which the scan path treats by the bag's own union.
    stream = CopyStream(scale, Bag, ["id", "batch_id", "organisation_id", "owner_id", "bound_at", "collected_at"], freeze=False)
    bags = []
    now_s = now.isoformat()
    for k in range(size):
        point, collector, street = chosen[k % len(chosen)]
        member, member_org = owners[street][(k // len(chosen)) % len(owners[street])]
        bag_id = first + k
        stream.add(f"{bag_id}\t{batch_id}\t{member_org}\t{member}\t{now_s}\t\\N")
        bags.append((bag_id, point, collector, f"uh_bench_collector_{collector}", street))
    stream.close()
    with env.connect(scale, autocommit=True) as conn:
        conn.execute("UPDATE bags_bagbatch SET first_bag_id = %s, last_bag_id = %s WHERE id = %s", [first, first + size - 1, batch_id])
        conn.execute("ANALYZE bags_bagbatch")
    _ = BagBatch  # the model defines the table the batch row went into
    return Pool(batch_id, first, first + size - 1, bags)


def pool_outcome(scale, pool: Pool) -> dict:
    """What the database holds after a scan run on ``pool``: collections, entries, consistency."""
    with env.connect(scale, autocommit=True) as conn:
        collected = conn.execute(
            "SELECT count(*) FROM bags_bag WHERE id BETWEEN %s AND %s AND collected_at IS NOT NULL", [pool.first_id, pool.last_id]
        ).fetchone()[0]
        collections = conn.execute(
            "SELECT count(*), coalesce(sum(points_awarded), 0) FROM bags_collection WHERE bag_id BETWEEN %s AND %s",
            [pool.first_id, pool.last_id],
        ).fetchone()
        mismatched = conn.execute(
            """SELECT count(*) FROM ledger_account a
               WHERE a.member_id IN (SELECT DISTINCT owner_id FROM bags_bag WHERE id BETWEEN %s AND %s)
                 AND a.balance <> (SELECT coalesce(sum(amount), 0) FROM ledger_entry e WHERE e.account_id = a.id)""",
            [pool.first_id, pool.last_id],
        ).fetchone()[0]
    return {"bags_collected": collected, "collections": collections[0], "points": int(collections[1]), "ledger_mismatches": mismatched}


def scan_body(bag_id: int, point: int, code: str, k: int, run: str) -> dict:
    category = ("kitchen", "other", "recyclable", "kitchen", "hazardous", "kitchen", "other", "recyclable")[k % 8]
    wrong = k % 9 == 0
    return {
        "client_id": f"b-{run}-{bag_id}",
        "code": code,
        "point_id": point,
        "category": category,
        "grade": "wrong" if wrong else "correct",
        "reasons": ["mixed_other"] if wrong else [],
        "weight_grams": 500 + (k * 37) % 2000,
    }


def codes_for(pool: Pool) -> dict[int, str]:
    from modules.bags import codes

    return dict(codes.encode_many(pool.first_id, pool.last_id))


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def session_cookie(user) -> str:
    """A logged-in session for ``user`` (as the login view would create it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key
