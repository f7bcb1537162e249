"""PIPL: masking in public, a member's own data export, account closing that keeps the books, retention."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from core.models import AuditLog, ConsentRecord, Member, PhoneOTP
from core.privacy import mask_name, mask_phone, public_name, retention_purge
from core.services import ranking_consent_set
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ledger.services import entry_post


def test_names_and_phones_are_masked_the_chinese_way():
    assert mask_name("张三") == "张*"
    assert mask_name("张小明") == "张*明"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812341234") == "138****1234"


def test_a_name_appears_publicly_only_with_consent_and_consent_changes_are_recorded(world):
    member = world.worker_a1
    assert public_name(member) == "匿名职工"
    ranking_consent_set(member=member, granted=True)
    assert public_name(member) == "张*明"
    ranking_consent_set(member=member, granted=False)
    assert public_name(member) == "匿名职工"
    assert list(ConsentRecord.objects.filter(member=member).order_by("at").values_list("granted", flat=True)) == [True, False]


def test_a_worker_sees_and_downloads_only_their_own_data(world):
    client = world.client_for(world.worker_a1)
    page = client.get("/me/data/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张小明" in text and "13800000001" in text
    assert "李华" not in text and "13800000002" not in text
    download = client.get("/me/data/json/")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert download.json()["member_id"] == world.worker_a1.pk
    xlsx = client.get("/me/data/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_staff_without_a_member_record_get_404_for_my_data(world):
    assert world.client_for(world.district_staff).get("/me/data/").status_code == 404
    assert world.client_for(world.district_staff).get("/me/data/json/").status_code == 404


def test_closing_an_account_erases_the_person_but_keeps_the_ledger_totals(world):
    member = world.worker_a1
    entry_post(member_id=member.pk, amount=12, reason="test.credit", source="test:1")
    client = world.client_for(member)
    refused = client.post("/me/close/", {})
    assert refused.status_code == 200 and "请勾选确认" in refused.content.decode()
    response = client.post("/me/close/", {"confirm": "yes"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.CLOSED
    assert member.phone is None and member.name == "已注销会员" and member.user is None
    assert balance_of(member.pk) == 12
    assert ledger_mismatches() == []
    assert AuditLog.objects.filter(action="member.close_account", object_id=str(member.pk)).exists()
    # The login is gone: the old session no longer reaches the member's pages.
    assert client.get("/me/data/").status_code in (302, 404)
    call_command("ledger_check")


def test_retention_purges_old_one_time_codes_only(world, settings):
    settings.RETENTION_DAYS_OTP = 7
    now = timezone.now()
    old = PhoneOTP.objects.create(phone="13800000001", code_hash="x", created_at=now - timedelta(days=8), expires_at=now - timedelta(days=8))
    fresh = PhoneOTP.objects.create(phone="13800000001", code_hash="y", created_at=now, expires_at=now + timedelta(minutes=5))
    retention_purge()
    assert not PhoneOTP.objects.filter(pk=old.pk).exists()
    assert PhoneOTP.objects.filter(pk=fresh.pk).exists()
