"""Core's demo seeder: a Xicheng-sized organisation tree, rosters, and a login for every role."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from core.demo.context import DEMO_PASSWORD, DemoContext
from core.models import CoverageUnit, Member, MemberTransfer, Organisation, RoleAssignment, User
from core.validators import make_credit_code

# The fifteen streets of Xicheng district.
STREET_NAMES = [
    "西长安街",
    "新街口",
    "月坛",
    "展览路",
    "德胜",
    "金融街",
    "什刹海",
    "大栅栏",
    "天桥",
    "椿树",
    "陶然亭",
    "广安门内",
    "牛街",
    "白纸坊",
    "广安门外",
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


def _founded_on(rng, kind, ownership) -> date:
    """Older unions in institutions and state firms; a wave of new unions in non-public firms since 2015."""
    today = timezone.localdate()
    if ownership == Organisation.Ownership.NON_PUBLIC and rng.random() < 0.55:
        start = date(2015, 1, 1)
    else:
        start = date(1995, 1, 1)
    return start + timedelta(days=rng.randrange(0, (today - start).days))


def seed_tree(ctx: DemoContext) -> None:
    scale = ctx.scale
    with transaction.atomic():
        ctx.district = Organisation.objects.create(name="西城区总工会", level=Organisation.Level.DISTRICT, founded_on=date(1950, 5, 1))
        for name in STREET_NAMES[: scale.streets]:
            ctx.streets.append(
                Organisation.objects.create(
                    name=f"{name}街道总工会", level=Organisation.Level.STREET, parent=ctx.district, address=f"北京市西城区{name}街道"
                )
            )
        for name in INDUSTRY_NAMES[: scale.industries]:
            ctx.industries.append(
                Organisation.objects.create(name=f"西城区{name}工会", level=Organisation.Level.INDUSTRY, parent=ctx.district)
            )
    _seed_grassroots(ctx)
    _seed_coverage(ctx)
    _seed_members(ctx)
    _seed_logins(ctx)


def _seed_grassroots(ctx: DemoContext) -> None:
    rng, scale = ctx.rng, ctx.scale
    kinds, weights = zip(*KIND_WEIGHTS, strict=True)
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
            ownership = rng.choices(
                [Organisation.Ownership.NON_PUBLIC, Organisation.Ownership.STATE, Organisation.Ownership.FOREIGN], [0.75, 0.2, 0.05]
            )[0]
        else:
            label = {"community": "社区", "park": "园区", "building": "大厦", "institution": "学校"}[kind]
            name = f"{base}第{i}{label}工会"
            ownership = ""
        founded = _founded_on(rng, kind, ownership)
        credit_code = make_credit_code(f"9111010{rng.randrange(2, 8)}{i:09d}") if kind == Organisation.Kind.ENTERPRISE else ""
        rows.append(
            Organisation(
                name=name,
                level=Organisation.Level.GRASSROOTS,
                kind=kind,
                ownership=ownership,
                parent=parent,
                credit_code=credit_code,
                street=street,
                founded_on=founded,
                address=f"北京市西城区{base}{rng.randrange(1, 300)}号",
                contact_name=person_name(rng),
                contact_phone=f"010-{rng.randrange(60000000, 69999999)}",
            )
        )
    with transaction.atomic():
        created = Organisation.objects.bulk_create(rows, batch_size=2000)
        # bulk_create does not run save(): set the materialised paths in one pass.
        parents = {o.pk: o for o in [ctx.district, *ctx.streets, *ctx.industries]}
        for org in created:
            org.path = f"{parents[org.parent_id].path}{org.pk:07d}."
            org.depth = 2
        _update_many(created, ["path", "depth"])
    ctx.grassroots = created


def _update_many(orgs: list[Organisation], fields: list[str]) -> None:
    """One prepared UPDATE run for every row (bulk_update's CASE expressions cost seconds here)."""
    sets = ", ".join(f"{f} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Organisation._meta.db_table} SET {sets} WHERE id = %s",
            [tuple(getattr(o, f) for f in fields) + (o.pk,) for o in orgs],
        )


def _seed_coverage(ctx: DemoContext) -> None:
    """Every park and community has a union (the article's 100%); a few buildings still lack one."""
    units = []
    for org in ctx.grassroots:
        if org.kind in (Organisation.Kind.PARK, Organisation.Kind.COMMUNITY, Organisation.Kind.BUILDING):
            units.append(CoverageUnit(name=org.name.replace("工会", ""), kind=org.kind, street_id=org.street_id, union=org))
    for i, street in enumerate(ctx.streets):
        units.append(CoverageUnit(name=f"{street.name[:-5]}新建商务楼{i}号", kind=CoverageUnit.Kind.BUILDING, street=street, union=None))
    CoverageUnit.objects.bulk_create(units, batch_size=2000, ignore_conflicts=True)


def _member_rows(ctx: DemoContext, counts):
    """Member field tuples, generated lazily (a million rows never sit in memory at once)."""
    rng = ctx.rng
    surnames, given, tags_all = SURNAMES, GIVEN, TAGS
    phone_seq = 13_800_000_100
    start = date(2008, 1, 1).toordinal()
    span = timezone.localdate().toordinal() - start
    for org, count in zip(ctx.grassroots, counts, strict=True):
        for _ in range(count):
            phone_seq += 1
            r, q = rng.random(), rng.random()
            name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if r < 0.7 else "")
            tags = [tags_all[int(q * 1000) % len(tags_all)]] if q > 0.82 else []
            yield (
                org.pk,
                name,
                str(phone_seq),
                f"E{phone_seq % 1_000_000:06d}",
                "M" if q < 0.52 else "F",
                1962 + int(r * 997) % 42,
                tags,
                q < 0.6,
                date.fromordinal(start + int(q * 7_919_993) % span),
            )


