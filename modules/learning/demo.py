"""Demo data of 强学习: a question bank imported from the committed xlsx, a finished contest and
a running one (the demo worker has not taken it yet), essay calls (one published with its
collection, one being judged — judge1 still has entries to score — one open), a library and a
year of study sessions with attendance across the district."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from core.demo.context import DEMO_PASSWORD
from core.models import Member, RoleAssignment, User
from engines.quiz.models import Attempt as QuizAttempt
from modules.learning import services
from modules.learning.models import Attendance, Award, Essay, EssayCall, Material, QuestionBank, StudySession

BANK_FILE = Path(__file__).resolve().parent / "data" / "contest_bank.xlsx"
BANK_NAME = "职工法律与安全知识题库"
PARAGRAPH = (
    "我在这家企业工作了十二年，从一名普通的装配工成长为班组长。工会组织的技能培训、劳动竞赛和读书会，"
    "让我一步步找到了方向。每当遇到困难，工会的同志总是第一个来到身边，帮我们解决实际问题。"
)
ESSAY_TITLES = [
    "我与工会的故事", "一线岗位上的坚守", "暖心驿站暖人心", "师徒传承的力量", "在平凡中追求卓越", "疫情中的逆行者",
    "小小垃圾袋里的大文明", "读书会改变了我", "工匠精神在身边", "我们的职工之家", "一次难忘的劳动竞赛", "法律为我撑起保护伞",
]  # fmt: skip
MATERIALS = [
    ("中华人民共和国工会法（2021年修正）", Material.Kind.DOCUMENT, "工会法", "", "全文及修正要点解读。"),
    ("工会法修正要点十问十答", Material.Kind.LINK, "工会法", "https://www.acftu.org/", "全国总工会发布的学习问答。"),
    ("劳动合同法常见问题解答", Material.Kind.DOCUMENT, "劳动法", "", "签订、变更、解除劳动合同的常见问题。"),
    ("劳动争议如何申请仲裁（微课）", Material.Kind.VIDEO, "劳动法", "https://www.12333.gov.cn/", "十分钟讲清仲裁申请流程。"),
    ("安全生产法解读", Material.Kind.DOCUMENT, "安全生产", "", "从业人员的权利和义务。"),
    ("灭火器的正确使用（视频）", Material.Kind.VIDEO, "安全生产", "https://www.119.gov.cn/", "消防救援部门的科普视频。"),
    ("劳模精神、劳动精神、工匠精神学习读本", Material.Kind.DOCUMENT, "职工思想政治教育", "", "中心组学习推荐读本。"),
    ("北京市生活垃圾管理条例", Material.Kind.LINK, "垃圾分类", "https://www.beijing.gov.cn/", "条例全文。"),
]
SESSION_TITLES = [
    "学习《工会法》修正要点",
    "学习劳动模范先进事迹",
    "安全生产专题学习",
    "学习劳动合同法",
    "职工读书分享会",
    "学习北京市生活垃圾管理条例",
]


def _judges() -> list[User]:
    password = make_password(DEMO_PASSWORD)
    judges = []
    for i, name in enumerate(["征文评委甲", "征文评委乙", "征文评委丙"], start=1):
        user, _created = User.objects.get_or_create(username=f"judge{i}", defaults={"password": password, "display_name": name})
        RoleAssignment.objects.get_or_create(user=user, role=RoleAssignment.Role.EXPERT, organisation_id=_district_id())
        judges.append(user)
    return judges


def _district_id() -> int:
    from core.models import Organisation

    return Organisation.objects.filter(level=Organisation.Level.DISTRICT).values_list("pk", flat=True).first()


def _sample_members(ctx, n: int, exclude: set[int]) -> list[Member]:
    ids = list(Member.objects.filter(status=Member.Status.ACTIVE).exclude(pk__in=exclude).values_list("pk", flat=True)[: n * 4])
    picked = ctx.rng.sample(ids, min(n, len(ids)))
    return list(Member.objects.filter(pk__in=picked).select_related("organisation"))


def _attempts(ctx, contest, members: list[Member], started: dt.datetime) -> None:
    """Finished answer sheets of members who took the contest (loaded, not lived)."""
    campaign = contest.campaign
    n = campaign.questions_per_attempt
    max_score = 3 * n
    rows = []
    for member in members:
        correct = ctx.rng.randint(max(0, n - 4), n)
        score = min(max_score, correct * 3 - ctx.rng.randint(0, 2) if correct else 0)
        rows.append(
            QuizAttempt(
                campaign_id=campaign.pk, member=member, organisation_id=member.organisation_id, day=timezone.localdate(campaign.starts_at),
                question_ids=[], started_at=started, deadline=started + dt.timedelta(seconds=campaign.time_limit_seconds),
                answered=n, correct=correct, score=max(0, score), max_score=max_score, last_answer_at=started + dt.timedelta(minutes=8),
                elapsed_ms=ctx.rng.randint(120_000, 600_000),
            )
        )  # fmt: skip
    QuizAttempt.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _contests(ctx, district: User) -> None:
    services.bank_import_file(actor=district, name=BANK_NAME, filename=BANK_FILE.name, data=BANK_FILE.read_bytes())
    bank = QuestionBank.objects.get(name=BANK_NAME)
    now = timezone.now()
    worker_ids = {m.pk for m in ctx.demo_workers}
    past = services.contest_create(
        actor=district, name="工会法知识竞赛", topic="工会法", bank=bank,
        starts_at=now - dt.timedelta(days=120), ends_at=now - dt.timedelta(days=90), time_limit_seconds=900,
        draw_rules=[{"topic": "工会法", "difficulty": None, "count": 8}], pass_mark=14, points_per_correct=0,
    )  # fmt: skip
    _attempts(ctx, past, _sample_members(ctx, min(1500, ctx.scale.members // 4), set()), now - dt.timedelta(days=100))
    running = services.contest_create(
        actor=district, name="职工法律与安全知识竞赛", topic="劳动法与安全生产", bank=bank,
        description="全区职工均可参加，每人一次，限时 15 分钟；成绩合格可下载证书，每答对一题得 2 积分。",
        starts_at=now - dt.timedelta(days=3), ends_at=now + dt.timedelta(days=60), time_limit_seconds=900,
        draw_rules=[
            {"topic": "劳动法", "difficulty": 1, "count": 2}, {"topic": "劳动法", "difficulty": 2, "count": 2},
            {"topic": "安全生产", "difficulty": 1, "count": 2}, {"topic": "", "difficulty": 3, "count": 2},
        ],
        pass_mark=14, points_per_correct=2,
    )  # fmt: skip
    _attempts(ctx, running, _sample_members(ctx, min(800, ctx.scale.members // 8), worker_ids), now - dt.timedelta(days=2))
    ctx.notes.append(f"强学习：知识竞赛“{running.name}”进行中，演示职工可在 /learning/contests/{running.pk}/ 参赛。")


def _essays(ctx, call: EssayCall, members: list[Member], now) -> list[Essay]:
    essays = []
    for n, member in enumerate(members, start=1):
        title = ESSAY_TITLES[(n - 1) % len(ESSAY_TITLES)]
        body = "\n\n".join([PARAGRAPH, f"“{title}”——这是我最想说的话。" + PARAGRAPH[::-1][:40], PARAGRAPH])
        essays.append(
            Essay(
                call=call, code=f"Z{call.pk:03d}-{n:04d}", member=member, organisation_id=member.organisation_id,
                topic=call.topics[n % len(call.topics)], title=title, body=services.clean_body(body),
                submitted_at=min(now, call.deadline) - dt.timedelta(days=ctx.rng.randint(1, 20)),
            )
        )  # fmt: skip
    Essay.objects.bulk_create(essays)
    return list(call.essays.order_by("code"))


def _calls(ctx, district: User, judges: list[User]) -> None:
    now = timezone.now()
    worker_ids = {m.pk for m in ctx.demo_workers}
    # A published call: judged by three judges, awards given, the collection printed.
    _published_call(
        ctx, district, judges, "“我与工会”职工征文", now - dt.timedelta(days=150), now - dt.timedelta(days=110),
        _sample_members(ctx, 12, worker_ids),
    )  # fmt: skip
    # A call being judged: judge2 and judge3 have scored half; judge1 has everything still to do.
    judging = services.call_create(
        actor=district, title="“劳动最光荣”主题征文", topics=["劳动最光荣", "工匠精神"], judges=judges,
        opens_at=now - dt.timedelta(days=40), deadline=now - dt.timedelta(days=2),
    )  # fmt: skip
    entries = _essays(ctx, judging, _sample_members(ctx, 8, worker_ids), now - dt.timedelta(days=2))
    services.call_close(actor=district, call=judging)
    for essay in entries[: len(entries) // 2]:
        essay.refresh_from_db()
        for judge in judges[1:]:
            services.essay_score(actor=judge, essay=essay, scores={c: 8 for c in ("theme", "content", "structure", "language")})
    # An open call for the demo worker.
    services.call_create(
        actor=district, title="“身边的榜样”职工征文", topics=["身边的榜样", "我的师傅"], judges=judges,
        deadline=now + dt.timedelta(days=30), description="写一写你身边的劳动模范、工匠和好同事。",
    )  # fmt: skip
    ctx.users["judge"] = judges[0]


def _published_call(ctx, district: User, judges: list[User], title: str, opens_at, deadline, members: list[Member]) -> EssayCall:
    """A call run to the end: entries in, three judges' scores, awards given, the collection published."""
    done = services.call_create(
        actor=district, title=title, topics=["我与工会", "劳动最光荣", "身边的榜样"], judges=judges,
        opens_at=opens_at, deadline=deadline, description="围绕工会工作和职工生活，讲述真实的故事。",
    )  # fmt: skip
    essays = _essays(ctx, done, members, deadline)
    services.call_close(actor=district, call=done)
    for essay in essays:
        essay.refresh_from_db()
        for judge in judges:
            marks = {code: ctx.rng.choice([6, 7, 7.5, 8, 8.5, 9, 9.5]) for code in ("theme", "content", "structure", "language")}
            services.essay_score(actor=judge, essay=essay, scores=marks, comment="立意清楚，情感真挚。")
    ranked = sorted(essays, key=lambda e: -(e.evaluation.total or 0) if e.evaluation else 0)
    for essay, award in zip(ranked, [Award.FIRST, Award.SECOND, Award.SECOND, Award.THIRD, Award.THIRD, Award.MERIT], strict=False):
        essay.refresh_from_db()
        services.essay_award(actor=district, essay=essay, award=award)
    services.call_publish(actor=district, call=done)
    return done


