"""Demo data: last year run to the end like the seed article (184 disputes mediated successfully,
monitoring points reporting every month with warnings and visits, bargaining evaluated, 6 model
units, 10 legal-education events) and this year under way, with work waiting for each role —
the mediator's open cases (one an oral application taken this week), the demo worker's own case
with its 15-day clock, a monitoring report to file, a contract to evaluate."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from core.demo.context import DEMO_PASSWORD
from core.models import Organisation, RoleAssignment, User
from engines.workflow.models import Event
from modules.labour import services
from modules.labour.models import (
    Consultation,
    DisputeType,
    MediationCase,
    Mediator,
    MonitoringPoint,
    Question,
    Session,
)

Role = RoleAssignment.Role
SUCCESS_LAST_YEAR = 184
EMPLOYERS = [
    "某餐饮管理有限公司",
    "某物业服务有限公司",
    "某商贸有限公司",
    "某快递服务站",
    "某建筑劳务公司",
    "某科技有限公司",
    "某酒店管理公司",
    "某保洁服务公司",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强"]
STORIES = {
    DisputeType.WAGES: "单位拖欠 {m} 个月工资未发，申请支付欠发工资。",
    DisputeType.OVERTIME: "长期延长工作时间，单位未支付加班费，申请支付加班工资。",
    DisputeType.DISMISSAL: "单位口头通知解除劳动合同，未说明理由，申请支付经济补偿。",
    DisputeType.SOCIAL_INSURANCE: "入职以来单位未缴纳社会保险，申请补缴并赔偿损失。",
    DisputeType.INJURY: "工作中受伤已认定工伤，单位未支付停工留薪期工资。",
    DisputeType.CONTRACT: "入职 {m} 个月单位未订立书面劳动合同，申请支付二倍工资差额。",
    DisputeType.COMPENSATION: "劳动合同期满单位不再续订，申请支付经济补偿。",
    DisputeType.OTHER: "单位扣押身份证件不予返还。",
}
TYPE_WEIGHTS = [
    (DisputeType.WAGES, 40),
    (DisputeType.DISMISSAL, 18),
    (DisputeType.OVERTIME, 12),
    (DisputeType.COMPENSATION, 10),
    (DisputeType.SOCIAL_INSURANCE, 8),
    (DisputeType.CONTRACT, 6),
    (DisputeType.INJURY, 4),
    (DisputeType.OTHER, 2),
]
EVENTS = [
    ("《民法典》与职工权益宣讲进楼宇", "金融街某商务楼宇", "楼宇白领"),
    ("复工复产劳动用工法律政策讲座", "区职工服务中心", "企业工会主席"),
    ("农民工法律服务进工地", "某建筑工地", "农民工"),
    ("快递小哥维权知识微课堂", "什刹海街道工会服务站", "快递员"),
    ("集体协商指导员培训", "区总工会会议室", "协商指导员"),
    ("女职工权益保护专题讲座", "某医院", "女职工"),
    ("劳动合同法宣传咨询日", "西单文化广场", "职工群众"),
    ("法律援助进社区", "某社区", "社区职工"),
    ("劳动争议调解案例研讨", "区劳动人事争议仲裁院", "调解员"),
    ("新就业形态劳动者权益讲座", "某园区", "网约配送员"),
]
QUESTIONS = [
    (
        "试用期被辞退有补偿吗？",
        "试用期内用人单位须证明您不符合录用条件才能解除（劳动合同法第二十一条、第三十九条）；违法解除的，您可以要求继续履行或者支付赔偿金。",
    ),
    (
        "单位让周末加班但不给加班费怎么办？",
        "休息日安排工作又不能安排补休的，应支付不低于工资200%的报酬（劳动法第四十四条）。可先与单位协商，也可到工会调解室申请调解。",
    ),
    (
        "合同到期单位不续签，能拿经济补偿吗？",
        "除单位维持或者提高条件续订而您不同意的情形外，劳动合同期满终止的，单位应当支付经济补偿（劳动合同法第四十六条）。",
    ),
    (
        "调解不成还能申请仲裁吗？",
        "可以。自调解组织收到申请之日起15日内未达成调解协议的，当事人可以依法申请仲裁（劳动争议调解仲裁法第十四条）。",
    ),
    ("没签劳动合同怎么办？", "用工超过一个月不满一年未订立书面劳动合同的，单位应当每月支付二倍工资（劳动合同法第八十二条）。"),
]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _type(rng):
    return rng.choices([t for t, _w in TYPE_WEIGHTS], weights=[w for _t, w in TYPE_WEIGHTS])[0]


def _mediators(ctx) -> list[Mediator]:
    password = make_password(DEMO_PASSWORD)
    people = []
    for i, (name, title) in enumerate(
        [("调解员甲", "专职调解员"), ("调解员乙", "兼职调解员（律师）"), ("调解员丙", "专职调解员"), ("调解员丁", "工会法律顾问")]
    ):
        user = User.objects.create(username="mediator" if i == 0 else f"mediator{i + 1}", password=password, display_name=name)
        people.append(Mediator.objects.create(user=user, name=name, title=title))
    ctx.users["mediator"] = people[0].user
    return people


def _at(day, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 16), rng.choice([0, 15, 30, 45]))))


def _backdate(mediation: MediationCase, start: datetime, end: datetime) -> None:
    """Spread the workflow's events between intake and close (the demo writes a past year at once)."""
    from modules.labour.services import case_of

    case = case_of(mediation)
    events = list(case.events.order_by("pk"))
    step = (end - start) / max(1, len(events) - 1)
    for i, event in enumerate(events):
        Event.objects.filter(pk=event.pk).update(created_at=start + step * i)
    case.deadlines.all().delete()
    type(case).objects.filter(pk=case.pk).update(created_at=start, state_changed_at=end)


