"""Demo data of the field side: collection points per street, bag batches for many unions, bags
bound to a share of their members, and a few months of collections with a daily rhythm.

Everything is written in bulk (a few statements per thousand rows); the points of the demo
collections go to the ledger as entries whose running balances equal the accounts' balances.
Five unbound, uncollected bags of the demo union are left for the guided tour (ctx.notes).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from core.models import Member, Organisation, RoleAssignment, User
from engines.ledger.models import Account, Entry
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
                organisation=org, size=size, created=size, status=BagBatch.Status.READY, created_by=ctx.users.get("district"),
                created_at=created, note="演示批次",
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
                bindings.append((member_id, bound_at, next_bag, next_bag + per_member - 1))
                for bag_id in range(next_bag, next_bag + per_member):
                    bag_rows.append((bag_id, org.pk, org.street_id, member_id))
                next_bag += per_member
            bar.update(1)
        bar.close()
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE bags_bag SET owner_id = %s, bound_at = %s WHERE id BETWEEN %s AND %s", bindings
            )
        _collections(ctx, now, bag_rows, points_by_street, collector_of)
        if demo_union is not None:
            _tour_bags(ctx, demo_union)


def _points(ctx):
    """Two collection points per street; the demo collector serves the first point of their street."""
    collector = ctx.users.get("collector")
    collector_street_id = None
    if collector is not None:
        collector_street_id = RoleAssignment.objects.filter(user=collector, role=RoleAssignment.Role.COLLECTOR).values_list(
            "organisation_id", flat=True
        ).first()
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
                name=f"{base}{label}", street=street, address=f"北京市西城区{base}街道{10 + 7 * k + n}号",
                latitude=39.91 + (n % 5) * 0.012 + k * 0.003, longitude=116.35 + (n // 5) * 0.015 + k * 0.003,
            )
            point.collectors.add(user)
            collector_of[point.pk] = user.pk
            points.append(point)
        points_by_street[street.pk] = points
    return points_by_street, collector_of


def _collections(ctx, now, bag_rows, points_by_street, collector_of) -> None:
    from modules.bags.points import terms_for

    rng = ctx.rng
    categories, cat_weights = zip(*CATEGORY_WEIGHTS)
    terms = {c: terms_for(c, now) for c in Category.values}
    today = timezone.localdate(now)
    day_weights = [1.3 if (today - timedelta(days=d)).weekday() >= 5 else 1.0 for d in range(1, DAYS + 1)]
    hours = list(range(24))
    collections: list[Collection] = []
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
        day = today - timedelta(days=rng.choices(range(1, DAYS + 1), day_weights)[0])
        at = datetime.combine(day, time(rng.choices(hours, HOUR_WEIGHTS)[0], rng.randrange(60), rng.randrange(60)), tzinfo=tz)
        category = rng.choices(categories, cat_weights)[0]
        correct = rng.random() < CORRECT_RATE
        low, high = WEIGHTS[category]
        awarded = 0
        if correct:
            rule = terms[category]
            awarded = max(0, min(rule.points, rule.daily_cap - earned_today[(owner_id, day)]))
            earned_today[(owner_id, day)] += awarded
        collections.append(Collection(
            bag_id=bag_id, client_id=f"demo-{bag_id}", point_id=point.pk, collector_id=collector_of[point.pk], category=category,
            grade=Grade.CORRECT if correct else Grade.WRONG,
            reasons=[] if correct else [rng.choice(WRONG_REASONS[category])],
            weight_grams=rng.randrange(low, high) if rng.random() < 0.8 else None, collected_at=at, owner_id=owner_id,
            organisation_id=org_id, street_id=street_id, points_awarded=awarded,
        ))
    bar.close()
    collections.sort(key=lambda c: c.collected_at)
    Collection.objects.bulk_create(collections, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE bags_bag SET collected_at = %s WHERE id = %s", [(c.collected_at, c.bag_id) for c in collections])
    _ledger(ctx, [c for c in collections if c.points_awarded > 0])


def _ledger(ctx, credited: list[Collection]) -> None:
    """One entry per credited collection, balances running in time order (balance = sum of entries)."""
    if not credited:
        return
    if not credited[0].pk:  # databases that do not return ids from bulk_create
        ids = dict(Collection.objects.filter(client_id__in=[c.client_id for c in credited]).values_list("client_id", "pk"))
        for c in credited:
            c.pk = ids[c.client_id]
    totals: dict[int, int] = defaultdict(int)
    for c in credited:
        totals[c.owner_id] += c.points_awarded
    existing = set(Account.objects.filter(member_id__in=totals, unit=Account.Unit.POINTS).values_list("member_id", flat=True))
    Account.objects.bulk_create(
        [Account(member_id=m, unit=Account.Unit.POINTS) for m in totals if m not in existing], batch_size=5000
    )
    accounts = {m: (pk, bal) for pk, m, bal in Account.objects.filter(member_id__in=totals, unit=Account.Unit.POINTS).values_list("pk", "member_id", "balance")}
    running = {m: bal for m, (_pk, bal) in accounts.items()}
    entries = []
    for c in credited:
        running[c.owner_id] += c.points_awarded
        key = f"{LEDGER_REASON}:{c.pk}"
        entries.append(Entry(
            account_id=accounts[c.owner_id][0], amount=c.points_awarded, balance_after=running[c.owner_id], reason=LEDGER_REASON,
            source=key, idempotency_key=key, memo="垃圾分类投放正确", created_at=c.collected_at,
        ))
    Entry.objects.bulk_create(entries, batch_size=5000)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_account SET balance = balance + %s, total_credited = total_credited + %s, updated_at = %s WHERE id = %s",
            [(total, total, now, accounts[m][0]) for m, total in totals.items()],
        )


def _tour_bags(ctx, union: Organisation) -> None:
    """A small batch of the demo union with five bags nobody has bound: scan one to bind it."""
    batch = BagBatch.objects.create(organisation=union, size=20, created=20, status=BagBatch.Status.READY,
                                    created_by=ctx.users.get("district"), note="演示导览用")
    first, last = insert_bags(batch_id=batch.pk, organisation_id=union.pk, size=20)
    BagBatch.objects.filter(pk=batch.pk).update(first_bag_id=first, last_bag_id=last)
    Bag.objects.filter(pk__range=(first, last)).update(owner=None, bound_at=None, collected_at=None)
    ctx.notes.append(f"演示垃圾袋（{union.name}，未绑定、未回收；职工登录后打开链接即可绑定）：")
    for _id, code in codes.encode_many(first, first + TOUR_BAGS - 1):
        ctx.notes.append(f"  {codes.group(code)}  →  /b/{code}")
