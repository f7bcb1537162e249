"""Demo data scaled like the seed article: last year's round finished (3 national advanced
workers, 9 Beijing model collectives, 56 Beijing model workers conferred, quotas tilted to
front-line and epidemic workers), this year's district round under way with work waiting for
each demo role; the craftsman alliance (craftsmen, works, needs matched); the 紫砂 class of 30+
on site for 8 days and 500+ online; a skills competition ranked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.demo.context import DEMO_PASSWORD
from core.models import Member, RoleAssignment, User
from core.services import worker_user_for_phone
from engines.workflow.models import Case, Event
from modules.honours import services, services_craft
from modules.honours.models import (
    Course,
    Craftsman,
    Enrolment,
    ExchangePost,
    Honour,
    Lesson,
    LessonView,
    Nomination,
    OnlineEnrolment,
    PastHonour,
    PersonCategory,
    Quota,
    Session,
    Work,
)
from modules.honours.process import KEY

Role = RoleAssignment.Role
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "丽华", "志强", "秀英", "海涛", "静", "伟", "敏", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞"]
JOBS = [
    "电力抢修班班长",
    "急诊科护士长",
    "公交驾驶员",
    "社区卫生服务中心医生",
    "数控车工",
    "燃气巡线工",
    "快递员",
    "环卫工人",
    "古建瓦作技师",
]
SKILLS = ["紫砂壶制作", "古建修缮", "景泰蓝", "数控加工", "电力抢修", "中式面点", "木作雕刻", "文物修复", "汽车维修", "园林养护"]
DEEDS = "疫情期间坚守一线，连续奋战，带领班组攻克技术难题，服务群众零投诉，事迹突出，群众公认。"


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _past_round(ctx, year: int) -> None:
    """Last year, finished: the article's 3 / 9 / 56, each honour's mix within its rules."""
    rng, district = ctx.rng, ctx.users["district"]
    tz = timezone.get_current_timezone()
    content_type = ContentType.objects.get_for_model(Nomination)
    units = (ctx.streets + ctx.industries) or [ctx.district]
    plans = [
        ("全国先进工作者", "national", "individual", 3),
        ("北京市模范集体", "beijing", "collective", 9),
        ("北京市劳动模范和先进工作者", "beijing", "individual", 56),
    ]
    for name, level, kind, places in plans:
        honour = Honour.objects.create(
            year=year,
            name=name,
            level=level,
            kind=kind,
            places=places,
            epidemic_reserved_pct=20 if kind == "individual" else 0,
            opens_on=date(year, 3, 1),
            closes_on=date(year, 3, 31),
            created_by=district,
        )
        Quota.objects.bulk_create(
            Quota(honour=honour, unit=unit, places=max(1, places // len(units) + (1 if i < places % len(units) else 0)))
            for i, unit in enumerate(units)
        )
        # a mix within the rules: ≥45 % front-line, ≥25 % technical, ≤8 % managers, 20 % epidemic
        categories = (
            [PersonCategory.FRONTLINE] * round(places * 0.55)
            + [PersonCategory.TECHNICAL] * round(places * 0.3)
            + [PersonCategory.MANAGER] * (places // 13)
        )
        categories += [PersonCategory.OTHER] * (places - len(categories))
        rows = []
        for i in range(places):
            org = rng.choice(ctx.grassroots)
            collective = kind == "collective"
            rows.append(
                Nomination(
                    honour=honour,
                    organisation=org,
                    unit=services.unit_of(org),
                    nominee_name=(
                        f"{org.name.removesuffix('工会')}{rng.choice(['抢修班', '护理组', '车间', '项目部'])}" if collective else _name(rng)
                    ),
                    job_title="" if collective else rng.choice(JOBS),
                    category=PersonCategory.OTHER if collective else categories[i],
                    epidemic_frontline=not collective and i % 5 == 0,
                    deeds=DEEDS,
                    consent_to_notice=True,
                    submitted_at=datetime(year, 3, 20, 10, tzinfo=tz),
                    created_by=district,
                )
            )
        Nomination.objects.bulk_create(rows)
        cases = Case.objects.bulk_create(
            Case(process=KEY, content_type=content_type, object_id=n.pk, state="conferred", created_by=district) for n in rows
        )
        steps = [
            ("start", "", "draft", 3, 10),
            ("submit", "draft", "submitted", 3, 20),
            ("recommend", "submitted", "recommended", 4, 2),
            ("review", "recommended", "reviewed", 4, 15),
            ("approve", "reviewed", "approved", 4, 25),
            ("publish", "approved", "notice", 4, 26),
            ("confer", "notice", "conferred", 5, 6),
        ]
        Event.objects.bulk_create(
            Event(case=case, transition=t, from_state=a, to_state=b, actor=district, created_at=datetime(year, m, d, 10, tzinfo=tz))
            for case in cases
            for t, a, b, m, d in steps
        )


def _this_round(ctx) -> None:
    """This year's district round: quotas per street, nominations at every stage for the demo roles."""
    rng = ctx.rng
    district, street_user, admin = ctx.users["district"], ctx.users["street"], ctx.users["grassroots"]
    today = timezone.localdate()
    honour = services.honour_create(
        actor=district,
        year=today.year,
        name="西城区劳动模范",
        level="district",
        places=40,
        epidemic_reserved_pct=10,
        opens_on=today - timedelta(days=15),
        closes_on=today + timedelta(days=30),
    )
    street = RoleAssignment.objects.get(user=street_user, role=Role.STREET_STAFF).organisation
    for unit in ctx.streets + ctx.industries:
        services.quota_set(actor=district, honour=honour, unit=unit, places=6 if unit.pk == street.pk else 2)
    own_union = RoleAssignment.objects.get(user=admin, role=Role.GRASSROOTS_ADMIN).organisation
    worker = ctx.demo_workers[0] if ctx.demo_workers else None
    # the demo grassroots admin's draft naming the demo worker, one item short (no consent yet)
    services.nomination_create(
        actor=admin,
        honour=honour,
        organisation=own_union,
        member=worker if worker and worker.organisation_id == own_union.pk else None,
        data={"nominee_name": worker.name if worker else "王建国", "job_title": "班组长", "deeds": DEEDS, "category": "frontline"},
    )
    in_street = [o for o in ctx.grassroots if o.path.startswith(street.path) and o.pk != own_union.pk][:8]
    mix = [("frontline", True), ("technical", False), ("frontline", False), ("technical", False), ("frontline", True), ("other", False)]
    # distinct names: a journey tells nominees on the public notice apart by name
    names = _distinct_names(rng, len(mix))
    for i, org in enumerate(in_street[:6]):
        category, epidemic = mix[i]
        applicant = _admin_of(org)
        n = services.nomination_create(
            actor=applicant,
            honour=honour,
            organisation=org,
            data={
                "nominee_name": names[i],
                "job_title": rng.choice(JOBS),
                "category": category,
                "epidemic_frontline": epidemic,
                "deeds": DEEDS,
                "consent_to_notice": True,
            },
        )
        services.nomination_transition(actor=applicant, nomination=n, name="submit")
        if i < 2:
            continue  # waiting for the demo street
        services.nomination_transition(actor=street_user, nomination=n, name="recommend")
        if i < 4:
            continue  # waiting for the district's review
        services.nomination_transition(actor=district, nomination=n, name="review")
        services.nomination_transition(actor=district, nomination=n, name="approve")
        services.nomination_transition(actor=district, nomination=n, name="publish")
        # Two open objections on the district's desk, one a nominee: something for the demo district to
        # decide, and one for each phone browser's run of the browser journey (each upholds its own).
        objector = _objector(ctx, i)
        if objector is not None:
            services.objection_lodge(actor=objector, nomination=n, text=OBJECTIONS[i - 4])
    if worker:
        PastHonour.objects.create(member=worker, year=today.year - 3, name="西城区优秀工会会员", level="district", recorded_by=district)


