"""Demo data of the field side: collection points per street, bag batches for many unions, bags
bound to a share of their members, and a few months of collections with a daily rhythm.

Everything is written in bulk (a few statements per thousand rows); the points of the demo
collections go to the ledger as entries whose running balances equal the accounts' balances.
Five unbound, uncollected bags of the demo union are left for the guided tour (ctx.notes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import accumulate as _accumulate

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from core.models import Member, Organisation, RoleAssignment, User
from engines.ledger.models import Account
from modules.bags import codes
from modules.bags.models import Bag, BagBatch, Category, Collection, CollectionPoint, Grade, WrongSortReason
from modules.bags.services import LEDGER_REASON, insert_bags

DAYS = 90
# Hours people put their bags out: a morning and a bigger evening peak.
HOUR_WEIGHTS = [0, 0, 0, 0, 0, 1, 4, 9, 10, 6, 3, 2, 3, 2, 2, 2, 3, 5, 9, 12, 10, 6, 2, 1]
CATEGORY_WEIGHTS = [(Category.KITCHEN, 0.52), (Category.RECYCLABLE, 0.2), (Category.OTHER, 0.25), (Category.HAZARDOUS, 0.03)]
# Grams by category: (low, high).
WEIGHTS = {Category.KITCHEN: (800, 4500), Category.RECYCLABLE: (300, 3000), Category.OTHER: (500, 3500), Category.HAZARDOUS: (50, 600)}
WRONG_REASONS = {
    Category.KITCHEN: [WrongSortReason.WITH_PACKAGING, WrongSortReason.NOT_DRAINED, WrongSortReason.MIXED_OTHER],
    Category.RECYCLABLE: [WrongSortReason.NOT_CLEAN, WrongSortReason.MIXED_KITCHEN, WrongSortReason.MIXED_OTHER],
    Category.OTHER: [WrongSortReason.MIXED_KITCHEN, WrongSortReason.MIXED_RECYCLABLE, WrongSortReason.BATTERY],
    Category.HAZARDOUS: [WrongSortReason.MIXED_OTHER, WrongSortReason.OTHER],
}
CORRECT_RATE = 0.85
TOUR_BAGS = 5


def seed(ctx) -> None:
    rng = ctx.rng
    now = timezone.now()
    with transaction.atomic():
        points_by_street, collector_of = _points(ctx)
        demo_union = ctx.demo_workers[0].organisation if ctx.demo_workers else None
        unions = [o for o in ctx.grassroots if rng.random() < 0.6]
        if demo_union is not None and demo_union not in unions:
            unions.append(demo_union)
        members_by_org: dict[int, list[int]] = defaultdict(list)
        for pk, org_id in Member.objects.filter(organisation_id__in=[o.pk for o in unions], status=Member.Status.ACTIVE).values_list(
            "pk", "organisation_id"
        ):
            members_by_org[org_id].append(pk)
        demo_ids = {m.pk for m in ctx.demo_workers}
        bindings: list[tuple[int, datetime, int, int]] = []  # (member, bound_at, first bag, last bag)
        bag_rows: list[tuple[int, int, int, int]] = []  # (bag id, org, street, owner)
        bar = tqdm(total=len(unions), desc="垃圾袋批次", unit="批", disable=not ctx.progress, mininterval=1)
        for org in unions:
            members = members_by_org.get(org.pk, [])
            per_member = rng.choice((6, 8, 10))
            size = max(10, len(members) * per_member + 10)
            created = now - timedelta(days=DAYS + rng.randrange(1, 20))
            batch = BagBatch.objects.create(
                organisation=org,
                size=size,
                created=size,
                status=BagBatch.Status.READY,
                created_by=ctx.users.get("district"),
                created_at=created,
                note="演示批次",
            )
            first, last = insert_bags(batch_id=batch.pk, organisation_id=org.pk, size=size)
            batch.first_bag_id, batch.last_bag_id = first, last
            BagBatch.objects.filter(pk=batch.pk).update(first_bag_id=first, last_bag_id=last)
            # About half the members use the bags (all demo workers do); each takes a roll.
            users = [m for m in members if m in demo_ids or rng.random() < 0.5]
            next_bag = first
            for member_id in users:
                if next_bag + per_member - 1 > last - 10:
                    break
                bound_at = created + timedelta(days=rng.randrange(0, 10), hours=rng.randrange(8, 20))
                bindings.append((member_id, connection.ops.adapt_datetimefield_value(bound_at), next_bag, next_bag + per_member - 1))
                for bag_id in range(next_bag, next_bag + per_member):
                    bag_rows.append((bag_id, org.pk, org.street_id, member_id))
                next_bag += per_member
            bar.update(1)
        bar.close()
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE bags_bag SET owner_id = %s, bound_at = %s WHERE id BETWEEN %s AND %s", bindings)
        _collections(ctx, now, bag_rows, points_by_street, collector_of)
        if demo_union is not None:
            _tour_bags(ctx, demo_union)


@dataclass(slots=True)
class _Row:
    """A collection to insert (a model instance per row would cost more than the insert itself)."""

    bag_id: int
    client_id: str
    point_id: int
    collector_id: int
    category: str
    grade: str
    reasons: list
    weight_grams: int | None
    collected_at: datetime
    owner_id: int
    organisation_id: int
    street_id: int
    points_awarded: int
    pk: int | None = None


def _points(ctx):
    """Two collection points per street; the demo collector serves the first point of their street."""
    collector = ctx.users.get("collector")
    collector_street_id = None
    if collector is not None:
        collector_street_id = (
            RoleAssignment.objects.filter(user=collector, role=RoleAssignment.Role.COLLECTOR)
            .values_list("organisation_id", flat=True)
            .first()
        )
    points_by_street: dict[int, list[CollectionPoint]] = {}
    collector_of: dict[int, int] = {}
    for n, street in enumerate(ctx.streets):
        base = street.name.replace("街道总工会", "")
        if street.pk == collector_street_id:
            user = collector
        else:
            user = User.objects.create_user(username=f"collector_s{street.pk}", display_name=f"{base}分拣员", password=None)
            RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.COLLECTOR, organisation=street)
        points = []
        for k, label in enumerate(("社区垃圾分类驿站", "街道集中收集点")):
            point = CollectionPoint.objects.create(
                name=f"{base}{label}",
                street=street,
                address=f"北京市西城区{base}街道{10 + 7 * k + n}号",
                latitude=39.91 + (n % 5) * 0.012 + k * 0.003,
                longitude=116.35 + (n // 5) * 0.015 + k * 0.003,
            )
            point.collectors.add(user)
            collector_of[point.pk] = user.pk
            points.append(point)
        points_by_street[street.pk] = points
    return points_by_street, collector_of


def _collections(ctx, now, bag_rows, points_by_street, collector_of) -> None:
    from modules.bags.points import terms_for

    rng = ctx.rng
    categories, cat_weights = zip(*CATEGORY_WEIGHTS, strict=True)
    terms = {c: terms_for(c, now) for c in Category.values}
    today = timezone.localdate(now)
    # Today too, in proportion to the part of it already past, so the demo's "today" figures and
    # a worker's "today" are not empty; its times are never later than now.
    day_start = datetime.combine(today, time(0), tzinfo=timezone.get_current_timezone())
    elapsed = max(0.0, min(1.0, (now - day_start).total_seconds() / 86_400))
    day_weights = [elapsed] + [1.3 if (today - timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(1, DAYS + 1)]
    hours = list(range(24))
    day_range = range(0, DAYS + 1)
    # cumulative weights once: rng.choices would rebuild them for every bag
    day_cum = list(_accumulate(day_weights))
    hour_cum = list(_accumulate(HOUR_WEIGHTS))
    cat_cum = list(_accumulate(cat_weights))
    collections: list[_Row] = []
    earned_today: dict[tuple[int, object], int] = defaultdict(int)
    tz = timezone.get_current_timezone()
    bar = tqdm(total=len(bag_rows), desc="回收记录", unit="袋", disable=not ctx.progress, mininterval=1)
    for bag_id, org_id, street_id, owner_id in bag_rows:
        bar.update(1)
        if rng.random() < 0.22:  # still at home
            continue
        points = points_by_street.get(street_id)
        if not points:
            continue
        point = points[0] if rng.random() < 0.7 else points[-1]
        day = today - timedelta(days=rng.choices(day_range, cum_weights=day_cum)[0])
        at = datetime.combine(day, time(rng.choices(hours, cum_weights=hour_cum)[0], rng.randrange(60), rng.randrange(60)), tzinfo=tz)
        if at > now:
            at = day_start + (now - day_start) * rng.random()
        category = rng.choices(categories, cum_weights=cat_cum)[0]
        correct = rng.random() < CORRECT_RATE
        low, high = WEIGHTS[category]
        awarded = 0
        if correct:
            rule = terms[category]
            awarded = max(0, min(rule.points, rule.daily_cap - earned_today[(owner_id, day)]))
            earned_today[(owner_id, day)] += awarded
        collections.append(
            _Row(
                bag_id=bag_id,
                client_id=f"demo-{bag_id}",
                point_id=point.pk,
                collector_id=collector_of[point.pk],
                category=category,
                grade=Grade.CORRECT if correct else Grade.WRONG,
                reasons=[] if correct else [rng.choice(WRONG_REASONS[category])],
                weight_grams=rng.randrange(low, high) if rng.random() < 0.8 else None,
                collected_at=at,
                owner_id=owner_id,
                organisation_id=org_id,
                street_id=street_id,
                points_awarded=awarded,
            )
        )
    bar.close()
    collections.sort(key=lambda c: c.collected_at)
    _insert_collections(collections)
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE bags_bag SET collected_at = %s WHERE id = %s", [(_dt(c.collected_at), c.bag_id) for c in collections])
    _ledger(ctx, [c for c in collections if c.points_awarded > 0])


def _dt(value):
    return connection.ops.adapt_datetimefield_value(value)


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 — our own table names
        return cursor.fetchone()[0] + 1


def _ids(table: str, n: int) -> list[int]:
    """``n`` fresh ids for ``table``. On PostgreSQL they come from the table's sequence: the
    collections and the ledger's entries are partitioned by month there, and a partitioned table
    cannot enforce a unique id across its months — only its one sequence keeps ids unique, so
    nothing may make up its own (``core/partitions.py``). Elsewhere, after the largest id."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]
    first = _next_id(table)
    return list(range(first, first + n))