def _library_and_sessions(ctx, district: User) -> None:
    materials = [
        services.material_create(actor=district, title=t, kind=k, topic=topic, url=url, summary=summary)
        for t, k, topic, url, summary in MATERIALS
    ]
    now = timezone.now()
    unions = [*ctx.streets, *ctx.rng.sample(ctx.grassroots, min(60, len(ctx.grassroots)))]
    members_by_org: dict[int, list[int]] = {}
    for pk, org in Member.objects.filter(status=Member.Status.ACTIVE, organisation__in=unions).values_list("pk", "organisation_id"):
        members_by_org.setdefault(org, []).append(pk)
    sessions = []
    for org in unions:
        for k in range(ctx.rng.randint(2, 5)):
            sessions.append(
                StudySession(
                    organisation=org, kind=StudySession.Kind.CENTRE_GROUP if k % 2 == 0 else StudySession.Kind.TRAINING,
                    title=SESSION_TITLES[(org.pk + k) % len(SESSION_TITLES)], topic="", place="工会活动室",
                    held_at=now - dt.timedelta(days=ctx.rng.randint(5, 300)), created_by=district,
                )
            )  # fmt: skip
    StudySession.objects.bulk_create(sessions)
    rows = []
    for session in StudySession.objects.filter(organisation__in=unions):
        ids = members_by_org.get(session.organisation_id, [])
        for pk in ctx.rng.sample(ids, min(len(ids), ctx.rng.randint(5, 25))):
            rows.append(Attendance(session=session, member_id=pk, organisation_id=session.organisation_id, recorded_by=district))
    Attendance.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    for session in StudySession.objects.all()[:20]:
        session.materials.set(ctx.rng.sample(materials, 2))