def _past_year(ctx, mediators, enterprises) -> None:
    rng = ctx.rng
    district = ctx.users["district"]
    year = timezone.localdate().year - 1
    outcomes = ["success"] * SUCCESS_LAST_YEAR + ["failed"] * 38 + ["withdrawn"] * 14 + ["rejected"] * 4
    rng.shuffle(outcomes)
    for i, outcome in enumerate(outcomes):
        day = datetime(year, 1, 4).date() + timedelta(days=int(i * 355 / len(outcomes)))
        received = _at(day, rng)
        kind = _type(rng)
        workers = rng.choice([1] * 12 + [2, 3, 12])
        claimed = rng.randint(30, 600) * 100 * workers
        org = rng.choice(enterprises) if enterprises and rng.random() < 0.4 else None
        mediation = services.case_create(
            actor=district,
            now=received,
            data={
                "channel": rng.choice(["walk_in"] * 5 + ["court"] * 4 + ["online"]),
                "oral": rng.random() < 0.45,
                "dispute_type": kind,
                "application_text": STORIES[kind].format(m=rng.randint(2, 6)),
                "amount_claimed": claimed,
                "workers_count": workers,
                "representatives": f"{_name(rng)}、{_name(rng)}" if workers >= 10 else "",
                "worker_name": _name(rng),
                "worker_phone": f"139{rng.randint(10000000, 99999999)}",
                "employer_name": org.name if org else rng.choice(EMPLOYERS),
                "employer_contact": _name(rng),
                "employer_phone": f"010-6{rng.randint(1000000, 9999999)}",
                "dispute_arose_on": day - timedelta(days=rng.randint(5, 120)),
                "organisation": org,
            },
        )
        mediator = mediators[i % len(mediators)]
        if outcome == "rejected":
            services.case_transition(
                actor=district, mediation=mediation, name="reject", comment="不属于劳动争议受理范围，已告知向有关部门反映。"
            )
            end = received + timedelta(days=1)
        else:
            services.mediator_assign(actor=district, mediation=mediation, mediator=mediator)
            if outcome == "withdrawn" and rng.random() < 0.5:
                services.case_transition(actor=district, mediation=mediation, name="withdraw", comment="双方自行和解，申请人撤回。")
                end = received + timedelta(days=2)
            else:
                services.case_transition(actor=mediator.user, mediation=mediation, name="accept")
                days = rng.randint(2, 14)
                Session.objects.create(
                    case=mediation,
                    held_at=received + timedelta(days=days // 2 or 1),
                    room=rng.choice(["第一调解室", "第二调解室"]),
                    attendees=f"{mediation.worker_name}、单位代表{_name(rng)}、调解员{mediator.name}",
                    notes="双方陈述争议事实，调解员释法说理。",
                    created_by=mediator.user,
                )
                end = received + timedelta(days=days)
                if outcome == "success":
                    agreed = int(claimed * rng.uniform(0.55, 1.0)) // 100
                    services.agreement_set(
                        actor=mediator.user,
                        mediation=mediation,
                        amount_agreed=agreed,
                        text=f"被申请人于协议签订之日起七日内一次性支付申请人 {agreed} 元，双方劳动争议就此了结。",
                        performance_due_on=end.date() + timedelta(days=7),
                    )
                    services.case_transition(actor=mediator.user, mediation=mediation, name="agree")
                    for party in ("worker", "employer", "mediator"):
                        services.signature_record(actor=mediator.user, mediation=mediation, party=party)
                    services.case_transition(actor=mediator.user, mediation=mediation, name="sign")
                    services.case_transition(
                        actor=mediator.user,
                        mediation=mediation,
                        name="perform" if rng.random() < 0.93 else "breach",
                        comment="单位未按期支付，已告知申请人申请仲裁。",
                    )
                    MediationCase.objects.filter(pk=mediation.pk).update(
                        signed_worker_at=end, signed_employer_at=end, signed_mediator_at=end, performed_at=end + timedelta(days=5)
                    )
                elif outcome == "withdrawn":
                    services.case_transition(actor=mediator.user, mediation=mediation, name="withdraw", comment="申请人撤回调解申请。")
                else:
                    services.case_transition(
                        actor=mediator.user, mediation=mediation, name="fail", comment="双方分歧较大，已告知申请人向仲裁委员会申请仲裁。"
                    )
        MediationCase.objects.filter(pk=mediation.pk).update(closed_at=end)
        _backdate(mediation, received, end)
    consultations = []
    for i in range(420):
        day = datetime(year, 1, 3).date() + timedelta(days=int(i * 360 / 420))
        kind = _type(rng)
        consultations.append(
            Consultation(
                at=_at(day, rng),
                topic=kind,
                question=STORIES[kind].format(m=2) + "想了解怎么办。",
                advice="已释法，建议先协商，协商不成可申请调解。",
                mediator=rng.choice(mediators),
            )
        )
    Consultation.objects.bulk_create(consultations)


def _this_year(ctx, mediators) -> None:
    rng = ctx.rng
    district = ctx.users["district"]
    now = timezone.now()
    worker = ctx.demo_workers[0] if ctx.demo_workers else None
    # The demo worker's own case: applied six days ago, being mediated — the 15-day clock shows 9 days left.
    if worker is not None and worker.user_id:
        mine = services.case_create(
            actor=worker.user,
            worker_user=worker.user,
            now=now - timedelta(days=6),
            data={
                "dispute_type": DisputeType.OVERTIME,
                "application_text": "近三个月每周六加班，单位未安排补休也未支付加班费，申请支付加班工资。",
                "amount_claimed": "6840",
                "worker_name": worker.name,
                "worker_phone": worker.phone or "",
                "employer_name": worker.organisation.name.removesuffix("工会") or "某公司",
                "dispute_arose_on": (now - timedelta(days=40)).date(),
                "organisation": worker.organisation,
            },
        )
        services.mediator_assign(actor=district, mediation=mine, mediator=mediators[0])
        services.case_transition(actor=mediators[0].user, mediation=mine, name="accept")
        services.session_add(
            actor=mediators[0].user,
            mediation=mine,
            held_at=now - timedelta(days=2),
            room="第一调解室",
            attendees=f"{worker.name}、单位人事经理、调解员甲",
            notes="单位认可加班事实，对金额有异议，约定下周再次调解。",
        )
    # Open cases of the desk in each state, for the mediator to work on.
    for i in range(24):
        received = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8))
        kind = _type(rng)
        mediation = services.case_create(
            actor=mediators[0].user,
            now=received,
            data={
                "channel": rng.choice(["walk_in", "court"]),
                "oral": i % 3 == 0,
                "dispute_type": kind,
                "application_text": STORIES[kind].format(m=rng.randint(2, 5)),
                "amount_claimed": rng.randint(20, 400) * 100,
                "worker_name": _name(rng),
                "worker_phone": f"137{rng.randint(10000000, 99999999)}",
                "employer_name": rng.choice(EMPLOYERS),
                "dispute_arose_on": received.date() - timedelta(days=rng.randint(10, 300)),
            },
        )
        if i % 4 == 0:
            continue  # waiting to be accepted
        services.mediator_assign(actor=district, mediation=mediation, mediator=mediators[i % len(mediators)])
        services.case_transition(actor=district, mediation=mediation, name="accept")
        if i % 4 == 3:
            services.session_add(
                actor=district,
                mediation=mediation,
                held_at=received + timedelta(hours=30),
                room="第二调解室",
                attendees="双方当事人、调解员",
                notes="初次调解。",
            )
            services.agreement_set(
                actor=district, mediation=mediation, amount_agreed=rng.randint(10, 200) * 100, text="被申请人分两期支付申请人工资差额。"
            )
            services.case_transition(actor=district, mediation=mediation, name="agree")