OBJECTIONS = ["该同志去年曾受到单位通报批评，请核实。", "推荐材料中的抢修次数与班组台账不符，请核实。"]


def _distinct_names(rng, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = _name(rng)
        if name not in names:
            names.append(name)
    return names


def _objector(ctx, i: int) -> User | None:
    """The demo worker who objects to the i-th nominee in the notice (the last two are objected to)."""
    if i < 4 or len(ctx.demo_workers) < 2:
        return None
    worker = ctx.demo_workers[-1] if i == 5 else ctx.demo_workers[-2]
    return worker_user_for_phone(worker.phone)


def _admin_of(org) -> User:
    assignment = RoleAssignment.objects.filter(role=Role.GRASSROOTS_ADMIN, organisation=org).select_related("user").first()
    if assignment:
        return assignment.user
    user = User.objects.create(username=f"admin-{org.pk}", display_name=f"{org.name}管理员", password="!")
    RoleAssignment.objects.create(user=user, role=Role.GRASSROOTS_ADMIN, organisation=org)
    return user


def _training(ctx, year: int) -> None:
    """Last year's 紫砂 class: 32 on site for 8 days (30 places, 2 promoted later), 520 online;
    this year's classes, one full with a waiting list, one with places for the demo worker."""
    members = _past_training(ctx, year)
    _current_training(ctx, members)


def _past_training(ctx, year: int) -> list:
    """The article's 紫砂 class of ``year``: 32 on site for 8 days, 520 online."""
    rng, district = ctx.rng, ctx.users["district"]
    tz = timezone.get_current_timezone()
    members = list(Member.objects.order_by("?").values_list("pk", "name", "phone")[:560])
    course = Course.objects.create(
        title="紫砂壶制作技艺培训班（大都工匠）",
        organisation=ctx.district,
        description="大都工匠培训基地，名师带徒，8 天线下实训 + 线上直播录播。",
    )
    session = Session.objects.create(
        course=course, place="大都工匠培训基地", starts_on=date(year, 9, 1), ends_on=date(year, 9, 8), capacity=32
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            session=session,
            entry=f"demo{i:04d}",
            booked_by=district,
            member_id=pk,
            name=name,
            phone=phone or "",
            status=Enrolment.Status.CONFIRMED,
            enrolled_at=datetime(year, 8, 10, 9, tzinfo=tz) + timedelta(minutes=i),
            checked_in_at=datetime(year, 9, 1, 8, 30, tzinfo=tz),
        )
        for i, (pk, name, phone) in enumerate(members[:32])
    )
    lessons = [
        Lesson.objects.create(course=course, title=t, kind=k)
        for t, k in (("选泥与练泥", "recorded"), ("打身筒", "live"), ("壶嘴与壶把", "recorded"))
    ]
    OnlineEnrolment.objects.bulk_create(
        OnlineEnrolment(course=course, member_id=pk, enrolled_at=datetime(year, 9, 2, 20, tzinfo=tz)) for pk, _n, _p in members[:520]
    )
    LessonView.objects.bulk_create(
        LessonView(lesson=lesson, member_id=pk, count=rng.randint(1, 4))
        for lesson in lessons
        for pk, _n, _p in members[: rng.randint(300, 500)]
    )
    return members