def _bump_sequence(table: str) -> None:
    if connection.vendor == "postgresql" and table not in ("bags_collection", "ledger_entry"):  # those took theirs from it
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def _insert_collections(collections: list[_Row]) -> None:
    """Plain parameterised INSERTs with ids given here: model-level bulk_create costs 5x more per row."""
    reasons_field = Collection._meta.get_field("reasons")
    prepared: dict[tuple, object] = {}
    rows = []
    for c, pk in zip(collections, _ids("bags_collection", len(collections)), strict=True):
        c.pk = pk
        key = tuple(c.reasons)
        if key not in prepared:
            prepared[key] = reasons_field.get_db_prep_save(c.reasons, connection)
        rows.append(
            (
                c.pk,
                c.bag_id,
                c.client_id,
                c.point_id,
                c.collector_id,
                c.category,
                c.grade,
                prepared[key],
                c.weight_grams,
                "",
                _dt(c.collected_at),
                c.owner_id,
                c.organisation_id,
                c.street_id,
                c.points_awarded,
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bags_collection (id, bag_id, client_id, point_id, collector_id, category, grade, reasons, weight_grams, photo,"
            " collected_at, owner_id, organisation_id, street_id, points_awarded) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    _bump_sequence("bags_collection")


def _ledger(ctx, credited: list[_Row]) -> None:
    """One entry per credited collection, balances running in time order (balance = sum of entries)."""
    if not credited:
        return
    totals: dict[int, int] = defaultdict(int)
    for c in credited:
        totals[c.owner_id] += c.points_awarded
    now = timezone.now()
    existing = dict(Account.objects.filter(member_id__in=list(totals), unit=Account.Unit.POINTS).values_list("member_id", "pk"))
    balances = dict(Account.objects.filter(pk__in=list(existing.values())).values_list("member_id", "balance"))
    next_account = _next_id("ledger_account")
    new_accounts = []
    for member_id in totals:
        if member_id not in existing:
            existing[member_id] = next_account
            new_accounts.append((next_account, member_id, Account.Unit.POINTS, 0, 0, 0, _dt(now)))
            next_account += 1
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ledger_account (id, member_id, unit, balance, total_credited, total_debited, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            new_accounts,
        )
    _bump_sequence("ledger_account")
    running = {m: balances.get(m, 0) for m in totals}
    entries = []
    for c, next_entry in zip(credited, _ids("ledger_entry", len(credited)), strict=True):
        running[c.owner_id] += c.points_awarded
        key = f"{LEDGER_REASON}:{c.pk}"
        entries.append(
            (
                next_entry,
                existing[c.owner_id],
                c.points_awarded,
                running[c.owner_id],
                LEDGER_REASON,
                key,
                key,
                "垃圾分类投放正确",
                _dt(c.collected_at),
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ledger_entry (id, account_id, amount, balance_after, reason, source, idempotency_key, memo, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            entries,
        )
        cursor.executemany(
            "UPDATE ledger_account SET balance = balance + %s, total_credited = total_credited + %s, updated_at = %s WHERE id = %s",
            [(total, total, _dt(now), existing[m]) for m, total in totals.items()],
        )
    _bump_sequence("ledger_entry")


def _tour_bags(ctx, union: Organisation) -> None:
    """A small batch of the demo union with five bags nobody has bound: scan one to bind it."""
    batch = BagBatch.objects.create(
        organisation=union, size=20, created=20, status=BagBatch.Status.READY, created_by=ctx.users.get("district"), note="演示导览用"
    )
    first, last = insert_bags(batch_id=batch.pk, organisation_id=union.pk, size=20)
    BagBatch.objects.filter(pk=batch.pk).update(first_bag_id=first, last_bag_id=last)
    Bag.objects.filter(pk__range=(first, last)).update(owner=None, bound_at=None, collected_at=None)
    ctx.notes.append(f"演示垃圾袋（{union.name}，未绑定、未回收；职工登录后打开链接即可绑定）：")
    for _id, code in codes.encode_many(first, first + TOUR_BAGS - 1):
        ctx.notes.append(f"  {codes.group(code)}  →  /b/{code}")
