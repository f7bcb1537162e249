"""Demo data: about 900 stations spread over Xicheng's streets (572 built in 2019, 332 in 2020,
all funded), the 2020 rubric and an inspection plan for the demo inspector with a few stations
done and one fix task open."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.models import Member, RoleAssignment
from engines.review import services as review
from modules.stations import hours as hours_mod
from modules.stations import services
from modules.stations.models import (
    SERVICES,
    InspectionAssignment,
    Kind,
    ProblemKind,
    ProblemReport,
    Station,
    StationGrant,
    StationOpenSlot,
    StationRating,
    StationStatusChange,
    StationTask,
    Status,
)

# Rough centres of Xicheng's streets (WGS-84), inside lat 39.86–39.96, lng 116.32–116.40.
CENTRES = {
    "西长安街": (39.9050, 116.3800),
    "新街口": (39.9450, 116.3650),
    "月坛": (39.9150, 116.3450),
    "展览路": (39.9300, 116.3350),
    "德胜": (39.9550, 116.3750),
    "金融街": (39.9150, 116.3600),
    "什刹海": (39.9400, 116.3850),
    "大栅栏": (39.8950, 116.3930),
    "天桥": (39.8830, 116.3950),
    "椿树": (39.8950, 116.3750),
    "陶然亭": (39.8750, 116.3800),
    "广安门内": (39.8930, 116.3550),
    "牛街": (39.8850, 116.3650),
    "白纸坊": (39.8700, 116.3550),
    "广安门外": (39.8900, 116.3300),
}
LANDMARKS = ["地铁站口", "公交站旁", "商场东门", "菜市场北侧", "社区服务中心", "银行网点", "快递驿站旁", "公园南门", "胡同口", "写字楼大堂"]
ROADS = ["大街", "胡同", "路", "南街", "北街", "西里", "东里"]
NAMES = {
    "shop": "便利店驿站",
    "bank": "银行网点驿站",
    "office": "楼宇驿站",
    "community": "社区驿站",
    "union": "工会服务站驿站",
    "other": "爱心驿站",
}
# the registry takes build years from 2000 (forms.StationForm.built_year)
FIRST_BUILD_YEAR = 2000
ALL_DAY = ["全天"] * 7
HOURS = [
    ["08:00-20:00"] * 7,
    ["09:00-18:00"] * 5 + ["休息", "休息"],
    ["07:00-11:30,13:00-21:00"] * 6 + ["休息"],
    ALL_DAY,
    ["08:30-17:30"] * 5 + ["09:00-16:00", "休息"],
    ["06:00-22:00"] * 7,
    ["18:00-08:00"] * 7,  # night stations for sanitation workers
]
KIND_WEIGHTS = [("shop", 30), ("bank", 25), ("office", 12), ("community", 18), ("union", 10), ("other", 5)]
RUBRIC_ITEMS = [
    {
        "code": "signage",
        "title": "标识标牌醒目",
        "weight": 10,
        "max_score": 10,
        "pass_score": 6,
        "guide": "门口有统一“职工暖心驿站”标识，职工容易找到",
    },
    {
        "code": "hours",
        "title": "按公示时间开放",
        "weight": 20,
        "max_score": 10,
        "pass_score": 6,
        "guide": "在公示的开放时间内抽查，能正常进入",
    },
    {
        "code": "services",
        "title": "服务项目齐全可用",
        "weight": 25,
        "max_score": 10,
        "pass_score": 6,
        "guide": "饮水、热饭、充电等公示服务均可使用",
    },
    {"code": "clean", "title": "环境整洁卫生", "weight": 15, "max_score": 10, "pass_score": 6, "guide": "桌椅、地面、微波炉等干净整洁"},
    {"code": "records", "title": "台账记录完整", "weight": 10, "max_score": 10, "pass_score": 6, "guide": "有使用登记、物资补充和维护记录"},
    {
        "code": "satisfaction",
        "title": "职工满意度",
        "weight": 20,
        "max_score": 10,
        "pass_score": 6,
        "guide": "现场询问 3 名以上户外劳动者的满意程度",
    },
]


def seed_stations(ctx) -> None:
    rng = ctx.rng
    n_2019, n_2020 = (572, 332) if ctx.scale.name != "tiny" else (38, 22)
    by_street = {}
    for org in ctx.grassroots:
        by_street.setdefault(org.street_id, []).append(org)
    streets = [s for s in ctx.streets if by_street.get(s.pk)]
    admin_org = (
        RoleAssignment.objects.filter(user=ctx.users["grassroots"], role=RoleAssignment.Role.GRASSROOTS_ADMIN)
        .values_list("organisation", flat=True)
        .first()
    )
    kinds, weights = zip(*KIND_WEIGHTS, strict=False)
    bits = [b for _c, b, _l in SERVICES]
    rows = []
    for i in range(n_2019 + n_2020):
        street = streets[i % len(streets)]
        base = street.name.replace("街道总工会", "")
        clat, clng = CENTRES.get(base, (39.91, 116.36))
        lat = min(39.96, max(39.86, rng.gauss(clat, 0.007)))
        lng = min(116.40, max(116.32, rng.gauss(clng, 0.008)))
        # Each street's first station is its all-day anchor near the street's centre, so a worker who
        # types a street finds an open station there at any hour (and the browser journey that does
        # so passes whatever the time of day CI runs at). The draws above still happen, so every
        # other station keeps its place.
        anchor = i < len(streets)
        if anchor:
            lat, lng = clat + (lat - clat) / 4, clng + (lng - clng) / 4
        hosts = by_street[street.pk]
        host = (
            next((o for o in hosts if o.pk == admin_org), hosts[0])
            if i < len(streets) * 2 and admin_org in {o.pk for o in hosts}
            else rng.choice(hosts)
        )
        kind = rng.choices(kinds, weights)[0]
        services_mask = 1 | 4 | 8  # water, charging and seats everywhere
        for bit in bits[3:]:
            if rng.random() < 0.45:
                services_mask |= bit
        if rng.random() < 0.6:
            services_mask |= 2
        year = 2019 if i < n_2019 else 2020
        hours = hours_mod.parse_week(rng.choices(HOURS, [30, 20, 15, 8, 15, 10, 2])[0])
        status = Status.OPEN if rng.random() > 0.03 else Status.SUSPENDED
        if anchor:
            hours, status = hours_mod.parse_week(ALL_DAY), Status.OPEN
        rows.append(
            Station(
                name=f"{base}{rng.choice(LANDMARKS)[:2]}{NAMES[kind]}{i + 1:03d}号",
                host=host,
                street=street,
                kind=kind,
                address=f"北京市西城区{base}{rng.choice('东西南北中')}{rng.choice(ROADS)}{rng.randrange(1, 200)}号",
                landmark=rng.choice(LANDMARKS),
                lat=round(lat, 6),
                lng=round(lng, 6),
                hours=hours,
                services=services_mask,
                capacity=rng.choice([4, 6, 8, 10, 15, 20]),
                contact_name=f"{rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice(['经理', '站长', '主任'])}",
                contact_phone=f"010-{rng.randrange(60000000, 69999999)}",
                status=status,
                built_year=year,
            )
        )
    # two stations still being built for 2021
    for street in streets[:2]:
        host = rng.choice(by_street[street.pk])
        clat, clng = CENTRES.get(street.name.replace("街道总工会", ""), (39.91, 116.36))
        rows.append(
            Station(
                name=f"{street.name.replace('街道总工会', '')}新建驿站",
                host=host,
                street=street,
                kind=Kind.UNION,
                address=f"{street.address}在建点",
                lat=clat,
                lng=clng,
                hours=hours_mod.parse_week(HOURS[0]),
                services=1 | 4 | 8,
                status=Status.BUILDING,
            )
        )
    with transaction.atomic():
        created = Station.objects.bulk_create(rows, batch_size=1000)
        slots, changes, grants = [], [], []
        for s in created:
            slots.extend(StationOpenSlot(station=s, start=a, end=b) for a, b in hours_mod.slots(s.hours))
            opened = (
                timezone.make_aware(datetime(s.built_year or 2020, rng.randrange(3, 12), rng.randrange(1, 28), 10))
                if s.built_year
                else timezone.now()
            )
            changes.append(
                StationStatusChange(station=s, from_status="", to_status=Status.BUILDING, at=opened - timedelta(days=30), reason="登记")
            )
            if s.status != Status.BUILDING:
                changes.append(
                    StationStatusChange(station=s, from_status=Status.BUILDING, to_status=Status.OPEN, at=opened, reason="建成开放")
                )
            if s.status == Status.SUSPENDED:
                changes.append(
                    StationStatusChange(
                        station=s,
                        from_status=Status.OPEN,
                        to_status=Status.SUSPENDED,
                        at=opened + timedelta(days=200),
                        reason="门店装修，暂停服务",
                    )
                )
            if s.built_year:
                grants.append(
                    StationGrant(station=s, year=s.built_year, amount_fen=rng.choice([5000, 8000, 10000, 15000]) * 100, note="建站资助")
                )
                if s.built_year == 2019:
                    grants.append(StationGrant(station=s, year=2020, amount_fen=rng.choice([2000, 3000]) * 100, note="运行维护补贴"))
        StationOpenSlot.objects.bulk_create(slots, batch_size=5000)
        StationStatusChange.objects.bulk_create(changes, batch_size=5000)
        StationGrant.objects.bulk_create(grants, batch_size=5000)
        member_ids = list(Member.objects.values_list("pk", flat=True)[:400])
        today = timezone.localdate()
        ratings = {
            (rng.choice(created).pk, m, today - timedelta(days=rng.randrange(0, 60))): rng.choice([3, 4, 4, 5, 5, 5]) for m in member_ids
        }
        StationRating.objects.bulk_create(
            [StationRating(station_id=s, member_id=m, day=d, stars=v) for (s, m, d), v in ratings.items() if True], batch_size=2000
        )
    _seed_inspection(ctx, [s for s in created if s.status == Status.OPEN])
    if ctx.demo_workers:
        station = next(s for s in created if s.host_id == admin_org) if admin_org else created[0]
        report = ProblemReport.objects.create(
            station=station, member=ctx.demo_workers[0], kind=ProblemKind.NO_WATER, description="饮水机没有水了"
        )
        StationTask.objects.create(
            station=station,
            kind=StationTask.Kind.PROBLEM,
            problem=report,
            title=f"{ProblemKind.NO_WATER.label}：{station.name}",
            detail=report.description,
        )
    ctx.notes.append(f"暖心驿站：{len(created)} 个驿站；职工找驿站 /stations/find/，检查员 inspector 登录后 /stations/inspect/")


def _seed_inspection(ctx, open_stations) -> None:
    staff, inspector = ctx.users["district"], ctx.users["inspector"]
    rubric = review.rubric_create(actor=staff, key="stations.inspection.2020", name="2020年度职工暖心驿站检查评估标准", items=RUBRIC_ITEMS)
    plan = services.plan_create(actor=staff, year=2020, name="2020年度职工暖心驿站检查评估", rubric=rubric, fix_days=30)
    chosen = open_stations[:: max(1, len(open_stations) // 40)][:40]
    services.plan_assign(actor=staff, plan=plan, stations=chosen, inspector=inspector)
    assignments = list(InspectionAssignment.objects.filter(plan=plan).order_by("pk")[:4])
    marks = [
        {"signage": 9, "hours": 10, "services": 9, "clean": 9, "records": 8, "satisfaction": 10},
        {"signage": 8, "hours": 8, "services": 7, "clean": 8, "records": 7, "satisfaction": 8},
        {"signage": 7, "hours": 9, "services": 8, "clean": 5, "records": 6, "satisfaction": 7},  # cleanliness fails → fix task
    ]
    for n, (assignment, scores) in enumerate(zip(assignments, marks, strict=False)):
        services.inspection_submit(
            actor=inspector,
            assignment=assignment,
            client_key=f"demo-seed-{plan.pk}-{n}",
            scores=scores,
            notes={"clean": "微波炉内有油污，垃圾未及时清理"} if scores["clean"] < 6 else {},
            comment="现场检查",
        )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# “10月起 … 对已拨付建设经费904家暖心驿站进行走访调研” and “在904家的基础上，今年新建成职工暖心驿站332家”:
# 904 stations built before the year whose construction money had been paid before it, all of them
# visited from October in the year's inspection and evaluation, and 332 new stations built in the
# year — 1,236 in all by its end.
ARTICLE_BASE, ARTICLE_BUILT, ARTICLE_INSPECTED = 904, 332, 904
ARTICLE_FUNDED = ARTICLE_BASE  # the review's key is stations.funded


def seed_year(ctx, year: int) -> None:
    """Tops the year up to the article's figures, counted as the review counts them, through the
    stations' services: the base of 904 (built and funded before the year), the 332 built in it,
    and 904 inspections of the year's plan done between October and December. A second run adds nothing."""
    from modules.stations.selectors import funded_before_ids

    staff = ctx.users["district"]
    old = Station.objects.filter(built_year__lt=year)
    base = set(old.filter(pk__in=funded_before_ids(year)).values_list("pk", flat=True))
    missing = max(0, ARTICLE_BASE - len(base))
    # stations of the years before that never got money are funded first (in the year they were built)
    for station in old.exclude(pk__in=base).order_by("pk")[:missing]:
        services.grant_add(actor=staff, station=station, year=station.built_year, amount_fen=_grant(ctx), note="建站资助")
        base.add(station.pk)
    missing = max(0, ARTICLE_BASE - len(base))
    for station in _year_stations(ctx, year, missing, built=lambda i: max(FIRST_BUILD_YEAR, year - 1 - i % 3)):
        services.grant_add(actor=staff, station=station, year=station.built_year, amount_fen=_grant(ctx), note="建站资助")
        base.add(station.pk)
    new = max(0, ARTICLE_BUILT - Station.objects.filter(built_year=year).count())
    for station in _year_stations(ctx, year, new, built=lambda i: year):
        services.grant_add(actor=staff, station=station, year=year, amount_fen=_grant(ctx), note="建站资助")
    _seed_year_inspection(ctx, year, base)