def _current_training(ctx, members: list) -> None:
    district = ctx.users["district"]
    today = timezone.localdate()
    now_course = services.course_create(actor=district, title="古建瓦作技艺提升班", organisation=ctx.district, certificate_months=36)
    full = services.session_create(
        actor=district,
        course=now_course,
        place="大都工匠培训基地",
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=14),
        capacity=20,
    )
    services.enrol(actor=district, session=full, people=[{"name": n, "phone": p} for _pk, n, p in members[40:50] if p])
    services.enrol(actor=district, session=full, people=[{"name": n, "phone": p} for _pk, n, p in members[50:60] if p])
    services.enrol(actor=district, session=full, people=[{"name": n, "phone": p} for _pk, n, p in members[60:64] if p])  # waiting
    services.session_create(
        actor=district,
        course=now_course,
        place="西城区职工服务中心",
        starts_on=today + timedelta(days=20),
        ends_on=today + timedelta(days=22),
        capacity=30,
    )
    services.lesson_create(actor=district, course=now_course, title="瓦作基础（录播）", video_url="")


def _craft(ctx, year: int) -> None:
    rng = ctx.rng
    tz = timezone.get_current_timezone()
    members = list(Member.objects.order_by("?")[:40])
    craftsmen = Craftsman.objects.bulk_create(
        Craftsman(
            member=m,
            skill=SKILLS[i % len(SKILLS)],
            level=rng.choice(["高级技师", "技师", "高级工"]),
            honours=rng.choice(["", "北京大工匠", "首都劳动奖章", "全国技术能手"]),
            public_name_consent=i % 3 == 0,
            joined_at=datetime(year, 2, 1, tzinfo=tz),
        )
        for i, m in enumerate(members)
    )
    Work.objects.bulk_create(
        Work(
            craftsman=c, title=f"{c.skill}作品{k + 1}", description="传统技艺与现代设计结合。", published_at=datetime(year, 6, 1, tzinfo=tz)
        )
        for c in craftsmen[:30]
        for k in range(2)
    )
    ExchangePost.objects.bulk_create(
        ExchangePost(craftsman=c, title=f"{c.skill}心得", body="分享几点实操经验，欢迎交流。") for c in craftsmen[:6]
    )
    for worker in ctx.demo_workers[:1]:
        if worker.user_id and not Craftsman.objects.filter(member=worker).exists():
            services_craft.craftsman_join(actor=worker.user, skill="紫砂壶制作", level="高级工", public_name_consent=True)
    admin = ctx.users["grassroots"]
    org = RoleAssignment.objects.get(user=admin, role=Role.GRASSROOTS_ADMIN).organisation
    for title, kind in (("四合院木门窗修复", "restoration"), ("班组长技能培训讲师", "training"), ("企业文化紫砂礼品定制", "product")):
        need = services_craft.need_post(actor=admin, organisation=org, kind=kind, title=title)
        for c in craftsmen[:2]:
            if c.member.user_id:
                services_craft.need_respond(actor=c.member.user, need=need, message="可以承接，欢迎联系。")
    # last year's matches recorded (the annual review counts them)
    from modules.honours.models import Need, NeedResponse

    for k in range(5):
        need = Need.objects.create(
            organisation=org,
            kind="restoration",
            title=f"{year}年修复需求{k + 1}",
            posted_by=admin,
            posted_at=datetime(year, 4, 1, tzinfo=tz),
            closed_at=datetime(year, 4, 20, tzinfo=tz),
        )
        NeedResponse.objects.create(
            need=need,
            craftsman=craftsmen[k],
            message="已完成",
            responded_at=datetime(year, 4, 5, tzinfo=tz),
            matched_at=datetime(year, 4, 20, tzinfo=tz),
            matched_by=admin,
        )


