"""Core's demo seeder: a Xicheng-sized organisation tree, rosters, and a login for every role."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from tqdm import tqdm

from core.demo.context import DEMO_PASSWORD, DemoContext
from core.models import CoverageUnit, Member, Organisation, RoleAssignment, User

# The fifteen streets of Xicheng district.
STREET_NAMES = [
    "西长安街", "新街口", "月坛", "展览路", "德胜", "金融街", "什刹海", "大栅栏",
    "天桥", "椿树", "陶然亭", "广安门内", "牛街", "白纸坊", "广安门外",
]
INDUSTRY_NAMES = ["教育系统", "卫生健康系统", "金融系统", "商业服务业", "建设系统", "文化旅游系统", "交通运输系统", "机关"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕文博宇浩然子涵欣怡梓萱一诺思远晨曦佳琪雨桐俊杰"
ENTERPRISE_WORDS = ["科技", "商贸", "物业", "餐饮", "快递", "建设", "文化", "医药", "金融服务", "信息", "环境", "物流"]
KIND_WEIGHTS = [
    (Organisation.Kind.ENTERPRISE, 0.62),
    (Organisation.Kind.COMMUNITY, 0.13),
    (Organisation.Kind.PARK, 0.05),
    (Organisation.Kind.BUILDING, 0.08),
    (Organisation.Kind.INSTITUTION, 0.12),
]
TAGS = [t.value for t in Member.Tag]


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def seed_tree(ctx: DemoContext) -> None:
    rng, scale = ctx.rng, ctx.scale
    with transaction.atomic():
        ctx.district = Organisation.objects.create(name="西城区总工会", level=Organisation.Level.DISTRICT, founded_on=date(1950, 5, 1))
        for name in STREET_NAMES[: scale.streets]:
            ctx.streets.append(
                Organisation.objects.create(name=f"{name}街道总工会", level=Organisation.Level.STREET, parent=ctx.district, address=f"北京市西城区{name}街道")
            )
        for name in INDUSTRY_NAMES[: scale.industries]:
            ctx.industries.append(Organisation.objects.create(name=f"西城区{name}工会", level=Organisation.Level.INDUSTRY, parent=ctx.district))
    _seed_grassroots(ctx)
    _seed_coverage(ctx)
    _seed_members(ctx)
    _seed_logins(ctx)


def _seed_grassroots(ctx: DemoContext) -> None:
    rng, scale = ctx.rng, ctx.scale
    kinds, weights = zip(*KIND_WEIGHTS)
    rows = []
    for i in range(scale.organisations):
        street = ctx.streets[i % len(ctx.streets)]
        kind = rng.choices(kinds, weights)[0]
        parent = street
        if kind == Organisation.Kind.INSTITUTION and ctx.industries:
            parent = rng.choice(ctx.industries)
        base = street.name.replace("街道总工会", "")
        if kind == Organisation.Kind.ENTERPRISE:
            name = f"北京{base}{rng.choice(ENTERPRISE_WORDS)}有限公司{i}工会"
            ownership = rng.choices([Organisation.Ownership.NON_PUBLIC, Organisation.Ownership.STATE, Organisation.Ownership.FOREIGN], [0.75, 0.2, 0.05])[0]
        else:
            label = {"community": "社区", "park": "园区", "building": "大厦", "institution": "学校"}[kind]
            name = f"{base}第{i}{label}工会"
            ownership = ""
        founded = date(2000, 1, 1) + timedelta(days=rng.randrange(0, 365 * 21))
        rows.append(
            Organisation(
                name=name, level=Organisation.Level.GRASSROOTS, kind=kind, ownership=ownership, parent=parent,
                street=street, founded_on=founded, address=f"北京市西城区{base}{rng.randrange(1, 300)}号",
                contact_name=person_name(rng), contact_phone=f"010-{rng.randrange(60000000, 69999999)}",
            )
        )
    with transaction.atomic():
        created = Organisation.objects.bulk_create(rows, batch_size=2000)
        # bulk_create does not run save(): set the materialised paths in one pass.
        parents = {o.pk: o for o in [ctx.district, *ctx.streets, *ctx.industries]}
        for org in created:
            org.path = f"{parents[org.parent_id].path}{org.pk:07d}."
            org.depth = 2
        Organisation.objects.bulk_update(created, ["path", "depth"], batch_size=2000)
    ctx.grassroots = created


def _seed_coverage(ctx: DemoContext) -> None:
    """Every park and community has a union (the article's 100%); a few buildings still lack one."""
    units = []
    for org in ctx.grassroots:
        if org.kind in (Organisation.Kind.PARK, Organisation.Kind.COMMUNITY, Organisation.Kind.BUILDING):
            units.append(CoverageUnit(name=org.name.replace("工会", ""), kind=org.kind, street_id=org.street_id, union=org))
    for i, street in enumerate(ctx.streets):
        units.append(CoverageUnit(name=f"{street.name[:-5]}新建商务楼{i}号", kind=CoverageUnit.Kind.BUILDING, street=street, union=None))
    CoverageUnit.objects.bulk_create(units, batch_size=2000, ignore_conflicts=True)


def _seed_members(ctx: DemoContext) -> None:
    rng, scale = ctx.rng, ctx.scale
    # Organisation sizes follow a long tail: many small unions, a few large ones.
    weights = [rng.paretovariate(1.2) for _ in ctx.grassroots]
    total = sum(weights)
    counts = [max(3, int(scale.members * w / total)) for w in weights]
    phone_seq = 13_800_000_100
    batch: list[Member] = []
    bar = tqdm(total=sum(counts), desc="会员", unit="人", disable=not ctx.progress, mininterval=1)
    for org, count in zip(ctx.grassroots, counts):
        for _ in range(count):
            phone_seq += 1
            tags = [rng.choice(TAGS)] if rng.random() < 0.18 else []
            batch.append(
                Member(
                    organisation_id=org.pk, name=person_name(rng), phone=str(phone_seq), employee_no=f"E{phone_seq % 1_000_000:06d}",
                    gender=rng.choice("MF"), birth_year=rng.randrange(1962, 2004), tags=tags,
                    ranking_consent=rng.random() < 0.6, joined_on=date(2010, 1, 1) + timedelta(days=rng.randrange(0, 365 * 10)),
                )
            )
            if len(batch) >= 5000:
                Member.objects.bulk_create(batch, batch_size=5000)
                bar.update(len(batch))
                batch = []
    if batch:
        Member.objects.bulk_create(batch, batch_size=5000)
        bar.update(len(batch))
    bar.close()
    for org, count in zip(ctx.grassroots, counts):
        org.member_count = count
    Organisation.objects.bulk_update(ctx.grassroots, ["member_count"], batch_size=2000)


def _seed_logins(ctx: DemoContext) -> None:
    street = ctx.streets[6] if len(ctx.streets) > 6 else ctx.streets[0]  # 什刹海
    grassroots = next(o for o in ctx.grassroots if o.street_id == street.pk and o.kind == Organisation.Kind.ENTERPRISE)
    Role = RoleAssignment.Role
    for username, name, role, org in [
        ("district", "区总工会演示账号", Role.DISTRICT_STAFF, ctx.district),
        ("street", f"{street.name}演示账号", Role.STREET_STAFF, street),
        ("grassroots", f"{grassroots.name}管理员", Role.GRASSROOTS_ADMIN, grassroots),
        ("collector", "分拣员演示账号", Role.COLLECTOR, street),
        ("inspector", "检查员演示账号", Role.INSPECTOR, ctx.district),
    ]:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=name, is_staff=role != Role.COLLECTOR and role != Role.INSPECTOR)
        if role == Role.DISTRICT_STAFF:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        RoleAssignment.objects.create(user=user, role=role, organisation=org)
        ctx.users[username] = user
    for i, name in enumerate(["张小明", "李华", "王芳", "赵强", "陈静"]):
        phone = f"1380000000{i + 1}"
        member = Member.objects.create(organisation=grassroots, name=name, phone=phone, employee_no=f"D{i + 1:03d}", ranking_consent=i != 1)
        ctx.demo_workers.append(member)
    grassroots.member_count += 5
    grassroots.save(update_fields=["member_count"])
