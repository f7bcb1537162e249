"""Demo data: the 2020 epidemic fund that disbursed the article's 2,480,000 yuan across its three
purposes (loaded in bulk, the money through the ledger), and this year's fund with work waiting
for each demo role — the grassroots admin's draft, the street's review, the district's approval
with its budget outlook, a payment to record and receipts to confirm."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import beneficiaries as people
from core.attachments import attachment_add
from core.demo.tree import person_name
from core.models import RoleAssignment, User
from engines.workflow.models import Case, Event
from modules.fund import accounts, services
from modules.fund.models import Application, Beneficiary, Disbursement, Fund
from modules.fund.process import KEY

Role = RoleAssignment.Role
PAST_YEAR = 2020
# The article: 2.48 million yuan to console front-line workers, support grassroots unions'
# prevention work and help small and micro enterprises resume work.
PURPOSES = [
    ("慰问一线职工", 1_300_000, 1_280_000, (500, 800, 1000), "慰问{}一线防疫职工"),
    ("支持基层工会防疫", 800_000, 760_000, (1000, 1500, 2000), "{}基层工会防疫物资与值守补助"),
    ("助力小微企业复工复产", 500_000, 440_000, (2000, 3000, 5000), "{}小微企业复工复产职工补助"),
]
CATEGORIES = ["社区防疫一线", "医护人员", "快递外卖员", "环卫工人", "公交司机", "物业保安", "商超职工"]
# Payments by month of 2020: most in the spring.
MONTH_WEIGHTS = [0, 6, 14, 14, 10, 8, 6, 5, 5, 4, 4, 4]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def _id_number(rng) -> str:
    body = f"1101{rng.randint(1, 8):02d}{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def _split(total_yuan: int, choices, rng) -> list[int]:
    """Amounts per person (yuan) adding up exactly to ``total_yuan``."""
    amounts, left = [], total_yuan
    while left > 0:
        amount = min(rng.choice(choices), left)
        amounts.append(amount)
        left -= amount
    return amounts


def _admin_of(org) -> User:
    assignment = RoleAssignment.objects.filter(role=Role.GRASSROOTS_ADMIN, organisation=org).select_related("user").first()
    if assignment:
        return assignment.user
    user = User.objects.create(username=f"admin-{org.pk}", display_name=f"{org.name}管理员", password="!")
    RoleAssignment.objects.create(user=user, role=Role.GRASSROOTS_ADMIN, organisation=org)
    return user


def _finance(ctx) -> User:
    """The district's finance officer: pays what another officer approved (maker–checker)."""
    from django.contrib.auth.hashers import make_password

    from core.demo.context import DEMO_PASSWORD

    user = User.objects.create(
        username="finance", password=make_password(DEMO_PASSWORD), display_name="区总工会财务演示账号", is_staff=True
    )
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_STAFF, organisation=ctx.district)
    ctx.users["finance"] = user
    return user


