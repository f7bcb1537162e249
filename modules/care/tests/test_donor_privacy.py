"""The public donors' privacy notice and consent (issue 22): a notice page linked from the donor
login; the first login there needs the ticked consent (stored with its time; refused with a field
error otherwise, the code staying usable); a public donor can close their account."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog, PhoneOTP, User
from modules.care import services
from modules.care.models import DonorConsent, WishClaim
from modules.care.tests.test_public_donor import PUBLIC, SMS, code_for

URL = "care:donor_login"


def _ask_code(client: Client, phone: str = PUBLIC) -> str:
    assert "验证码已发送" in client.post(reverse(URL), {"phone": phone}).content.decode()
    return code_for(phone)


def test_the_notice_says_what_why_how_long_what_stays_hidden_and_how_to_close(db):
    html = Client().get(reverse("care:donor_privacy")).content.decode()
    for words in ("只收集您的手机号", "为什么收集", "保存多久", "注销账号后立即删除", "心愿人的身份保密", "如何注销账号", "天后自动删除"):
        assert words in html, words
    assert 'name="viewport"' in html and "style=" not in html
    login = Client().get(reverse(URL)).content.decode()
    assert reverse("care:donor_privacy") in login


@SMS
def test_the_first_login_needs_the_consent_a_field_error_otherwise(world):
    client = Client()
    code = _ask_code(client)
    refused = client.post(reverse(URL), {"phone": PUBLIC, "code": code})
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert refused.context["otp_form"].errors["consent"] == ["首次登录请先阅读并勾选同意《爱心人士隐私说明》"]
    assert 'class="field has-error"' in refused.content.decode()
    # nothing was kept: no account, no consent, and the code was not spent
    assert not User.objects.filter(phone=PUBLIC).exists() and not DonorConsent.objects.exists()
    assert PhoneOTP.objects.get(phone=PUBLIC).used_at is None
    before = timezone.now()
    done = client.post(reverse(URL), {"phone": PUBLIC, "code": code, "consent": "on"})
    assert done.status_code == 302 and "_auth_user_id" in client.session
    consent = DonorConsent.objects.get(user__phone=PUBLIC)
    assert consent.notice_version == services.DONOR_NOTICE_VERSION
    assert before <= consent.at <= timezone.now()
    assert AuditLog.objects.filter(action="care.donor_consent", object_id=str(consent.user_id)).count() == 1
    # a returning donor is not asked again, and the consent keeps its first time
    again = Client()
    code = _ask_code(again)
    assert again.post(reverse(URL), {"phone": PUBLIC, "code": code}).status_code == 302
    assert DonorConsent.objects.get(user__phone=PUBLIC).at == consent.at


@SMS
def test_a_wrong_code_is_told_as_such_and_counted_consent_or_not(world):
    client = Client()
    code = _ask_code(client)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse(URL), {"phone": PUBLIC, "code": wrong})
    assert "验证码不正确" in response.content.decode() and "consent" not in response.context["otp_form"].errors
    assert PhoneOTP.objects.get(phone=PUBLIC).attempts == 1


@SMS
def test_a_member_logging_in_here_for_the_first_time_consents_too(world):
    client = Client()
    code = _ask_code(client, world.worker_a1.phone)
    assert client.post(reverse(URL), {"phone": world.worker_a1.phone, "code": code}).status_code == 200
    assert client.post(reverse(URL), {"phone": world.worker_a1.phone, "code": code, "consent": "on"}).status_code == 302
    assert DonorConsent.objects.filter(user=world.worker_a1.user).exists()


def _public_donor(phone: str = PUBLIC) -> User:
    from core.services import public_user_for_phone

    return public_user_for_phone(phone)


def test_a_public_donor_closes_the_account_after_finishing_their_claims(world, published):
    user = _public_donor()
    PhoneOTP.objects.create(phone=PUBLIC, code_hash="x", expires_at=timezone.now() + timedelta(minutes=5))
    claim = services.wish_claim(actor=user, wish=published, donor_name="热心市民", note="周末送到")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("care:donor_close")).content.decode()
    assert "进行中的认领" in page
    refused = client.post(reverse("care:donor_close"), {"confirm": "yes"})
    assert "请先完成或退回后再注销" in refused.content.decode()
    services.claim_give_back(actor=user, claim=claim)
    assert "请勾选确认" in client.post(reverse("care:donor_close"), {}).content.decode()
    closed = client.post(reverse("care:donor_close"), {"confirm": "yes"})
    assert closed.status_code == 302 and "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.phone is None and not user.is_active and PUBLIC not in user.username
    claim.refresh_from_db()
    assert claim.donor_name == "已注销爱心人士" and claim.note == "" and claim.status == WishClaim.Status.RELEASED
    assert not PhoneOTP.objects.filter(phone=PUBLIC).exists()
    assert not AuditLog.objects.filter(object_repr__contains=PUBLIC).exists()


def test_members_close_at_my_data_and_staff_may_not_close_here(world):
    member = Client()
    member.force_login(world.worker_a1.user)
    response = member.get(reverse("care:donor_close"))
    assert response.status_code == 302 and response["Location"] == reverse("core:close_account")
    staff = Client()
    staff.force_login(world.district_staff)
    assert staff.post(reverse("care:donor_close"), {"confirm": "yes"}).status_code == 403
    world.district_staff.refresh_from_db()
    assert world.district_staff.is_active
    assert Client().get(reverse("care:donor_close")).status_code == 302  # to the login


def test_the_donors_page_links_the_notice_and_the_closure(world):
    client = Client()
    client.force_login(_public_donor())
    html = client.get(reverse("care:contributions")).content.decode()
    assert reverse("care:donor_privacy") in html and reverse("care:donor_close") in html
    worker = Client()
    worker.force_login(world.worker_a1.user)
    assert reverse("care:donor_close") not in worker.get(reverse("care:contributions")).content.decode()