def _competition(ctx) -> None:
    district = ctx.users["district"]
    password = make_password(DEMO_PASSWORD)
    judges = []
    for i, name in enumerate(["裁判长", "裁判乙"]):
        user = User.objects.create(username="judge" if i == 0 else f"judge{i + 1}", password=password, display_name=name)
        RoleAssignment.objects.create(user=user, role=Role.EXPERT, organisation=ctx.district)
        judges.append(user)
    competition = services_craft.competition_create(
        actor=district, title="西城区电工技能比武", year=timezone.localdate().year, theory_weight=30
    )
    for judge in judges:
        services_craft.judge_add(actor=district, competition=competition, user=judge)
    demo = [w.pk for w in ctx.demo_workers]
    members = list(Member.objects.filter(organisation__in=ctx.grassroots[:40]).exclude(pk__in=demo).order_by("pk")[:10])
    for i, member in enumerate(members):
        entrant = services_craft.entrant_add(actor=district, competition=competition, member=member)
        for judge in judges:
            services_craft.score_submit(actor=judge, entrant=entrant, theory=60 + (i * 7) % 40, practice=70 + (i * 11) % 30)
    # The demo workers entered too, scored in the middle and at the bottom of the field, so each demo
    # phone finds its place on 我的竞赛 and can appeal it (the browser journey appeals from two of them).
    for i, worker in enumerate(ctx.demo_workers):
        entrant = services_craft.entrant_add(actor=district, competition=competition, member=worker)
        for judge in judges:
            services_craft.score_submit(actor=judge, entrant=entrant, theory=70 + i, practice=60 + 2 * i)


def seed_honours(ctx) -> None:
    year = timezone.localdate().year - 1
    _past_round(ctx, year)
    _this_round(ctx)
    _training(ctx, year)
    _craft(ctx, year)
    _competition(ctx)
    ctx.notes.append(
        "评优推荐：区总 district 打开 /honours/ 看名额与比例实时面板并审定、公示；街道 street 推荐；基层 grassroots 补全草稿后提交；"
        "公示 /honours/notice/，光荣榜 /honours/roll/。培训：/honours/courses/（签到与发证），职工 13800000001 在 /honours/learn/ 报名、"
        "/honours/me/ 出示签到码；工匠联盟 /honours/craft/；技能竞赛裁判 judge（密码同上）在 /honours/competitions/ 评分；"
        "区总在 /honours/objections/ 处理公示异议、在竞赛页处理申诉（成立可更正成绩并重新排名）；职工在 /honours/competitions/mine/ 查看名次并申诉"
    )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
ARTICLE_COURSE = "紫砂壶制作技艺培训班（大都工匠）"


def seed_year(ctx, year: int) -> None:
    """推荐全国先进工作者3名、北京市模范集体9个、北京市劳动模范和先进工作者56名 and the 紫砂 class
    (30多位 on site, 500多人 online) in ``year``: each part only when the year has none yet."""
    from django.db import transaction

    with transaction.atomic():
        if not Honour.objects.filter(year=year).exists():
            _past_round(ctx, year)
        if not Session.objects.filter(course__title=ARTICLE_COURSE, starts_on__year=year).exists():
            _past_training(ctx, year)