def _monitoring(ctx, enterprises) -> list[MonitoringPoint]:
    rng = ctx.rng
    district = ctx.users["district"]
    admin = ctx.users.get("grassroots")
    own = RoleAssignment.objects.filter(user=admin, role=Role.GRASSROOTS_ADMIN).select_related("organisation").first() if admin else None
    orgs = ([own.organisation] if own else []) + [o for o in enterprises if not own or o.pk != own.organisation_id]
    points = [
        services.point_designate(actor=district, organisation=o, industry=rng.choice(["餐饮", "商贸", "金融", "建筑", "物业", "信息技术"]))
        for o in orgs[: min(30, len(orgs))]
    ]
    today = timezone.localdate()
    first = today.replace(day=1)
    months = []
    day = first
    for _i in range(min(23, 12 + today.month - 1)):
        day = (day - timedelta(days=1)).replace(day=1)
        months.append(day)
    months.reverse()
    for period in months:
        due = services.report_due(period, services.DeskRules.current())
        for point in points:
            if point is points[0] and period == months[-1]:
                continue  # the demo grassroots admin's report of last month is still to file
            roll = rng.random()
            late = roll < 0.08
            headcount = 40 + (point.pk * 37) % 400
            data = {"headcount": headcount, "headcount_change": rng.randint(-3, 4), "overtime_hours": rng.choice([8, 12, 20, 28, 40])}
            if roll > 0.9:
                data.update(wage_arrears=rng.randint(2, 30) * 1000, wage_arrears_workers=rng.randint(1, 8))
            if roll > 0.975:
                data.update(wage_arrears_workers=min(headcount, 14), layoffs_planned=rng.choice([0, 25]), business_difficulty=3)
            at = timezone.make_aware(datetime.combine(due + timedelta(days=4 if late else -3), time(10)))
            if at > timezone.now():
                continue
            services.report_submit(actor=district, point=point, period=period, data=data, now=at)
    return points


