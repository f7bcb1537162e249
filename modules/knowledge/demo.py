"""Demo data: the guide and the starter bank, a few articles, today's daily quiz, a running contest,
and past answers (the demo workers through the real services, a sample of the roster in bulk)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from core.models import Member
from modules.knowledge.models import Answer, Article, Attempt, Campaign, Question, QuestionBank
from modules.knowledge.services import STARTER_BANK, answer_submit, attempt_start, guide_load, question_bank_load

ARTICLES = [
    (
        "北京生活垃圾分四类，一张图记住",
        "厨余垃圾绿桶、可回收物蓝桶、有害垃圾红桶、其他垃圾灰桶。",
        "kitchen",
        "《北京市生活垃圾管理条例》自2020年5月1日起施行，生活垃圾分为厨余垃圾、可回收物、有害垃圾和其他垃圾四类。\n\n"
        "厨余垃圾（绿色桶）：菜帮菜叶、瓜果皮核、剩菜剩饭、废弃食物等易腐垃圾。要沥干水分、去掉塑料袋后投放。\n\n"
        "可回收物（蓝色桶）：废纸张、废塑料、废玻璃、废金属、废织物和废旧电器电子产品。要保持清洁干燥，压扁叠放。\n\n"
        "有害垃圾（红色桶）：充电电池、纽扣电池、荧光灯管、过期药品、油漆、杀虫剂、水银温度计等。要轻放，防止破损泄漏。\n\n"
        "其他垃圾（灰色桶）：除以上三类以外的生活垃圾，以及难以辨别类别的生活垃圾，例如纸巾、烟头、大骨头、陶瓷碎片。",
    ),
    (
        "一杯奶茶怎么扔？三步走",
        "液体倒掉、小料进厨余、杯子进其他。",
        "other",
        "第一步：把没喝完的奶茶倒进水池下水道。\n\n第二步：把珍珠、椰果等小料倒进绿色厨余垃圾桶。\n\n"
        "第三步：杯子、杯盖和吸管属于其他垃圾，投入灰色桶。",
    ),
    (
        "电池不是都有害：分清干电池和充电电池",
        "普通干电池属于其他垃圾，充电电池、纽扣电池属于有害垃圾。",
        "hazardous",
        "现在的普通五号、七号碱性干电池已经实现无汞化，在北京属于其他垃圾。\n\n"
        "充电电池（锂电池、镍氢电池）、纽扣电池、蓄电池含有重金属，属于有害垃圾，要投入红色桶。投放前可以用胶带贴住两极，防止短路。",
    ),
    (
        "大骨头为什么是其他垃圾",
        "骨头越大越难处理。",
        "other",
        "猪、牛、羊的大棒骨质地坚硬，厨余处理设备难以粉碎，也不易腐烂，所以属于其他垃圾。\n\n鸡骨、鱼刺等小骨头容易粉碎，属于厨余垃圾。",
    ),
]


def seed_knowledge(ctx) -> None:
    guide_load()
    question_bank_load()
    bank = QuestionBank.objects.get(name=STARTER_BANK)
    author = ctx.users.get("district")
    Article.objects.bulk_create(
        [Article(title=t, summary=s, category=c, body=b, created_by=author, pinned=(i == 0)) for i, (t, s, c, b) in enumerate(ARTICLES)]
    )
    now = timezone.now()
    today_start = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=30), dt.time.min))
    daily = Campaign.objects.create(
        name="每日垃圾分类答题",
        kind=Campaign.Kind.DAILY,
        bank=bank,
        questions_per_attempt=5,
        points_per_correct=2,
        starts_at=today_start,
        created_by=author,
    )
    contest = Campaign.objects.create(
        name="西城区垃圾分类知识竞赛",
        kind=Campaign.Kind.CONTEST,
        bank=bank,
        questions_per_attempt=10,
        points_per_correct=5,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(days=3),
        time_limit_seconds=300,
        created_by=author,
    )
    _demo_workers_history(ctx, daily, now)
    _bulk_participation(ctx, daily, contest, now)
    ctx.notes.append("分类知识：职工登录后打开 /knowledge/quiz/ 每日答题，/knowledge/contests/ 限时竞赛；/knowledge/guide/?q=dc 搜索指南。")


def _demo_workers_history(ctx, daily: Campaign, now: dt.datetime) -> None:
    """The demo workers answered the daily quiz on the last few days, through the real services (points in the ledger)."""
    questions = {q.pk: q for q in Question.objects.filter(bank_id=daily.bank_id)}
    for offset in range(1, 6):
        moment = now - dt.timedelta(days=offset)
        for member in ctx.demo_workers[1:]:
            if ctx.rng.random() < 0.3:
                continue
            attempt = attempt_start(campaign=daily, member=member, now=moment, rng=ctx.rng)
            for i, qid in enumerate(attempt.question_ids):
                q = questions[qid]
                chosen = q.correct if ctx.rng.random() < 0.75 else [(q.correct[0] + 1) % len(q.options)]
                answer_submit(
                    attempt_id=attempt.pk,
                    member=member,
                    question_id=qid,
                    chosen=chosen,
                    client_key=uuid.uuid4().hex,
                    now=moment + dt.timedelta(seconds=20 * (i + 1)),
                )


def _bulk_participation(ctx, daily: Campaign, contest: Campaign, now: dt.datetime) -> None:
    """A sample of the roster took today's quiz and the contest (bulk rows for the participation
    and ranking pages; imported history, so it carries no points)."""
    roster = _roster(ctx)
    # Capped so the seeder stays a second or two at any scale (the ORM costs ~0.3 ms a row).
    for campaign, share, cap, count in ((daily, 0.08, 800, 5), (contest, 0.04, 400, 10)):
        _bulk_attempts(ctx, campaign, roster, min(len(roster), max(1, int(len(roster) * share)), cap), count, now)


def _roster(ctx) -> list[tuple[int, int]]:
    return list(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .exclude(pk__in=[m.pk for m in ctx.demo_workers])
        .values_list("id", "organisation_id")
    )


def _bulk_attempts(ctx, campaign: Campaign, roster: list[tuple[int, int]], n: int, count: int, now: dt.datetime) -> None:
    """``n`` members of the roster answered ``count`` questions of the campaign within the two hours before ``now``."""
    if not roster or n <= 0:
        return
    pool = list(Question.objects.filter(bank_id=campaign.bank_id).values_list("id", "correct"))
    correct_of = dict(pool)
    ids = [p[0] for p in pool]
    rng = ctx.rng
    day = timezone.localdate(now) if campaign.kind == Campaign.Kind.DAILY else timezone.localdate(campaign.starts_at)
    attempts, planned = [], []
    for member_id, organisation_id in rng.sample(roster, n):
        started = now - dt.timedelta(minutes=rng.randint(5, 110))
        drawn = rng.sample(ids, min(count, len(ids)))
        elapsed, rows = 0, []
        for qid in drawn:
            elapsed += rng.randint(4, 25)
            ok = rng.random() < 0.7
            correct = correct_of[qid]
            rows.append((qid, correct if ok else [(correct[0] + 1) % 2], ok, started + dt.timedelta(seconds=elapsed)))
        right = sum(1 for row in rows if row[2])
        attempts.append(
            Attempt(
                campaign=campaign,
                member_id=member_id,
                organisation_id=organisation_id,
                day=day,
                question_ids=drawn,
                started_at=started,
                deadline=_deadline_of(campaign, started),
                answered=len(drawn),
                correct=right,
                elapsed_ms=elapsed * 1000,
                last_answer_at=started + dt.timedelta(seconds=elapsed),
            )
        )
        planned.append((member_id, rows))
    Attempt.objects.bulk_create(attempts, batch_size=1000)
    answers = [
        Answer(
            attempt_id=attempt.pk,
            question_id=qid,
            member_id=member_id,
            day=day,
            client_key=uuid.uuid4().hex,
            chosen=chosen,
            is_correct=ok,
            answered_at=at,
        )
        for attempt, (member_id, rows) in zip(attempts, planned, strict=True)
        for qid, chosen, ok, at in rows
    ]
    Answer.objects.bulk_create(answers, batch_size=1000)


def _deadline_of(campaign: Campaign, started: dt.datetime):
    if campaign.time_limit_seconds:
        return min(started + dt.timedelta(seconds=campaign.time_limit_seconds), campaign.ends_at or started + dt.timedelta(days=1))
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(started) + dt.timedelta(days=1), dt.time.min))


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# The article names no quiz figures: the year gets the district's sorting-knowledge contest in
# September, answered by a sample of the roster (history loaded as the demo loads it: no points).


def seed_year(ctx, year: int) -> None:
    """Made once: a year whose quizzes have answers is left alone."""
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    if Attempt.objects.filter(started_at__gte=start, started_at__lt=start.replace(year=year + 1)).exists():
        return
    guide_load()
    question_bank_load()
    bank = QuestionBank.objects.get(name=STARTER_BANK)
    starts = timezone.make_aware(dt.datetime(year, 9, 15, 9))
    contest = Campaign.objects.create(
        name=f"{year}年西城区垃圾分类知识竞赛",
        kind=Campaign.Kind.CONTEST,
        bank=bank,
        questions_per_attempt=10,
        points_per_correct=5,
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=7),
        time_limit_seconds=300,
        created_by=ctx.users.get("district"),
    )
    roster = _roster(ctx)
    _bulk_attempts(ctx, contest, roster, min(len(roster), max(1, len(roster) // 20), 400), 10, starts + dt.timedelta(hours=3))
