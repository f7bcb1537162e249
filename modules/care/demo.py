"""Demo data of the care programme: this year's micro-wish campaign (a wish posted, verified,
claimed and fulfilled with a photo; others waiting for donors), a loan approved by maker and
checker with its interest subsidy paid through the ledger, a counsellor with a booking, hotline
calls and a stress-relief event. Logins: ``donor`` (a donor), ``district2`` (the checker),
``counsellor``; the password is the demo's."""

from __future__ import annotations

import io
from datetime import timedelta

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