def _grant(ctx) -> int:
    return ctx.rng.choice([5000, 8000, 10000, 15000]) * 100


def _year_stations(ctx, year: int, n: int, built) -> list[Station]:
    """``n`` open stations registered through the service, spread over the streets; ``built(i)`` their year."""
    if n <= 0:
        return []
    rng, staff = ctx.rng, ctx.users["district"]
    streets = [s for s in ctx.streets if any(o.street_id == s.pk for o in ctx.grassroots)]
    hosts: dict[int, list] = {}
    for org in ctx.grassroots:
        hosts.setdefault(org.street_id, []).append(org)
    serial = Station.objects.filter(name__contains=f"{year}驿站").count()
    out = []
    for i in range(n):
        street = streets[i % len(streets)] if streets else None
        host = rng.choice(hosts.get(street.pk) if street is not None else ctx.grassroots)
        base = (street or host.street).name.replace("街道总工会", "")
        clat, clng = CENTRES.get(base, (39.91, 116.36))
        serial += 1
        data = {
            "name": f"{base}{year}驿站{serial:04d}号",
            "host": host,
            "street": host.street or street,
            "kind": rng.choice([k for k, _w in KIND_WEIGHTS]),
            "address": f"北京市西城区{base}{rng.choice(ROADS)}{rng.randrange(1, 200)}号",
            "landmark": rng.choice(LANDMARKS),
            "lat": round(min(39.96, max(39.86, rng.gauss(clat, 0.007))), 6),
            "lng": round(min(116.40, max(116.32, rng.gauss(clng, 0.008))), 6),
            "hours": rng.choices(HOURS[:6], [30, 20, 15, 8, 15, 10])[0],
            "services": ["water", "charging", "seats"] + [c for c in ("heating", "toilet", "first_aid", "climate") if rng.random() < 0.5],
            "capacity": rng.choice([4, 6, 8, 10]),
            "built_year": built(i),
        }
        out.append(services.station_create(actor=staff, data=data, status=Status.OPEN, reason="建成开放"))
    return out