def _past_year(ctx) -> Fund:
    rng = ctx.rng
    district, street_user = ctx.users["district"], ctx.users["street"]
    finance = ctx.users["finance"]
    fund = services.fund_create(
        actor=district,
        name="抗疫专项基金",
        year=PAST_YEAR,
        total_budget=sum(p[1] for p in PURPOSES) * 100,
        purposes=[{"name": name, "limit": limit * 100} for name, limit, *_rest in PURPOSES],
        memo="区总工会抗疫专项资金",
    )
    purposes = list(fund.purposes.order_by("order"))
    tz = timezone.get_current_timezone()
    content_type = ContentType.objects.get_for_model(Application)
    months = [m for m, w in enumerate(MONTH_WEIGHTS, start=1) for _ in range(w)]
    unions = ctx.grassroots
    number = 0
    for purpose, (_name, _limit, spent, choices, title) in zip(purposes, PURPOSES, strict=True):
        amounts = _split(spent, choices, rng)
        groups, i = [], 0
        while i < len(amounts):
            size = rng.randint(15, 45)
            groups.append(amounts[i : i + size])
            i += size
        for group in groups:
            number += 1
            org = rng.choice(unions)
            month = rng.choice(months)
            paid_on = date(PAST_YEAR, month, rng.randint(1, 28))
            approved_at = datetime.combine(paid_on - timedelta(days=rng.randint(3, 10)), datetime.min.time(), tz).replace(hour=10)
            application = Application.objects.create(
                fund=fund,
                purpose=purpose,
                organisation=org,
                street=org.street,
                title=title.format(org.name.removesuffix("工会")),
                reason="疫情期间坚守岗位，按区总工会专项基金管理办法申请。",
                amount=sum(group) * 100,
                beneficiary_count=len(group),
                committed=sum(group) * 100,
                submitted_at=approved_at - timedelta(days=8),
                approved_at=approved_at,
                created_by=district,
            )
            received = datetime.combine(paid_on + timedelta(days=rng.randint(2, 12)), datetime.min.time(), tz).replace(hour=15)
            Beneficiary.objects.bulk_create(
                Beneficiary(
                    application=application,
                    purpose=purpose,
                    name=person_name(rng),
                    id_tail=(number_id := _id_number(rng))[-4:],
                    person_key=people.person_key(number_id),
                    category=rng.choice(CATEGORIES),
                    amount=amount * 100,
                    claimed=True,
                    paid=True,
                    received_at=received,
                    receipt_note="已签字领取",
                )
                for amount in group
            )
            case = Case.objects.create(
                process=KEY, content_type=content_type, object_id=application.pk, state="completed", created_by=district
            )
            steps = [
                ("start", "", "draft", approved_at - timedelta(days=10), None),
                ("submit", "draft", "submitted", approved_at - timedelta(days=8), None),
                ("pass", "submitted", "reviewed", approved_at - timedelta(days=4), street_user),
                ("approve", "reviewed", "approved", approved_at, district),
                ("pay", "approved", "paid", datetime.combine(paid_on, datetime.min.time(), tz).replace(hour=11), finance),
                ("complete", "paid", "completed", received, None),
            ]
            Event.objects.bulk_create(
                Event(case=case, transition=t, from_state=a, to_state=b, actor=u, created_at=at) for t, a, b, at, u in steps
            )
            reference = f"2020-FK-{number:04d}"
            # A finished year is loaded, not lived: reserved and paid in one move (the live path
            # reserves at approval and pays later, through the application's commitment account).
            services._move(
                source=accounts.purpose(fund.pk, purpose.pk),
                target=accounts.paid(fund.pk, application.pk),
                amount=application.amount,
                reason="fund_pay",
                key=f"fund-pay-{application.pk}",
                origin=f"fund.application:{application.pk}",
                actor=finance,
                memo=reference,
            )
            Disbursement.objects.create(
                application=application,
                fund=fund,
                purpose=purpose,
                organisation=org,
                street=org.street,
                amount=application.amount,
                reference=reference,
                paid_on=paid_on,
                recorded_by=finance,
            )
    return fund


def _document():
    return SimpleUploadedFile("受益人签字名单.pdf", b"%PDF-1.4\n% demo signed list\n")


def _this_year(ctx) -> None:
    rng = ctx.rng
    district, street_user, admin = ctx.users["district"], ctx.users["street"], ctx.users["grassroots"]
    today = timezone.localdate()
    fund = services.fund_create(
        actor=district,
        name="常态化疫情防控专项资金",
        year=today.year,
        total_budget=600_000_00,
        purposes=[
            {"name": "慰问一线职工", "limit": 300_000_00},
            {"name": "支持基层工会防疫", "limit": 200_000_00},
            {"name": "助力小微企业复工复产", "limit": 60_000_00, "allow_repeat": True},
        ],
    )
    frontline, prevention, smes = fund.purposes.order_by("order")
    own_union = RoleAssignment.objects.get(user=admin, role=Role.GRASSROOTS_ADMIN).organisation
    street = RoleAssignment.objects.get(user=street_user, role=Role.STREET_STAFF).organisation
    in_street = [o for o in ctx.grassroots if o.path.startswith(street.path) and o.pk != own_union.pk]

    def rows(n, choices):
        return [
            {"name": person_name(rng), "id_number": _id_number(rng), "amount": str(rng.choice(choices)), "category": rng.choice(CATEGORIES)}
            for _ in range(n)
        ]

    # The demo grassroots admin's draft: the list is in, the signed document is missing (the page says so).
    draft = services.application_create(actor=admin, fund=fund, purpose=frontline, organisation=own_union, title="慰问本单位防疫一线职工")
    services.beneficiaries_replace(actor=admin, application=draft, rows=rows(6, (500, 800)))
    plan = [
        (frontline, "submitted"),
        (prevention, "submitted"),
        (frontline, "reviewed"),
        (smes, "reviewed"),  # near its limit: the district sees the warning before approving
        (prevention, "approved"),
        (frontline, "paid"),
    ]
    for i, (purpose, target) in enumerate(plan):
        org = in_street[i % len(in_street)] if in_street else own_union
        applicant = _admin_of(org)
        application = services.application_create(
            actor=applicant, fund=fund, purpose=purpose, organisation=org, title=f"{purpose.name}（{org.name.removesuffix('工会')}）"
        )
        choices = (5000,) if purpose == smes else (500, 800, 1000)
        listed = rows(12 if purpose != smes else 11, choices)
        if target == "paid" and ctx.demo_workers:
            # The demo worker 13800000001 is on the paid list: /fund/mine/ shows the money and a
            # button to confirm it arrived.
            worker = ctx.demo_workers[0]
            listed[0].update(name=worker.name, phone=worker.phone, amount="800")
        services.beneficiaries_replace(actor=applicant, application=application, rows=listed)
        attachment_add(actor=applicant, owner=application, upload=_document())
        services.application_transition(actor=applicant, application=application, name="submit")
        if target == "submitted":
            continue
        services.application_transition(actor=street_user, application=application, name="pass")
        if target == "reviewed":
            continue
        services.application_transition(actor=district, application=application, name="approve")
        if target == "approved":
            continue
        services.disbursement_record(actor=ctx.users["finance"], application=application, reference=f"{today.year}-FK-0001", paid_on=today)