def _bargaining(ctx, enterprises) -> None:
    rng = ctx.rng
    district = ctx.users["district"]
    year = timezone.localdate().year - 1
    contracts = []
    for i, org in enumerate(enterprises[:40]):
        signed = datetime(year - rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28)).date()
        contracts.append(
            services.contract_register(
                actor=district,
                organisation=org,
                data={
                    "kind": "wage" if i % 3 == 0 else "enterprise",
                    "title": f"{org.name.removesuffix('工会')}{year}年集体合同",
                    "signed_on": signed,
                    "starts_on": signed,
                    "ends_on": signed + timedelta(days=3 * 365 - 5),
                    "covered_workers": 30 + (org.pk * 13) % 500,
                    "wage_clauses": "职工工资年增长幅度不低于 5%；最低工资高于本市最低工资标准 15%。",
                    "wage_increase_permille": rng.choice([30, 50, 60, 80]),
                },
            )
        )
    scored = []
    for contract in contracts[:12]:
        row = services.contract_evaluate(
            actor=district,
            contract=contract,
            year=year,
            scores={
                c: rng.choice([6, 7, 7.5, 8, 8.5, 9, 9.5]) for c in ("representatives", "procedure", "organisation", "content", "effect")
            },
            comment="程序规范，工资条款具体。",
        )
        scored.append((row.evaluation.total, contract))
    scored.sort(key=lambda x: x[0], reverse=True)
    chosen = []
    for total, contract in scored:
        if contract.organisation_id not in {c.organisation_id for _t, c in chosen}:
            chosen.append((total, contract))
    for total, contract in chosen[:6]:
        services.model_unit_select(
            actor=district, organisation=contract.organisation, year=year, citation="关爱职工成效突出，劳动关系和谐稳定。", score=total
        )
    for batch, month in ((1, 6), (2, 10)):
        services.training_record(
            actor=district,
            title="集体协商指导员及企业工会主席培训会",
            batch=batch,
            held_on=datetime(year, month, 15).date(),
            place="区总工会会议室",
            invited=60,
            attendance={org: rng.randint(1, 3) for org in enterprises[(batch - 1) * 20 : batch * 20]},
        )
    today = timezone.localdate()
    for i, org in enumerate(enterprises[:3]):
        request = services.request_register(
            actor=district,
            organisation=org,
            from_side="union",
            subject="年度工资集体协商要约",
            received_on=today - timedelta(days=[5, 15, 30][i]),
        )
        if i == 1:
            services.request_answer(
                actor=district, request=request, answer="同意于下月开展工资集体协商。", answered_on=today - timedelta(days=3)
            )


