"""Demo data of the prize shop: pickup places, a shelf of prizes, points for the demo workers,
and a few redemptions in every state so the pages and reports have something to show."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.demo.context import DemoContext
from core.models import Organisation
from modules.prizes.models import PickupPlace, Redemption
from modules.prizes.services import (
    demo_points_grant,
    prize_create,
    redemption_cancel,
    redemption_create,
    redemption_hand_over,
)

DEMO_GRANT = 300

# name, price, stock, per-person limit, pickup days, description, offered by ("district" or "union")
PRIZES = [
    ("环保购物袋", 20, 200, 2, 14, "可折叠无纺布购物袋，减少一次性塑料袋使用。", "district"),
    ("厨余沥水篮", 30, 120, 1, 14, "水槽角落沥水篮，厨余垃圾先沥干再投放。", "district"),
    ("分类垃圾桶（双格）", 80, 40, 1, 14, "厨余 / 其他双格分类桶，15 升。", "district"),
    ("洗衣液 2kg", 60, 80, 2, 14, "低泡易漂洗洗衣液一瓶。", "district"),
    ("可降解垃圾袋（3 卷）", 15, 300, 3, 14, "全生物降解垃圾袋，每卷 30 只。", "district"),
    ("电影票", 120, 30, 1, 7, "合作影院通兑电影票一张，领取后 30 天内有效。", "district"),
    ("职工体检套餐", 500, 6, 1, 30, "合作体检中心基础体检套餐一份，凭兑换凭证预约。", "district"),
    # Four left, under the alert line of five: the staff dashboard shows a stock alert.
    ("保温杯", 90, 4, 1, 14, "304 不锈钢保温杯，500 毫升。库存不多，先到先得。", "district"),
    ("工会定制帆布包", 40, 50, 1, 14, "本单位工会定制帆布包。", "union"),
]


def seed_prizes(ctx: DemoContext) -> None:
    union = ctx.demo_workers[0].organisation if ctx.demo_workers else None
    if union is None or ctx.district is None:
        return
    district_user = ctx.users["district"]
    admin = ctx.users.get("grassroots")
    street = Organisation.objects.get(pk=union.street_id) if union.street_id else ctx.streets[0]
    other_street = next((s for s in ctx.streets if s.pk != street.pk and "金融街" in s.name), ctx.streets[-1])
    today = timezone.localdate()
    with transaction.atomic():
        office = PickupPlace.objects.create(
            name=f"{union.name}办公室",
            kind=PickupPlace.Kind.UNION_OFFICE,
            organisation=union,
            address=union.address or "北京市西城区",
            opening_note="工作日 9:00-17:00",
        )
        if admin is not None:
            office.operators.add(admin)
        station_a = PickupPlace.objects.create(
            name=f"{street.name.replace('街道总工会', '')}职工暖心驿站",
            kind=PickupPlace.Kind.REST_STATION,
            organisation=street,
            address=f"北京市西城区{street.name.replace('街道总工会', '')}街道服务站一层",
            opening_note="每日 8:00-20:00",
        )
        station_b = PickupPlace.objects.create(
            name=f"{other_street.name.replace('街道总工会', '')}职工暖心驿站",
            kind=PickupPlace.Kind.REST_STATION,
            organisation=other_street,
            address=f"北京市西城区{other_street.name.replace('街道总工会', '')}大街 3 号",
            opening_note="每日 7:30-21:00",
        )
        prizes = {}
        for name, price, stock, limit, days, description, offered_by in PRIZES:
            mine = offered_by == "union"
            prizes[name] = prize_create(
                actor=district_user,
                name=name,
                description=description,
                organisation=union if mine else ctx.district,
                points_price=price,
                stock_listed=stock,
                per_person_limit=limit,
                pickup_days=days,
                valid_from=today - timedelta(days=30),
                valid_until=today + timedelta(days=120),
                stock_alert_threshold=5,
                places=[office] if mine else [office, station_a, station_b],
            )
    for member in ctx.demo_workers:
        demo_points_grant(member_id=member.pk, amount=DEMO_GRANT)
    _sample_redemptions(ctx, prizes, office, station_a, admin)
    ctx.notes.append(
        f"积分兑换：演示职工至少各有 {DEMO_GRANT} 积分，手机登录后打开 /prizes/ 兑换；"
        f"基层工会账号 grassroots 是「{office.name}」的核销员（/prizes/pickup/）。"
    )


def _sample_redemptions(ctx, prizes, office, station, admin) -> None:
    """The second to fifth demo workers (the first stays untouched for a newcomer) redeem a little."""
    workers = ctx.demo_workers[1:5]
    if len(workers) < 4 or admin is None:
        return
    district_user = ctx.users["district"]
    bag = prizes["环保购物袋"]
    done = redemption_create(
        actor=None, member=workers[0], prize_id=bag.pk, place_id=office.pk, idempotency_key="demo-redeem-0001"
    ).redemption
    redemption_hand_over(actor=admin, place_id=office.pk, code=done.code)
    redemption_create(
        actor=None, member=workers[1], prize_id=prizes["洗衣液 2kg"].pk, place_id=station.pk, idempotency_key="demo-redeem-0002"
    )
    redemption_create(
        actor=None, member=workers[2], prize_id=prizes["厨余沥水篮"].pk, place_id=office.pk, idempotency_key="demo-redeem-0003"
    )
    cancelled = redemption_create(
        actor=None, member=workers[3], prize_id=prizes["电影票"].pk, place_id=office.pk, idempotency_key="demo-redeem-0004"
    ).redemption
    redemption_cancel(actor=district_user, redemption_id=cancelled.pk, reason="影院合作调整，改兑其他奖品")
    # One left unclaimed past its deadline: the scheduler's next run refunds it.
    overdue = redemption_create(
        actor=None, member=workers[3], prize_id=bag.pk, place_id=station.pk, idempotency_key="demo-redeem-0005"
    ).redemption
    Redemption.objects.filter(pk=overdue.pk).update(expires_at=timezone.now() - timedelta(hours=1))