def seed_fund(ctx) -> None:
    _finance(ctx)
    _past_year(ctx)
    _this_year(ctx)
    ctx.notes.append(
        "抗疫专项基金：区总 district 打开 /fund/ 查看 2020 年 248 万元的拨付、统计报表与资金追溯，审批待批申请；"
        "财务 finance 登记拨付（审批人不能登记自己批准的拨付）；街道 street 审核；基层 grassroots 补充证明材料后提交；"
        "职工 13800000001 在 /fund/mine/ 查看并确认收到的慰问金"
    )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# 设立疫情防控专项基金，累计下拨248万元用于慰问防疫一线广大职工、支持基层工会开展防疫工作和助力小微企业复工复产.
# (purpose, payments, fen each): 8×150,000 + 8×100,000 + 8×60,000 = 2,480,000 yuan
ARTICLE_PAYMENTS = (
    ("慰问防疫一线职工", 8, 15_000_000),
    ("支持基层工会开展防疫工作", 8, 10_000_000),
    ("助力小微企业复工复产", 8, 6_000_000),
)


def seed_year(ctx, year: int) -> None:
    """The year's fund with its three purposes and 24 payments totalling 248万元; each payment has a
    fixed reference, so a second run finds them and adds nothing."""
    import datetime as dt

    from django.db import transaction

    from engines.workflow.models import Case
    from modules.fund.models import Application, Beneficiary, Disbursement, Fund, Purpose
    from modules.fund.process import KEY

    rng = ctx.rng
    with transaction.atomic():
        fund, _new = Fund.objects.get_or_create(
            name="疫情防控专项基金", year=year, defaults={"total_budget": 300_000_000, "created_by": ctx.users.get("district")}
        )
        done = set(Disbursement.objects.filter(fund=fund).values_list("reference", flat=True))
        n = 0
        for p, (name, count, fen) in enumerate(ARTICLE_PAYMENTS):
            purpose, _new = Purpose.objects.get_or_create(fund=fund, name=name, defaults={"initial_limit": count * fen})
            for i in range(count):
                n += 1
                reference = f"Y{year}-FUND-{p + 1}-{i + 1:02d}"
                if reference in done:
                    continue
                org = ctx.grassroots[(n * 7) % len(ctx.grassroots)]
                application = Application.objects.create(
                    fund=fund,
                    purpose=purpose,
                    organisation=org,
                    street=org.street,
                    title=name,
                    amount=fen,
                    committed=fen,
                    beneficiary_count=2,
                )
                paid_on = dt.date(year, 2 + (n % 10), 1 + (n % 27))
                Disbursement.objects.create(
                    application=application,
                    fund=fund,
                    purpose=purpose,
                    organisation=org,
                    street=org.street,
                    amount=fen,
                    reference=reference,
                    paid_on=paid_on,
                )
                for b in range(2):
                    Beneficiary.objects.create(
                        application=application,
                        purpose=purpose,
                        name=rng.choice("王李张刘陈杨赵黄") + rng.choice(["伟", "芳", "敏", "静", "强"]),
                        id_tail=f"{rng.randrange(0, 10000):04d}",
                        person_key=f"y{year}-{n}-{b}",
                        amount=fen // 2,
                    )
                Case.objects.create(process=KEY, subject=application, state="paid")