def _education(ctx) -> None:
    rng = ctx.rng
    district = ctx.users["district"]
    year = timezone.localdate().year - 1
    for i, (title, place, audience) in enumerate(EVENTS):
        services.event_create(
            actor=district,
            data={
                "title": title,
                "held_on": datetime(year, 1 + i, rng.randint(5, 25)).date(),
                "place": place,
                "audience": audience,
                "attendance": rng.randint(40, 260),
                "summary": "讲解劳动法律法规，现场解答职工咨询，发放《劳动法律政策汇编》口袋书。",
            },
        )
    services.handbook_load()
    asker = ctx.demo_workers[0].user if ctx.demo_workers and ctx.demo_workers[0].user_id else district
    for question, answer in QUESTIONS:
        item = services.question_ask(actor=asker, question=question)
        services.question_answer(actor=district, question=item, answer=answer)
    Question.objects.create(asked_by=asker, question="外卖骑手和平台之间算劳动关系吗？")


def seed_labour(ctx) -> None:
    # One transaction: on SQLite each commit is a disk sync, and the year writes thousands of rows.
    with transaction.atomic():
        _seed(ctx)


def _seed(ctx) -> None:
    from core.services import worker_user_for_phone

    mediators = _mediators(ctx)
    worker = ctx.demo_workers[0] if ctx.demo_workers else None
    if worker is not None and not worker.user_id and worker.phone:
        worker.user = worker_user_for_phone(worker.phone)  # the login the worker's phone opens
    enterprises = [o for o in ctx.grassroots if o.kind == Organisation.Kind.ENTERPRISE] or list(ctx.grassroots)
    _education(ctx)
    _past_year(ctx, mediators, enterprises)
    _this_year(ctx, mediators)
    _monitoring(ctx, enterprises)
    _bargaining(ctx, enterprises)
    ctx.notes.append(
        "劳动关系：调解员 mediator（密码同上）打开 /labour/ 登记口头申请、记录调解、打印协议书；职工 13800000001 在 /labour/me/ 看本人案件与15日期限；"
        "监测点月报 /labour/monitoring/（基层 grassroots 报送上月月报）；法律手册 /labour/handbook/?q=加班费"
    )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# 一年来累计成功调解劳动争议案件184件; 10场普法宣传活动; 培育6家“企业关爱职工·职工热爱企业”单位.