def _inspector():
    """The demo's inspector (the first active one), or one made for the year's plan."""
    from core.models import User

    Role = RoleAssignment.Role
    inspector = User.objects.filter(roles__role=Role.INSPECTOR, is_active=True).order_by("pk").first()
    if inspector is None:
        name = "inspector" if not User.objects.filter(username="inspector").exists() else "inspector-demo"
        inspector = User.objects.create(username=name, display_name="检查员演示账号")
        inspector.set_unusable_password()
        inspector.save(update_fields=["password"])
        district = RoleAssignment.objects.filter(role=Role.DISTRICT_STAFF).values_list("organisation", flat=True).first()
        RoleAssignment.objects.create(user=inspector, role=Role.INSPECTOR, organisation_id=district)
    return inspector


def _seed_year_inspection(ctx, year: int, base: set[int]) -> None:
    """The year's plan (made once) and its inspections, up to 904 stations visited: the base first,
    each checklist sent through ``inspection_submit`` with its visit between 1 October and 31 December."""
    from engines.review.models import Rubric
    from modules.stations.models import InspectionPlan
    from modules.stations.selectors import inspected_ids

    rng, staff = ctx.rng, ctx.users["district"]
    done = set(inspected_ids(year).values_list("station_id", flat=True).distinct())
    need = max(0, ARTICLE_INSPECTED - len(done))
    if not need:
        return
    plan = InspectionPlan.objects.filter(year=year).select_related("rubric").order_by("pk").first()
    if plan is None:
        key = f"stations.inspection.{year}"
        rubric = Rubric.objects.filter(key=key).order_by("-version").first() or review.rubric_create(
            actor=staff, key=key, name=f"{year}年度职工暖心驿站检查评估标准", items=RUBRIC_ITEMS
        )
        plan = services.plan_create(actor=staff, year=year, name=f"{year}年度职工暖心驿站检查评估", rubric=rubric, fix_days=30)
    chosen = sorted(base - done)[:need]
    if len(chosen) < need:  # more visits than the base holds: other stations built by the year's end
        more = Station.objects.filter(built_year__lte=year).exclude(pk__in=done | set(chosen)).order_by("pk")
        chosen += list(more.values_list("pk", flat=True)[: need - len(chosen)])
    services.plan_assign(actor=staff, plan=plan, stations=chosen, inspector=_inspector())
    items = list(plan.rubric.items.all())
    start = datetime(year, 10, 1, 9)
    span = (datetime(year, 12, 31, 17) - start).days
    assignments = InspectionAssignment.objects.filter(plan=plan, station_id__in=chosen, state=InspectionAssignment.State.PENDING)
    for assignment in assignments.select_related("inspector").order_by("pk"):
        day = start + timedelta(days=rng.randrange(0, span + 1), hours=rng.randrange(0, 8), minutes=rng.randrange(0, 60))
        # every item passes (no fix task is left open from a past year); the marks still vary
        scores = {i.code: rng.randint(int(i.pass_score if i.pass_score is not None else 0), int(i.max_score)) for i in items}
        services.inspection_submit(
            actor=assignment.inspector,
            assignment=assignment,
            client_key=f"year-{year}-{plan.pk}-{assignment.pk}",
            scores=scores,
            comment="走访调研",
            visited_at=timezone.make_aware(day),
        )
