"""Labour relations at the issue's scale: the mediation office's case list with 5,000 cases and
its statistics page (target p95 < 100 ms), and the legal handbook's Chinese full-text search over
more than 1,000 articles (target p95 < 50 ms).

The handbook holds the real articles of the labour laws (modules/labour/data/laws.json, ~420)
plus synthetic laws made only here, titled “基准测试合成法规”, whose articles recombine clauses of
the real ones — so the index has the vocabulary of labour law at more than twice the size."""

from __future__ import annotations

import time

from bench.context import Context, Result
from bench.suites import common

CASES = 5_000
ARTICLES = 1_200
SYNTHETIC = "基准测试合成法规"
QUERIES = ["加班费", "经济补偿", "试用期", "劳动合同 解除", "社会保险", "调解协议", "集体合同 工资", "公司不给我交社保怎么办"]


def _seed():
    import random
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from core.models import User
    from engines.workflow.models import Case
    from modules.labour import search, services
    from modules.labour.models import DisputeType, Law, LawArticle, MediationCase, Mediator
    from modules.labour.process import KEY

    rng = random.Random(21)
    if not Law.objects.exclude(title__startswith=SYNTHETIC).exists():
        services.handbook_load()
    real = list(LawArticle.objects.exclude(law__title__startswith=SYNTHETIC).values_list("text", flat=True))
    have = LawArticle.objects.count()
    if have < ARTICLES:
        clauses = [c for text in real for c in text.replace("\n", "。").split("，") if len(c) > 4]
        with transaction.atomic():
            k = Law.objects.filter(title__startswith=SYNTHETIC).count()
            while have < ARTICLES:
                k += 1
                law = Law.objects.create(title=f"{SYNTHETIC}第{k}号", short=f"合成{k}", kind="policy", source="bench only", order=900 + k)
                rows = []
                for n in range(1, 101):
                    text = "，".join(rng.sample(clauses, rng.randint(2, 5))) + "。"
                    rows.append(LawArticle(law=law, number=n, label=f"第{n}条", text=text, search_text=search.search_text(law.short, text)))
                LawArticle.objects.bulk_create(rows)
                have += len(rows)
    if MediationCase.objects.count() < CASES:
        district = User.objects.get(username="bench-district")
        mediators = []
        for n in range(8):
            user, _ = User.objects.get_or_create(username=f"bench-mediator-{n}", defaults={"display_name": f"调解员{n}"})
            mediators.append(Mediator.objects.get_or_create(user=user, defaults={"name": f"调解员{n}"})[0])
        now = timezone.now()
        types = DisputeType.values
        states = ["received", "mediating", "agreed", "performed", "performed", "performed", "failed", "withdrawn"]
        with transaction.atomic():
            start = MediationCase.objects.count()
            cases = []
            for i in range(start, CASES):
                received = now - timedelta(days=rng.randint(0, 720), hours=rng.randint(0, 23))
                state = rng.choice(states)
                closed = state in ("performed", "failed", "withdrawn")
                outcome = {"performed": "success", "failed": "failed", "withdrawn": "withdrawn"}.get(state, "")
                claimed = rng.randint(20, 600) * 10_000
                cases.append(
                    MediationCase(
                        number=f"调B{i:06d}",
                        channel=rng.choice(["walk_in", "court", "online"]),
                        oral=rng.random() < 0.4,
                        application_text="单位拖欠工资，申请支付。",
                        received_at=received,
                        dispute_type=rng.choice(types),
                        amount_claimed_fen=claimed,
                        amount_agreed_fen=int(claimed * 0.8) if outcome == "success" else None,
                        worker_name=f"职工{i}",
                        employer_name=f"某公司{i % 300}",
                        mediator=rng.choice(mediators),
                        outcome=outcome,
                        closed_at=received + timedelta(days=rng.randint(1, 14)) if closed else None,
                        created_by=district,
                    )
                )
            created = MediationCase.objects.bulk_create(cases, batch_size=1_000)
            content_type = ContentType.objects.get_for_model(MediationCase)
            state_of = {"success": "performed", "failed": "failed", "withdrawn": "withdrawn"}
            Case.objects.bulk_create(
                [
                    Case(
                        process=KEY,
                        content_type=content_type,
                        object_id=c.pk,
                        state=state_of.get(c.outcome) or rng.choice(["received", "mediating", "agreed"]),
                    )
                    for c in created
                ],
                batch_size=1_000,
            )


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE labour_mediationcase, labour_lawarticle, workflow_case")