def _seed_members(ctx: DemoContext) -> None:
    rng, scale = ctx.rng, ctx.scale
    # Organisation sizes follow a long tail: many small unions, a few large ones.
    weights = [rng.paretovariate(1.2) for _ in ctx.grassroots]
    total = sum(weights)
    counts = [max(3, int(scale.members * w / total)) for w in weights]
    counts[weights.index(max(weights))] += max(0, scale.members - sum(counts))  # exactly the scale's size
    bar = tqdm(total=sum(counts), desc="会员", unit="人", disable=not ctx.progress, mininterval=1, unit_scale=True)
    rows = _member_rows(ctx, counts)
    if connection.vendor == "postgresql":
        _copy_members(rows, bar)
    else:
        _bulk_members(rows, bar)
    bar.close()
    for org, count in zip(ctx.grassroots, counts, strict=True):
        org.member_count = count
    _update_many(ctx.grassroots, ["member_count"])
    _seed_transfers(ctx)


MEMBER_COLUMNS = (
    "organisation_id, name, phone, employee_no, gender, birth_year, tags, status, ranking_consent, joined_on, created_at, updated_at"
)


def _bulk_members(rows, bar) -> None:
    """SQLite: one prepared INSERT run by executemany (ORM bulk_create splits into 71-row statements)."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = f"INSERT INTO {Member._meta.db_table} ({MEMBER_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for org_id, name, phone, no, gender, birth, tags, consent, joined in rows:
            batch.append((org_id, name, phone, no, gender, birth, json.dumps(tags), "active", consent, joined.isoformat(), stamp, stamp))
            if len(batch) >= 10000:
                cursor.executemany(sql, batch)
                bar.update(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            bar.update(len(batch))


def _copy_members(rows, bar) -> None:
    """PostgreSQL COPY: about ten times faster than INSERTs for a million members."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY {Member._meta.db_table} ({MEMBER_COLUMNS}) FROM STDIN") as copy:
            for n, (org_id, name, phone, no, gender, birth, tags, consent, joined) in enumerate(rows, start=1):
                copy.write_row((org_id, name, phone, no, gender, birth, json.dumps(tags), "active", consent, joined, now, now))
                if n % 20000 == 0:
                    bar.update(20000)
            bar.update(n % 20000)


def _seed_transfers(ctx: DemoContext) -> None:
    """A few members moved between unions of the same street, so the history page has something to show."""
    rng = ctx.rng
    by_street: dict[int, list[Organisation]] = {}
    for org in ctx.grassroots:
        by_street.setdefault(org.street_id, []).append(org)
    moved = []
    for orgs in by_street.values():
        if len(orgs) < 2:
            continue
        for _ in range(3):
            source, target = rng.sample(orgs, 2)
            member = Member.objects.filter(organisation_id=source.pk).order_by("pk").first()
            if member is None:
                continue
            Member.objects.filter(pk=member.pk).update(organisation_id=target.pk)
            moved.append(MemberTransfer(member=member, from_organisation_id=source.pk, to_organisation_id=target.pk, note="工作调动"))
            source.member_count -= 1
            target.member_count += 1
    MemberTransfer.objects.bulk_create(moved)
    _update_many(ctx.grassroots, ["member_count"])


def _seed_logins(ctx: DemoContext) -> None:
    street = ctx.streets[6] if len(ctx.streets) > 6 else ctx.streets[0]  # 什刹海
    grassroots = next(o for o in ctx.grassroots if o.street_id == street.pk and o.kind == Organisation.Kind.ENTERPRISE)
    Role = RoleAssignment.Role
    password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is deliberately slow
    for username, name, role, org in [
        ("district", "区总工会演示账号", Role.DISTRICT_STAFF, ctx.district),
        ("street", f"{street.name}演示账号", Role.STREET_STAFF, street),
        ("grassroots", f"{grassroots.name}管理员", Role.GRASSROOTS_ADMIN, grassroots),
        ("collector", "分拣员演示账号", Role.COLLECTOR, street),
        ("inspector", "检查员演示账号", Role.INSPECTOR, ctx.district),
    ]:
        user = User.objects.create(
            username=username, password=password, display_name=name, is_staff=role != Role.COLLECTOR and role != Role.INSPECTOR
        )
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
