"""The bag platform's boards on the ranking engine, fed by collections; the database is the truth.

Boards (each for this week / month / year / all time, Beijing calendar, weeks from Monday):

* ``bags.w.points``  workers by points from bags        scopes: district ``d``, street ``s<id>``, union ``o<id>``
* ``bags.w.correct`` workers by correctly sorted bags   same scopes
* ``bags.w.bags``    every bag of a worker               scope ``d`` (the worker's own counts)
* ``bags.o.bags``    unions by smart bags used          scopes: ``d``, ``s<id>``
* ``bags.o.pm``      unions by bags used per member     scopes: ``d``, ``s<id>`` (only unions with
                     at least ``MIN_MEMBERS`` members on the roster: tiny unions would swing wildly)
* ``bags.s.bags``    streets by bags used               scope ``d``
* ``bags.s.pm``      streets by bags per member         scope ``d``

A bag "used" is a bag collected at a point (right or wrong sort); a worker's place counts only
points and correctly sorted bags. "Per member" is ``bags used ÷ the union's member_count``
(for a street, ÷ the sum over its grassroots unions).

On PostgreSQL with Redis the boards follow the collections through ``ranking_feed``, a periodic
job that adds every collection committed since its last pass (scans then touch only the
database); elsewhere ``on_collection`` adds one collection right after its transaction commits
(one pipelined round trip, plus one for the per-member boards). ``rebuild`` recomputes every board of the current
periods from the collections in one grouped pass and swaps them in; it runs at start-up when the
boards are missing (Redis restarted), by ``manage.py rankings_rebuild``, and — for the in-process
fallback of the demo, where every process has its own copy — whenever a process finds its copy
older than ``LOCAL_MAX_AGE`` seconds, so every page is fresh within a minute.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django_tasks import task

from core.models import Organisation
from engines.ranking import leaderboard as lb
from engines.ranking import periods as P
from modules.bags.models import Collection, Grade

log = logging.getLogger("unionhub.bags.rankings")

WORKER_POINTS = lb.Board("bags.w.points")
WORKER_CORRECT = lb.Board("bags.w.correct")
# Every bag of a worker, right or wrong (district scope only): the worker's page reads its
# week / month / all-time counts and sorting accuracy from here instead of counting rows.
WORKER_BAGS = lb.Board("bags.w.bags")
ORG_BAGS = lb.Board("bags.o.bags")
ORG_PER_MEMBER = lb.Board("bags.o.pm")
STREET_BAGS = lb.Board("bags.s.bags")
STREET_PER_MEMBER = lb.Board("bags.s.pm")
BOARDS = (WORKER_POINTS, WORKER_CORRECT, WORKER_BAGS, ORG_BAGS, ORG_PER_MEMBER, STREET_BAGS, STREET_PER_MEMBER)

MARKER = "bags"
MIN_MEMBERS = 10
LOCAL_MAX_AGE = 60
MARKER_CHECK_SECONDS = 5
_seen_built_at = 0.0
DISTRICT = "d"


def street_scope(street_id: int) -> str:
    return f"s{street_id}"


def org_scope(org_id: int) -> str:
    return f"o{org_id}"


def member_key(pk: int) -> str:
    # Zero-padded so tied members list in a stable, numeric order.
    return f"{pk:010d}"


def member_id(key: str) -> int:
    return int(key)


def per_member(bags: float, members: int) -> float | None:
    """The fairness score: bags used per roster member, for unions big enough to be compared."""
    if members < MIN_MEMBERS:
        return None
    return round(bags / members, 6)


# ------------------------------------------------------------------------------ member counts


def member_counts(org_id: int, street_id: int | None) -> tuple[int, int]:
    """(the union's member_count, its street's total over grassroots unions), cached 5 minutes:
    the roster changes by imports, not by scans."""
    cache_key = f"bags:rk:mc:{org_id}:{street_id or 0}"
    found = cache.get(cache_key)
    if found is not None:
        return found
    org_count = Organisation.objects.filter(pk=org_id).values_list("member_count", flat=True).first() or 0
    street_total = 0
    if street_id:
        street_total = (
            Organisation.objects.filter(street_id=street_id, level=Organisation.Level.GRASSROOTS).aggregate(s=Sum("member_count"))["s"] or 0
        )
    cache.set(cache_key, (org_count, street_total), 300)
    return org_count, street_total


def _member_counts_many(pairs: set[tuple[int, int | None]]) -> dict[tuple[int, int | None], tuple[int, int]]:
    """``member_counts`` of many unions at once: two queries for a feed pass of any size (the
    cached one-by-one lookups cost a round trip per union and period)."""
    if len(pairs) == 1:
        pair = next(iter(pairs))
        return {pair: member_counts(*pair)}
    org_ids = {org for org, _street in pairs}
    street_ids = {street for _org, street in pairs if street}
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("id", "member_count"))
    streets = dict(
        Organisation.objects.filter(street_id__in=street_ids, level=Organisation.Level.GRASSROOTS)
        .values("street_id")
        .annotate(total=Sum("member_count"))
        .values_list("street_id", "total")
    )
    return {(org, street): (orgs.get(org) or 0, (streets.get(street) or 0) if street else 0) for org, street in pairs}


# ------------------------------------------------------------------------------------ live feed


def on_collection(collection: Collection) -> None:
    """Add one recorded collection to the live boards. Call after its transaction committed
    (``transaction.on_commit``); a failure here is logged, never raised into the scan — the next
    rebuild repairs the boards from the database."""
    on_collections([collection])


def on_collections(collections: list[Collection]) -> None:
    """Add a batch of recorded collections (an offline upload) in one pipelined round trip."""
    if not collections:
        return
    try:
        if lb.is_local() and lb.built_at(MARKER) is None:
            # This process has no copy yet: build it from the database, which already has these.
            rebuild()
            return
        _apply(collections)
    except Exception:  # Redis down must not fail a scan that is already committed
        log.exception("ranking update failed for %s collection(s)", len(collections))


def _increments(c: Collection) -> list[lb.Increment]:
    incs: list[lb.Increment] = []
    if c.owner_id:
        worker = member_key(c.owner_id)
        scopes = [DISTRICT, org_scope(c.organisation_id)] + ([street_scope(c.street_id)] if c.street_id else [])
        if c.points_awarded > 0:
            incs += [lb.Increment(WORKER_POINTS, s, worker, c.points_awarded) for s in scopes]
        if c.grade == Grade.CORRECT:
            incs += [lb.Increment(WORKER_CORRECT, s, worker, 1) for s in scopes]
        incs.append(lb.Increment(WORKER_BAGS, DISTRICT, worker, 1))
    org = member_key(c.organisation_id)
    incs.append(lb.Increment(ORG_BAGS, DISTRICT, org, 1))
    if c.street_id:
        incs.append(lb.Increment(ORG_BAGS, street_scope(c.street_id), org, 1))
        incs.append(lb.Increment(STREET_BAGS, DISTRICT, member_key(c.street_id), 1))
    return incs


def _apply(collections: list[Collection], guard: tuple[str, str, str] | None = None) -> bool:
    """Add collections to the boards (anything with the attributes ``_increments`` reads). With a
    ``guard`` (the feed's position) nothing is added unless the position still holds; False then."""
    return _send(_prepare(collections), guard)


@dataclass
class _Prepared:
    collections: list
    batch: lb.PreparedBatch
    now: datetime
    member_counts: dict  # (union, street) → (members of the union, of the street)


def _prepare(collections: list[Collection]) -> _Prepared:
    """The Python half of ``_apply`` (the feed prepares a chunk while the previous one is sent)."""
    now = timezone.now()
    # Only the unions' and streets' bag counts are read back (the per-member boards follow from them).
    batch = lb.prepare_batch([(_increments(c), c.collected_at or now) for c in collections], scores_of={ORG_BAGS.name, STREET_BAGS.name})
    # Read here (database, cache), so sending needs nothing but Redis and can run in a thread.
    counts = _member_counts_many({(c.organisation_id, c.street_id) for c in collections})
    return _Prepared(collections, batch, now, counts)


def _send(prepared: _Prepared, guard: tuple[str, str, str] | None = None) -> bool:
    scores = lb.send_batch(prepared.batch, guard=guard)
    if scores is None:
        return False
    collections, now = prepared.collections, prepared.now
    # The per-member boards follow from the new bag counts: one more round trip, whatever the batch.
    derived = {}
    seen = set()
    counts = prepared.member_counts
    spans_of_day: dict = {}
    for c in collections:
        at = c.collected_at or now
        day = P.local(at).date()
        if day not in spans_of_day:
            spans_of_day[day] = P.spans(at)
        for s in spans_of_day[day]:
            if (c.organisation_id, c.street_id, s.key) in seen:
                continue
            seen.add((c.organisation_id, c.street_id, s.key))
            org_members, street_members = counts[(c.organisation_id, c.street_id)]
            org = member_key(c.organisation_id)
            ratio = per_member(scores.get((ORG_BAGS.name, s.key, DISTRICT, org)) or 0, org_members)
            if ratio is not None:
                derived[(ORG_PER_MEMBER, s.key, DISTRICT, org)] = ratio
                if c.street_id:
                    derived[(ORG_PER_MEMBER, s.key, street_scope(c.street_id), org)] = ratio
            if c.street_id:
                street = member_key(c.street_id)
                ratio = per_member(scores.get((STREET_BAGS.name, s.key, DISTRICT, street)) or 0, street_members)
                if ratio is not None:
                    derived[(STREET_PER_MEMBER, s.key, DISTRICT, street)] = ratio
    lb.put([(board, pk, scope, member, ratio) for (board, pk, scope, member), ratio in derived.items()])
    return True


# ------------------------------------------------------------------------------------- rebuild


def _grouped(spans: list[P.PeriodSpan]):
    """One pass over the collections, grouped by (owner, union, street), with every period's
    figures as filtered aggregates — a single GROUP BY however many boards there are."""
    aggs = {}
    for s in spans:
        where = Q() if s.start is None else Q(collected_at__gte=s.start, collected_at__lt=s.end)
        aggs[f"pts_{s.period}"] = Sum("points_awarded", filter=where) if s.start else Sum("points_awarded")
        aggs[f"ok_{s.period}"] = Count("id", filter=where & Q(grade=Grade.CORRECT))
        aggs[f"n_{s.period}"] = Count("id", filter=where) if s.start else Count("id")
    return (
        Collection.objects.order_by().values_list("owner_id", "organisation_id", "street_id").annotate(**aggs).iterator(chunk_size=20_000)
    )


def compute(now: datetime | None = None) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
    """Every board of the current periods, computed from the database:
    {(board name, period key): {scope: {member: score}}}."""
    spans = P.spans(now)
    boards: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    for row in _grouped(spans):
        owner_id, org_id, street_id = row[0], row[1], row[2]
        figures = row[3:]
        org = member_key(org_id)
        for i, s in enumerate(spans):
            pts, ok, n = figures[3 * i] or 0, figures[3 * i + 1] or 0, figures[3 * i + 2] or 0
            if owner_id:
                worker = member_key(owner_id)
                scopes = [DISTRICT, org_scope(org_id)] + ([street_scope(street_id)] if street_id else [])
                for scope in scopes:
                    if pts > 0:
                        boards[(WORKER_POINTS.name, s.key)][scope][worker] += pts
                    if ok > 0:
                        boards[(WORKER_CORRECT.name, s.key)][scope][worker] += ok
                if n > 0:
                    boards[(WORKER_BAGS.name, s.key)][DISTRICT][worker] += n
            if n > 0:
                boards[(ORG_BAGS.name, s.key)][DISTRICT][org] += n
                if street_id:
                    boards[(ORG_BAGS.name, s.key)][street_scope(street_id)][org] += n
                    boards[(STREET_BAGS.name, s.key)][DISTRICT][member_key(street_id)] += n
    _derive_per_member(boards, spans)
    return boards


def _derive_per_member(boards, spans) -> None:
    orgs = dict(Organisation.objects.filter(level=Organisation.Level.GRASSROOTS).values_list("id", "member_count"))
    streets: dict[int, int] = defaultdict(int)
    for street_id, count in Organisation.objects.filter(level=Organisation.Level.GRASSROOTS, street__isnull=False).values_list(
        "street_id", "member_count"
    ):
        streets[street_id] += count or 0
    for s in spans:
        for scope, mapping in boards.get((ORG_BAGS.name, s.key), {}).items():
            for org, bags in mapping.items():
                ratio = per_member(bags, orgs.get(member_id(org), 0) or 0)
                if ratio is not None:
                    boards[(ORG_PER_MEMBER.name, s.key)][scope][org] = ratio
        for street, bags in boards.get((STREET_BAGS.name, s.key), {}).get(DISTRICT, {}).items():
            ratio = per_member(bags, streets.get(member_id(street), 0))
            if ratio is not None:
                boards[(STREET_PER_MEMBER.name, s.key)][DISTRICT][street] = ratio


def refresh_per_member(now: datetime | None = None) -> dict:
    """Periodic job: roster imports change ``member_count``; re-derive the per-member boards from
    the bag boards already in Redis (a few reads, one query) instead of a full rebuild."""
    if not lb.is_built(MARKER):
        return {"skipped": "boards not built"}
    spans = P.spans(now)
    street_ids = list(Organisation.objects.filter(level=Organisation.Level.STREET).values_list("id", flat=True))
    boards: dict = defaultdict(lambda: defaultdict(dict))
    for s in spans:
        for scope in [DISTRICT, *(street_scope(i) for i in street_ids)]:
            found = lb.scores(ORG_BAGS, s.key, scope)
            if found:
                boards[(ORG_BAGS.name, s.key)][scope] = found
        boards[(STREET_BAGS.name, s.key)][DISTRICT] = lb.scores(STREET_BAGS, s.key, DISTRICT)
    _derive_per_member(boards, spans)
    written = 0
    for board in (ORG_PER_MEMBER, STREET_PER_MEMBER):
        for s in spans:
            written += lb.replace(board, s, {scope: dict(m) for scope, m in boards.get((board.name, s.key), {}).items()})
    return {"entries": written}


def rebuild(now: datetime | None = None) -> dict:
    """Recompute every board of the current periods from the collections and swap them in.

    The live feed (``ranking_feed``) is held meanwhile, the collections are read in one database
    snapshot, and the feed then resumes from exactly that snapshot: no scan is counted twice or
    missed however many arrive during the rebuild."""
    from modules.bags import ranking_feed

    started = time.monotonic()
    with ranking_feed.held() as feed:
        boards = feed.read_consistently(lambda: compute(now))
        written = 0
        for board in BOARDS:
            for s in P.spans(now, board.periods):
                scopes = boards.get((board.name, s.key), {})
                written += lb.replace(board, s, {scope: dict(m) for scope, m in scopes.items()})
        lb.mark_built(MARKER)
        feed.resume_from_snapshot()
    return {"entries": written, "seconds": round(time.monotonic() - started, 3)}


def ensure_fresh() -> bool:
    """Before reading: make sure the boards exist. In-process boards are rebuilt here (small demo
    data, at most once a minute per process); Redis boards that were lost are rebuilt in the
    background by one process while pages say so. True when the boards can be read."""
    global _seen_built_at
    if lb.is_local():
        if not lb.is_built(MARKER, max_age=LOCAL_MAX_AGE):
            rebuild()
        return True
    # A page view asks Redis for the marker at most every few seconds per process: one round
    # trip less on the hot pages, and a lost Redis is still noticed within seconds.
    if time.monotonic() - _seen_built_at < MARKER_CHECK_SECONDS:
        return True
    if lb.is_built(MARKER):
        _seen_built_at = time.monotonic()
        return True
    _seen_built_at = 0.0
    if lb.try_lock(MARKER):
        rankings_rebuild_task.enqueue()
    return lb.is_built(MARKER)


@task()
def rankings_rebuild_task() -> dict:
    """The background rebuild after Redis lost the boards (one at a time: see ``ensure_fresh``)."""
    try:
        return rebuild()
    finally:
        lb.unlock(MARKER)


def startup_hook() -> str:
    """Start-up: rebuild when Redis has lost the boards (or always, for the in-process copy)."""
    if lb.is_local() or not lb.is_built(MARKER):
        stats = rebuild()
        return f"排行榜已从数据库重建：{stats['entries']} 项，用时 {stats['seconds']} 秒"
    return "排行榜完好（Redis 中已有）"


def demo_seed(ctx) -> None:
    """Demo: the default points rule (when there is none), a few workers who agreed to show their
    masked name, and every board built from the collections the field side's seeder recorded."""
    from core.services import ranking_consent_set
    from modules.bags.points import default_rules_ensure

    default_rules_ensure(actor=ctx.users.get("district"))
    # The first demo worker keeps the default (anonymous) so the consent switch can be tried.
    for member in ctx.demo_workers[1:]:
        ranking_consent_set(member=member, granted=True)
    stats = rebuild()
    ctx.notes.append(f"排行榜：已从回收记录生成 {stats['entries']} 项（/bags/rankings/）")