def seed_learning(ctx) -> None:
    district = ctx.users["district"]
    judges = _judges()
    _contests(ctx, district)
    _calls(ctx, district, judges)
    _library_and_sessions(ctx, district)
    ctx.notes.append("强学习：征文评委 judge1（密码同其他演示账号）在 /learning/judge/ 匿名评审。")


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# The article names no figures for 强学习: the year gets study sessions in the streets' and some
# unions' centre groups with their attendance, one district knowledge contest with its entrants
# and one essay call judged and published — modest numbers, each part made once.
YEAR_CONTEST = "职工法律与安全知识竞赛"
YEAR_CALL = "“我与工会”职工征文"


def seed_year(ctx, year: int) -> None:
    from django.db import transaction

    from modules.learning.models import Contest

    district = ctx.users["district"]
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    with transaction.atomic():
        if not StudySession.objects.filter(held_at__gte=start, held_at__lt=end).exists():
            _year_sessions(ctx, district, year)
        if not Contest.objects.filter(campaign__starts_at__gte=start, campaign__starts_at__lt=end).exists():
            _year_contest(ctx, district, year)
        if not EssayCall.objects.filter(deadline__gte=start, deadline__lt=end).exists():
            members = _sample_members(ctx, min(12, ctx.scale.members // 50 or 1), set())
            at = timezone.make_aware(dt.datetime(year, 3, 1, 9))
            _published_call(ctx, district, _judges(), f"{year}年{YEAR_CALL}", at, at + dt.timedelta(days=45), members)


def _year_sessions(ctx, district: User, year: int) -> None:
    """Two to four sessions in each street's and a sample of unions' centre groups, registered and
    their attendance marked through the services."""
    unions = [*ctx.streets, *ctx.rng.sample(ctx.grassroots, min(20, len(ctx.grassroots)))]
    members_by_org: dict[int, list[int]] = {}
    for pk, org in Member.objects.filter(status=Member.Status.ACTIVE, organisation__in=unions).values_list("pk", "organisation_id"):
        members_by_org.setdefault(org, []).append(pk)
    for org in unions:
        for k in range(ctx.rng.randint(2, 4)):
            held_at = timezone.make_aware(dt.datetime(year, ctx.rng.randint(1, 12), ctx.rng.randint(1, 28), 14, 30))
            kind = StudySession.Kind.CENTRE_GROUP if k % 2 == 0 else StudySession.Kind.TRAINING
            session = services.session_create(
                actor=district, organisation=org, title=SESSION_TITLES[(org.pk + k) % len(SESSION_TITLES)], held_at=held_at,
                kind=kind, place="工会活动室",
            )  # fmt: skip
            ids = members_by_org.get(org.pk, [])
            if ids:
                services.attendance_record(
                    actor=district, session=session, member_ids=ctx.rng.sample(ids, min(len(ids), ctx.rng.randint(5, 20)))
                )


def _year_contest(ctx, district: User, year: int) -> None:
    bank = QuestionBank.objects.filter(name=BANK_NAME).first()
    if bank is None:
        services.bank_import_file(actor=district, name=BANK_NAME, filename=BANK_FILE.name, data=BANK_FILE.read_bytes())
        bank = QuestionBank.objects.get(name=BANK_NAME)
    starts = timezone.make_aware(dt.datetime(year, 5, 10, 9))
    contest = services.contest_create(
        actor=district, name=f"{year}年{YEAR_CONTEST}", topic="劳动法与安全生产", bank=bank,
        starts_at=starts, ends_at=starts + dt.timedelta(days=30), time_limit_seconds=900,
        draw_rules=[{"topic": "劳动法", "difficulty": None, "count": 4}, {"topic": "安全生产", "difficulty": None, "count": 4}],
        pass_mark=14, points_per_correct=0,
    )  # fmt: skip
    # the entrants' answer sheets are loaded as the demo loads them (history, no points)
    _attempts(ctx, contest, _sample_members(ctx, min(300, ctx.scale.members // 6), set()), starts + dt.timedelta(days=3))
