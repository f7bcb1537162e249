"""Demo data: the 2020 call run to the end (applications from every street, expert scores, named
studios), and this year's call open, with work waiting for each demo role — the grassroots admin's
draft, the street's pre-reviews, the expert's scoring, the district's decision and a public notice
with an objection."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from core.demo.context import DEMO_PASSWORD
from core.models import RoleAssignment, User
from engines.review import services as review
from engines.workflow.models import Case, Event
from modules.studios import services
from modules.studios.models import Application, Call, Field
from modules.studios.process import KEY

Role = RoleAssignment.Role
CRAFTS = [
    "电力抢修",
    "数控加工",
    "轨道维护",
    "燃气安全",
    "热力运行",
    "中医药制剂",
    "古建修缮",
    "园林养护",
    "智慧物流",
    "金融科技",
    "文物修复",
    "供水管网",
]
LEADERS = ["王强", "李建国", "张丽", "刘伟", "陈敏", "杨帆", "赵磊", "孙静", "周洋", "吴刚", "郑华", "冯雪"]
HONOURS = ["北京市劳动模范", "全国五一劳动奖章获得者", "首都劳动奖章获得者", "北京大工匠", "西城区劳动模范", "全国技术能手"]
ITEMS = ("leader", "results", "team", "facilities", "management")


def _experts(ctx) -> list[User]:
    password = make_password(DEMO_PASSWORD)
    experts = []
    for i, name in enumerate(["评审专家甲", "评审专家乙", "评审专家丙", "评审专家丁", "评审专家戊"]):
        user = User.objects.create(username="expert" if i == 0 else f"expert{i + 1}", password=password, display_name=name)
        RoleAssignment.objects.create(user=user, role=Role.EXPERT, organisation=ctx.district)
        experts.append(user)
    ctx.users["expert"] = experts[0]
    return experts


def _data(rng, i: int, year: int) -> dict:
    craft = CRAFTS[i % len(CRAFTS)]
    leader = LEADERS[i % len(LEADERS)]
    return {
        "name": f"{leader}{craft}创新工作室",
        "field": rng.choice(Field.values),
        "leader_name": leader,
        "leader_title": rng.choice(["高级技师", "工程师", "班组长、技师", "首席技师"]),
        "leader_honours": rng.choice(HONOURS),
        "team": [{"name": f"成员{k + 1}", "role": rng.choice(["技师", "工程师", "技术员"])} for k in range(rng.randint(6, 15))],
        "results": [
            {"kind": "patent", "title": f"一种{craft}用装置", "year": year - 1},
            {"kind": "benefit", "title": f"{craft}工艺改进年节约成本{rng.randint(20, 300)}万元", "year": year},
        ],
        "summary": f"工作室围绕{craft}开展技术攻关和师带徒培训，形成多项可推广的成果。",
        "facilities": f"固定场所{rng.randint(40, 200)}平方米，年度专项经费{rng.randint(3, 20)}万元。",
        "consent_to_notice": True,
    }


def _history(case: Case, steps: list[tuple[str, str, str, datetime, User | None]]) -> None:
    """Backdated events of a finished year (the demo's past is loaded, not lived)."""
    Event.objects.bulk_create(
        Event(case=case, transition=t, from_state=a, to_state=b, actor=actor, created_at=at) for t, a, b, at, actor in steps
    )


def _past_year(ctx, experts: list[User], year: int = 2020) -> None:
    rng = ctx.rng
    district, street_user = ctx.users["district"], ctx.users["street"]
    rubric = services.standard_rubric(actor=district)
    call = Call.objects.create(
        year=year,
        title=f"{year}年区级职工创新工作室申报",
        opens_on=date(year, 4, 1),
        closes_on=date(year, 5, 31),
        quota=15,
        rubric=rubric,
        created_by=district,
    )
    content_type = ContentType.objects.get_for_model(Application)
    tz = timezone.get_current_timezone()
    # The demo grassroots admin's own union is among the named studios (its subsidy is in use).
    own_union = RoleAssignment.objects.get(user=ctx.users["grassroots"], role=Role.GRASSROOTS_ADMIN).organisation
    unions = [own_union] + rng.sample([o for o in ctx.grassroots if o.pk != own_union.pk], min(31, len(ctx.grassroots) - 1))
    scored = []
    for i, org in enumerate(unions):
        application = Application.objects.create(
            call=call,
            organisation=org,
            street=org.street,
            created_by=district,
            submitted_at=datetime(year, 5, 10, 10, tzinfo=tz),
            **_data(rng, i, year),
        )
        evaluation = review.evaluation_open(actor=district, rubric=rubric, subject=application, title=application.name)
        base = 9.4 if org.pk == own_union.pk else rng.uniform(5.5, 9.3)
        for expert in experts[:3]:
            review.scores_submit(
                actor=expert, evaluation=evaluation, scores={code: min(10, max(0, round(base + rng.uniform(-1, 1), 1))) for code in ITEMS}
            )
        evaluation.refresh_from_db()
        application.evaluation = evaluation
        application.save(update_fields=["evaluation"])
        scored.append((evaluation.total, application))
    scored.sort(key=lambda pair: -pair[0])
    for rank, (_total, application) in enumerate(scored):
        named = rank < call.quota
        case = Case.objects.create(
            process=KEY,
            content_type=content_type,
            object_id=application.pk,
            state="named" if named else "not_selected",
            created_by=district,
        )
        steps = [
            ("start", "", "draft", datetime(year, 4, 20, 9, tzinfo=tz), None),
            ("submit", "draft", "submitted", datetime(year, 5, 10, 10, tzinfo=tz), None),
            ("pass", "submitted", "expert_review", datetime(year, 5, 20, 15, tzinfo=tz), street_user),
        ]
        if named:
            steps += [
                ("approve", "expert_review", "approved", datetime(year, 6, 20, 10, tzinfo=tz), district),
                ("publish", "approved", "notice", datetime(year, 6, 22, 9, tzinfo=tz), district),
                ("name", "notice", "named", datetime(year, 6, 29, 9, tzinfo=tz), None),
            ]
        else:
            steps.append(("decline", "expert_review", "not_selected", datetime(year, 6, 20, 10, tzinfo=tz), district))
        _history(case, steps)
        review.evaluation_approve(actor=district, evaluation=application.evaluation)
    _after_naming(ctx, [application for _total, application in scored[: call.quota]], own_union, year)


def _after_naming(ctx, named: list[Application], own_union, year: int) -> None:
    """Subsidies for the named studios — most spent and accepted, the demo union's still in use,
    one freshly granted — and the yearly re-checks: all passed, one to rectify, one demoted."""
    from modules.studios import services_annual, services_subsidy
    from modules.studios.models import AnnualCheck, Subsidy

    rng, district = ctx.rng, ctx.users["district"]
    tz = timezone.get_current_timezone()
    last_year = timezone.localdate().year - 1
    for rank, application in enumerate(named):
        admin = _admin_of(application.organisation)
        amount = rng.choice([3, 5, 8, 10]) * 10_000_00
        subsidy = services_subsidy.subsidy_grant(
            actor=district, application=application, amount=amount, purpose="购置创新设备、开展技术攻关和技能培训"
        )
        Subsidy.objects.filter(pk=subsidy.pk).update(granted_at=datetime(year, 7, 10, 10, tzinfo=tz))
        if rank == len(named) - 1:
            continue  # granted, waiting for finance
        subsidy = services_subsidy.subsidy_pay(
            actor=district, subsidy=subsidy, payment_reference=f"财拨-{year}-{rank + 1:03d}", paid_on=date(year, 7, 20)
        )
        spend = [amount * 5 // 10, amount * 3 // 10]
        if application.organisation_id != own_union.pk:
            spend.append(amount * rng.choice([1, 2]) // 10 - 1_000_00)
        for share, (category, what) in zip(
            spend, [("equipment", "购置检测与加工设备"), ("research", "技术攻关材料费"), ("training", "技能培训与交流")], strict=False
        ):
            services_subsidy.expense_record(
                actor=admin, subsidy=subsidy, category=category, amount=share, spent_on=date(year, 9, 15), description=what
            )
        if application.organisation_id != own_union.pk:
            services_subsidy.subsidy_accept(actor=district, subsidy=subsidy, passed=True, note="资金使用符合专款专用要求，验收通过。")
    for rank, application in enumerate(named):
        admin = _admin_of(application.organisation)
        check = services_annual.annual_report_submit(
            actor=admin,
            application=application,
            year=last_year,
            report=f"{last_year}年度完成技术攻关 {rng.randint(2, 6)} 项、培训职工 {rng.randint(80, 400)} 人次，新增专利 {rng.randint(0, 3)} 项。",
        )
        if rank == 2:
            services_annual.annual_check_decide(
                actor=district, check=check, outcome=AnnualCheck.Outcome.RECTIFY, note="培训台账不全，请于三个月内整改。"
            )
        elif rank == len(named) - 2:
            services_annual.annual_check_decide(
                actor=district, check=check, outcome=AnnualCheck.Outcome.DEMOTED, note="团队解散、全年无创新成果，撤销命名。"
            )
        elif application.organisation_id != own_union.pk:
            services_annual.annual_check_decide(actor=district, check=check, outcome=AnnualCheck.Outcome.PASSED, note="复核合格。")


def _this_year(ctx, experts: list[User]) -> None:
    rng = ctx.rng
    district, street_user, admin = ctx.users["district"], ctx.users["street"], ctx.users["grassroots"]
    today = timezone.localdate()
    call = services.call_create(
        actor=district,
        year=today.year,
        title=f"{today.year}年区级职工创新工作室申报",
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
        quota=12,
        rubric=services.standard_rubric(actor=district),
    )
    own_union = RoleAssignment.objects.get(user=admin, role=Role.GRASSROOTS_ADMIN).organisation
    street = RoleAssignment.objects.get(user=street_user, role=Role.STREET_STAFF).organisation
    in_street = [o for o in ctx.grassroots if o.path.startswith(street.path) and o.pk != own_union.pk]
    # The demo grassroots admin's own draft, one item short of complete (the page says which).
    services.application_create(
        actor=admin, call=call, organisation=own_union, data={**_data(rng, 0, today.year), "consent_to_notice": False}
    )
    # Applications of the demo street: submitted (waiting for the street), in review, decided, in notice.
    for i, org in enumerate(in_street[:9]):
        applicant = _admin_of(org)
        application = services.application_create(actor=applicant, call=call, organisation=org, data=_data(rng, i + 1, today.year))
        services.application_transition(actor=applicant, application=application, name="submit")
        if i < 3:
            continue  # waiting for the demo street's pre-review
        services.application_transition(actor=street_user, application=application, name="pass")
        application.refresh_from_db()
        panel = experts[:2] if i != 3 else experts[1:3]  # application 3 waits for the demo expert
        if i == 3:
            assignment = services.expert_assign(actor=district, application=application, expert=experts[0])
            services.assignment_declare_no_conflict(actor=experts[0], assignment=assignment)
        for expert in panel:
            assignment = services.expert_assign(actor=district, application=application, expert=expert)
            services.assignment_declare_no_conflict(actor=expert, assignment=assignment)
            services.scores_submit(actor=expert, application=application, scores={code: rng.choice([7, 7.5, 8, 8.5, 9]) for code in ITEMS})
        if i == 4:
            # An on-site inspection waits for the demo expert (the photos must be taken on site).
            from modules.studios.services_inspection import inspection_assign

            inspection_assign(actor=district, application=application, inspector=experts[0])
        if i >= 6:
            services.application_transition(actor=district, application=application, name="approve")
        if i >= 8:
            services.application_transition(actor=district, application=application, name="publish")
            services.objection_lodge(
                actor=ctx.demo_workers[0].user or district, application=application, text="听说该工作室的部分成果是外包完成的，请核实。"
            )


def _admin_of(org) -> User:
    """The union's admin; demo unions without one get a login-less admin account."""
    assignment = RoleAssignment.objects.filter(role=Role.GRASSROOTS_ADMIN, organisation=org).select_related("user").first()
    if assignment:
        return assignment.user
    user = User.objects.create(username=f"admin-{org.pk}", display_name=f"{org.name}管理员", password="!")
    RoleAssignment.objects.create(user=user, role=Role.GRASSROOTS_ADMIN, organisation=org)
    return user


def seed_studios(ctx) -> None:
    experts = _experts(ctx)
    _past_year(ctx, experts)
    _this_year(ctx, experts)
    ctx.notes.append(
        "创新工作室：区总 district 打开 /studios/ 审定与公示，街道 street 初审，基层 grassroots 修改草稿后提交，"
        "专家 expert（密码同上）在 /studios/expert/ 评分、在 /studios/inspections/ 现场核查；公示页 /studios/notice/；"
        "已命名工作室的补助（拨付、支出、验收）与年度复核在各自的申报页"
    )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# The article names no studio figures: the year gets a call run to the end like the demo's 2020 one
# (applications from the district's unions, expert scores, 15 named, their subsidies paid).


def seed_year(ctx, year: int) -> None:
    """The year's call, applications, scores, named studios and subsidies (``_past_year``), made
    once: a year that already has a call is left as it is."""
    from django.db import transaction

    if Call.objects.filter(year=year).exists() or "grassroots" not in ctx.users:
        return
    with transaction.atomic():
        ctx.users.setdefault("street", ctx.users["district"])
        _past_year(ctx, _year_experts(ctx), year)


def _year_experts(ctx) -> list[User]:
    """The demo's experts when the demo made them, else made as the demo makes them."""
    names = ["expert", "expert2", "expert3", "expert4", "expert5"]
    found = {u.username: u for u in User.objects.filter(username__in=names, roles__role=Role.EXPERT).distinct()}
    if not found and not User.objects.filter(username__in=names).exists():
        return _experts(ctx)
    return [found[name] for name in names if name in found] or [ctx.users["district"]]