def _http(ctx: Context, path: str, cookie: str, runs: int) -> dict:
    import http.client

    port = ctx.servers["platform"].port
    times, statuses = [], set()
    for n in range(runs + 3):
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Accept-Language": "zh-hans"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if n >= 3:
            times.append((time.perf_counter() - t) * 1000)
            statuses.add(response.status)
    return {
        "runs": runs,
        "p50_ms": round(common.percentile(times, 50), 2),
        "p95_ms": round(common.percentile(times, 95), 2),
        "p99_ms": round(common.percentile(times, 99), 2),
        "statuses": sorted(statuses),
    }


def _result(ctx, key, title, stats, limit, status="ok"):
    ctx.add(
        Result(
            key,
            title,
            status=status,
            value=stats["p95_ms"],
            unit="ms p95",
            p50_ms=stats["p50_ms"],
            p95_ms=stats["p95_ms"],
            p99_ms=stats["p99_ms"],
            target=f"p95 < {limit} ms",
            met=status == "ok" and stats["p95_ms"] < limit,
            details=stats,
        )
    )


def run(ctx: Context) -> None:
    if not common.has_module("modules.labour.search"):
        ctx.not_built("labour_handbook_search", "handbook search", "modules/labour", "p95 < 50 ms")
        return
    from django.utils import timezone

    from core.models import User
    from modules.labour import search, selectors
    from modules.labour.models import LawArticle, MediationCase

    started = time.perf_counter()
    _seed()
    _analyze()
    seeded = round(time.perf_counter() - started, 1)
    runs = 20 if ctx.quick else 200
    district = User.objects.get(username="bench-district")
    articles, cases = LawArticle.objects.count(), MediationCase.objects.count()
    search.parse("预热")  # jieba loads its dictionary once per process
    queries = iter(QUERIES * (runs + 10))
    year = timezone.localdate().year
    measured = [
        (
            "labour_handbook_search",
            f"handbook search over {articles:,} articles (8 queries in turn): selector, 50 best",
            lambda: search.search(next(queries)),
            50,
        ),
        (
            "labour_case_list",
            f"the case list of {cases:,} cases: selector, first page of 30",
            lambda: list(selectors.case_list(district)[:30]),
            100,
        ),
        ("labour_statistics", f"the year's statistics over {cases:,} cases: selector", lambda: selectors.case_statistics(year), 100),
    ]
    for key, title, fn, limit in measured:
        stats = common.timed(fn, runs=runs, warmup=3)
        stats["seeded_s"] = seeded
        _result(ctx, key, title, stats, limit)
    if "platform" not in ctx.servers:
        return
    cookie = common.session_cookie(district)
    for key, title, path, limit in (
        ("labour_case_list_page", "the case list page over HTTP, district staff", "/labour/cases/", 100),
        ("labour_statistics_page", "the statistics page over HTTP", f"/labour/stats/?year={year}", 100),
        ("labour_handbook_page", "the handbook search page over HTTP (加班费)", "/labour/handbook/?q=%E5%8A%A0%E7%8F%AD%E8%B4%B9", 50),
    ):
        stats = _http(ctx, path, cookie, runs)
        _result(ctx, key, title, stats, limit, status="ok" if stats["statuses"] == [200] else "error")
