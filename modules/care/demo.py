"""Demo data of the care programme: this year's micro-wish campaign (a wish posted, verified,
claimed and fulfilled with a photo; others waiting for donors), a loan approved by maker and
checker with its interest subsidy paid through the ledger, a counsellor with a booking, hotline
calls and a stress-relief event. Logins: ``donor`` (a donor), ``district2`` (the checker),
``counsellor``; the password is the demo's."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.demo.context import DEMO_PASSWORD
from core.models import Member, RoleAssignment, User
from core.services import worker_user_for_phone
from modules.care import services
from modules.care.models import Booking

Role = RoleAssignment.Role
WISHES = [
    ("小明", "一个新书包", "study", 12000, "孩子今年上一年级，想要一个新书包。"),
    ("王阿姨", "一件冬季棉服", "clothing", 30000, "在街道做保洁十多年，冬天早班很冷，想要一件厚实的棉服。"),
    ("小李", "一次健康体检", "health", 45000, "外卖骑手，常年奔波，想做一次全面体检。"),
    ("老赵", "一套床上用品", "daily", 20000, "刚换了宿舍，想要一套干净暖和的被褥。"),
    ("小芳", "一套课外读物", "study", 15000, "女儿喜欢读书，想要一套适合小学生的课外读物。"),
    ("刘师傅", "一双劳保鞋", "clothing", 18000, "快递分拣员，每天走两万步，鞋子磨破了。"),
]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 16, 46)).save(out, format="PNG")
    return out.getvalue()


def _user(username: str, name: str, password: str, **extra) -> User:
    return User.objects.create(username=username, password=password, display_name=name, **extra)


def seed_care(ctx) -> None:
    password = make_password(DEMO_PASSWORD)
    district, admin = ctx.users["district"], ctx.users["grassroots"]
    checker = _user("district2", "区总工会复核演示账号", password, is_staff=True)
    RoleAssignment.objects.create(user=checker, role=Role.DISTRICT_STAFF, organisation=ctx.district)
    donor = _user("donor", "爱心企业演示账号", password)
    ctx.users.update(district2=checker, donor=donor)
    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=district,
        year=today.year,
        title=f"{today.year}年“微心愿”圆梦行动",
        description="为困难职工、一线劳动者圆一个小小的心愿。",
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=60),
        value_limit=50000,
        hotline_name="区总工会权益保障部",
        hotline_phone="010-66000000",
    )
    workers = list(ctx.demo_workers) + list(
        Member.objects.filter(organisation=admin.roles.first().organisation).exclude(pk__in=[m.pk for m in ctx.demo_workers])[:10]
    )
    wishes = []
    for i, (first, item, category, value, story) in enumerate(WISHES):
        member = workers[i % len(workers)]
        data = {
            "first_name": first,
            "item": item,
            "category": category,
            "value": value,
            "story": story,
            "consent_publish": True,
            "contact_phone": member.phone or "13800000009",
        }
        wish = services.wish_post(actor=admin, campaign=campaign, member=member, data=data)
        if i < 5:
            services.wish_verify(actor=admin, wish=wish)
            services.wish_publish(actor=district, wish=wish)
        wishes.append(wish)
    # The first wish runs to the end: claimed, confirmed, delivered with a photo, confirmed received.
    claim = services.wish_claim(actor=donor, wish=wishes[0], donor_name="某爱心企业")
    services.claim_confirm(actor=admin, claim=claim)
    services.claim_deliver(actor=donor, claim=claim, upload=SimpleUploadedFile("delivered.png", _png(), content_type="image/png"))
    services.wish_confirm_received(actor=admin, wish=wishes[0])
    # The second is claimed and waits for the union's confirmation.
    services.wish_claim(actor=donor, wish=wishes[1], donor_name="某爱心企业")

    _loan(ctx, district, checker)
    _counselling(ctx, district, password)
    ctx.notes.append("关心关爱：捐赠人 donor、复核人 district2、咨询师 counsellor（密码同演示账号）；公开心愿清单 /care/wishes/")


def _loan(ctx, district, checker) -> None:
    borrower = worker_user_for_phone(ctx.demo_workers[0].phone)
    maker = ctx.users.get("street") or district
    loan = services.loan_create(
        actor=borrower,
        data={
            "group": "young_entrepreneur",
            "business_name": "胡同里的社区咖啡馆",
            "business_plan": "在什刹海附近开设社区咖啡馆，资金用于装修与设备采购。",
            "amount": 20_000_000,
            "term_months": 24,
            "bank": "北京农商银行",
        },
    )
    from core.attachments import attachment_add

    attachment_add(
        actor=borrower, owner=loan, upload=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4\n%demo\n", content_type="application/pdf")
    )
    services.loan_transition(actor=borrower, loan=loan, name="submit")
    services.loan_transition(actor=maker, loan=loan, name="review")
    loan.refresh_from_db()
    services.loan_transition(actor=checker, loan=loan, name="approve")
    start = timezone.localdate() - timedelta(days=70)
    services.loan_bank_decision(
        actor=district, loan=loan, approved=True, reference="NSH-2026-0001", amount=20_000_000, annual_rate_bp=345, disbursed_on=start
    )
    services.subsidy_pool_fund(actor=district, amount=10_000_000, key=f"demo-{timezone.localdate().year}")
    for repayment in loan.repayments.order_by("seq")[:2]:
        services.repayment_record(actor=district, repayment=repayment, paid_on=repayment.due_on)


def _counselling(ctx, district, password) -> None:
    user = _user("counsellor", "心理咨询师演示账号", password)
    counsellor = services.counsellor_create(
        actor=district, user=user, name="林老师", qualification="国家二级心理咨询师", location="区职工服务中心 3 层"
    )
    services.availability_set(actor=district, counsellor=counsellor, windows=[(d, 9, 17) for d in range(5)])
    services.assessment_record(
        actor=district,
        purpose="为职工提供心理咨询与减压服务，需要处理预约信息与咨询记录。",
        risks="心理健康信息属于敏感个人信息，一旦泄露可能导致歧视或人格尊严受损。",
        measures="单独同意；咨询记录仅咨询师可见；工作人员仅见统计数字；期满自动删除；查看留痕。",
        retention_days=365,
        consent_text="您的预约信息与咨询记录属于敏感个人信息，仅用于为您提供心理咨询服务，仅您的咨询师可见，保存 365 天后自动删除。",
    )
    ctx.users["counsellor"] = user
    worker = worker_user_for_phone(ctx.demo_workers[0].phone)
    now = timezone.localtime()
    day = now + timedelta(days=1)
    while day.weekday() > 4:
        day += timedelta(days=1)
    at = day.replace(hour=10, minute=0, second=0, microsecond=0)
    bookings = services.booking_create(
        actor=worker,
        counsellor=counsellor,
        starts_at=at,
        mode=Booking.Mode.ONLINE,
        consent=True,
        intake="最近工作压力大，睡不好。",
        repeat_weeks=2,
    )
    services.note_write(actor=user, booking=bookings[0], notes="（演示）首次咨询前的准备。", referral="")
    for minutes, topic in [(15, "work"), (25, "family"), (10, "emotion"), (30, "rights")]:
        services.hotline_log(actor=district, minutes=minutes, topic=topic, referred=topic == "rights")
    services.event_create(
        actor=district, title="职工减压沙龙：正念与睡眠", starts_at=now + timedelta(days=10), place="区职工服务中心", capacity=30
    )


# --- seed_demo --year-like-2020: the article's year ------------------------------------------------
# The article names no figures for 微心愿 or the counselling: the year gets a modest campaign (twelve
# wishes: eight fulfilled, two claimed, two waiting for donors), ten counselling sessions attended
# and thirty hotline calls. Everything goes through the services, which stamp the present moment
# (a wish is posted into an open campaign, a booking is for a future slot); the rows are then dated
# into the year, as the demo's past is loaded rather than lived. Each part is made once.
YEAR_WISHES = (8, 2, 2)  # fulfilled, claimed, waiting
YEAR_SESSIONS, YEAR_CALLS = 10, 30


def seed_year(ctx, year: int) -> None:
    from django.db import transaction

    from modules.care.models import HotlineCall, WishCampaign

    district = ctx.users["district"]
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE, organisation__in=ctx.grassroots)
        .filter(phone__isnull=False)
        .exclude(phone="")
        .select_related("organisation")
        .order_by("pk")[: sum(YEAR_WISHES) + YEAR_SESSIONS]
    )
    if not members:
        return
    with transaction.atomic():
        if not WishCampaign.objects.filter(year=year).exists():
            _year_wishes(ctx, district, year, members[: sum(YEAR_WISHES)])
        if not Booking.objects.filter(starts_at__year=year).exists():
            _year_counselling(ctx, district, year, members[-YEAR_SESSIONS:])
        for n in range(HotlineCall.objects.filter(at__year=year).count(), YEAR_CALLS):
            at = timezone.make_aware(datetime(year, 1 + n % 12, 3 + n % 25, 9 + n % 8, 15))
            services.hotline_log(actor=district, minutes=10 + n % 30, topic=("work", "family", "emotion", "rights")[n % 4], at=at)


def _year_donor() -> User:
    donor = User.objects.filter(username="donor").first()
    if donor is None:
        donor = _user("donor", "爱心企业演示账号", make_password(DEMO_PASSWORD))
    return donor


def _year_wishes(ctx, district, year: int, members: list) -> None:
    from modules.care.models import Wish, WishCampaign, WishClaim

    today = timezone.localdate()
    campaign = services.campaign_create(
        actor=district,
        year=year,
        title=f"{year}年“微心愿”圆梦行动",
        description="为困难职工、一线劳动者圆一个小小的心愿。",
        opens_on=today,
        closes_on=today,
        value_limit=50000,
        hotline_name="区总工会权益保障部",
        hotline_phone="010-66000000",
    )
    donor = _year_donor()
    fulfilled, claimed, _waiting = YEAR_WISHES
    for i, member in enumerate(members):
        first, item, category, value, story = WISHES[i % len(WISHES)]
        data = {"first_name": first, "item": item, "category": category, "value": value, "story": story, "consent_publish": True}
        wish = services.wish_post(actor=district, campaign=campaign, member=member, data=data)
        services.wish_verify(actor=district, wish=wish)
        services.wish_publish(actor=district, wish=wish)
        if i >= fulfilled + claimed:
            continue  # waiting for a donor
        claim = services.wish_claim(actor=donor, wish=wish, donor_name="某爱心企业")
        services.claim_confirm(actor=district, claim=claim)
        if i >= fulfilled:
            continue  # claimed, the gift not yet handed over
        services.claim_deliver(actor=donor, claim=claim, upload=SimpleUploadedFile("delivered.png", _png(), content_type="image/png"))
        services.wish_confirm_received(actor=district, wish=wish)
    # dated into the year: the campaign from March to June, each step a few days after the last
    tz = timezone.get_current_timezone()
    WishCampaign.objects.filter(pk=campaign.pk).update(
        opens_on=date(year, 3, 1), closes_on=date(year, 6, 30), created_at=datetime(year, 2, 20, 10, tzinfo=tz)
    )
    for i, wish in enumerate(campaign.wishes.order_by("pk")):
        posted = datetime(year, 3, 2 + i, 10, tzinfo=tz)
        Wish.objects.filter(pk=wish.pk).update(
            created_at=posted,
            verified_at=posted + timedelta(days=2),
            published_at=posted + timedelta(days=3),
            fulfilled_at=posted + timedelta(days=40) if wish.fulfilled_at else None,
        )
        claim = WishClaim.objects.filter(wish=wish).first()
        if claim is not None:
            WishClaim.objects.filter(pk=claim.pk).update(
                created_at=posted + timedelta(days=10),
                confirmed_at=posted + timedelta(days=11),
                delivered_at=posted + timedelta(days=35) if claim.delivered_at else None,
                closed_at=posted + timedelta(days=40) if claim.closed_at else None,
            )


def _year_counselling(ctx, district, year: int, members: list) -> None:
    """Sessions booked by workers and marked attended by the counsellor, then dated to one weekday
    morning each across the year."""
    from modules.care.models import Counsellor

    counsellor = Counsellor.objects.filter(active=True).select_related("user").order_by("pk").first()
    if counsellor is None:
        user = User.objects.filter(username="counsellor").first() or _user("counsellor", "心理咨询师演示账号", make_password(DEMO_PASSWORD))
        counsellor = services.counsellor_create(
            actor=district, user=user, name="林老师", qualification="国家二级心理咨询师", location="区职工服务中心 3 层"
        )
        services.availability_set(actor=district, counsellor=counsellor, windows=[(d, 9, 17) for d in range(5)])
    if services.current_assessment() is None:
        services.assessment_record(
            actor=district,
            purpose="为职工提供心理咨询与减压服务，需要处理预约信息与咨询记录。",
            risks="心理健康信息属于敏感个人信息，一旦泄露可能导致歧视或人格尊严受损。",
            measures="单独同意；咨询记录仅咨询师可见；工作人员仅见统计数字；期满自动删除；查看留痕。",
            retention_days=365,
            consent_text="您的预约信息与咨询记录属于敏感个人信息，仅用于为您提供心理咨询服务，仅您的咨询师可见，保存 365 天后自动删除。",
        )
    slots = _free_slots(counsellor, len(members))
    tz = timezone.get_current_timezone()
    day = date(year, 2, 1)
    for member, slot in zip(members, slots, strict=False):
        worker = worker_user_for_phone(member.phone)
        (booking,) = services.booking_create(
            actor=worker, counsellor=counsellor, starts_at=slot, mode=Booking.Mode.ONLINE, consent=True, intake="工作压力大，想聊一聊。"
        )
        services.booking_close(actor=counsellor.user, booking=booking, attended=True)
        while day.weekday() > 4:
            day += timedelta(days=1)
        at = datetime(day.year, day.month, day.day, 10, tzinfo=tz)
        Booking.objects.filter(pk=booking.pk).update(
            starts_at=at,
            consent_at=at - timedelta(days=3),
            created_at=at - timedelta(days=3),
            erase_after=booking.erase_after - (slot - at),
        )
        day += timedelta(days=30)


def _free_slots(counsellor, n: int) -> list:
    """The counsellor's next ``n`` free hours in their weekly windows (from tomorrow)."""
    from modules.care.services import is_available

    taken = set(Booking.objects.filter(counsellor=counsellor, status=Booking.Status.BOOKED).values_list("starts_at", flat=True))
    at = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    slots = []
    for _hour in range(24 * 60):
        if len(slots) == n:
            break
        if at not in taken and is_available(counsellor, at):
            slots.append(at)
        at += timedelta(hours=1)
    return slots