ARTICLE_MEDIATED, ARTICLE_FAILED, ARTICLE_OPEN = 184, 9, 5
ARTICLE_LEGAL_EVENTS, ARTICLE_MODEL_UNITS = 10, 6


def seed_year(ctx, year: int) -> None:
    """Tops the year's cases, legal-education events and model units up to the article's figures
    (counted as the review counts them), so a second run adds nothing."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from engines.workflow.models import Case
    from modules.labour.models import DisputeType, LegalEvent, MediationCase, ModelUnit, Outcome
    from modules.labour.process import KEY

    rng = ctx.rng
    failed = next(o for o in Outcome.values if o and o != Outcome.SUCCESS)
    closed_in_year = MediationCase.objects.filter(closed_at__year=year)
    wanted = [
        (Outcome.SUCCESS, ARTICLE_MEDIATED - closed_in_year.filter(outcome=Outcome.SUCCESS).count()),
        (failed, ARTICLE_FAILED - closed_in_year.filter(outcome=failed).count()),
        ("", ARTICLE_OPEN - MediationCase.objects.filter(received_at__year=year, closed_at__isnull=True).count()),
    ]
    serial = MediationCase.objects.filter(number__startswith=f"Y{year}-").count()
    with transaction.atomic():
        for outcome, missing in wanted:
            for _i in range(max(0, missing)):
                serial += 1
                org = rng.choice(ctx.grassroots)
                received = timezone.make_aware(dt.datetime(year, rng.randrange(1, 11), rng.randrange(1, 28), 9, 30))
                closed = received + dt.timedelta(days=rng.randrange(3, 40)) if outcome else None
                case = MediationCase.objects.create(
                    number=f"Y{year}-{serial:04d}",
                    application_text="申请调解：" + rng.choice(["拖欠工资", "解除劳动合同经济补偿", "加班费", "社会保险"]),
                    received_at=received,
                    dispute_type=rng.choice(DisputeType.values),
                    worker_name="职工" + rng.choice("甲乙丙丁戊"),
                    employer_name=org.name.replace("工会", ""),
                    organisation=org,
                    street=org.street,
                    closed_at=closed,
                    outcome=outcome,
                    amount_agreed_fen=rng.randrange(2_000, 60_000) * 100 if outcome == Outcome.SUCCESS else None,
                )
                Case.objects.create(process=KEY, subject=case, state="closed" if closed else "received")
        for n in range(LegalEvent.objects.filter(held_on__year=year).count(), ARTICLE_LEGAL_EVENTS):
            LegalEvent.objects.create(
                title=f"“尊法守法·携手筑梦”职工普法宣传活动（第{n + 1}场）",
                held_on=dt.date(year, 3 + n % 9, 10 + n % 15),
                place=rng.choice(ctx.streets or [ctx.district]).name + "职工之家",
                audience="辖区职工",
                attendance=rng.randrange(40, 160),
                organiser=ctx.district,
                created_by=ctx.users.get("district"),
            )
        units = ModelUnit.objects.filter(year=year)
        taken = set(units.values_list("organisation_id", flat=True))
        free = [o for o in ctx.grassroots if o.pk not in taken]
        for org in free[: max(0, ARTICLE_MODEL_UNITS - units.filter(selected=True).count())]:
            ModelUnit.objects.create(organisation=org, year=year, selected=True)
