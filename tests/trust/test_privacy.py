"""PIPL: masking in public, a member's own data export, account closing that keeps the books, retention."""

import os
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
    assert member.phone is None and member.name.startswith("已注销会员#") and member.user is None
    assert balance_of(member.pk) == 12
    assert ledger_mismatches() == []
    assert AuditLog.objects.filter(action="member.close_account", object_id=str(member.pk)).exists()
    # The login is gone: the old session no longer reaches the member's pages.
    assert client.get("/me/data/").status_code in (302, 404)
    call_command("ledger_check")


def test_retention_purges_old_one_time_codes_only(world, settings):
    settings.RETENTION_DAYS_OTP = 7
    now = timezone.now()
    old = PhoneOTP.objects.create(
        phone="13800000001", code_hash="x", created_at=now - timedelta(days=8), expires_at=now - timedelta(days=8)
    )
    fresh = PhoneOTP.objects.create(phone="13800000001", code_hash="y", created_at=now, expires_at=now + timedelta(minutes=5))
    retention_purge()
    assert not PhoneOTP.objects.filter(pk=old.pk).exists()
    assert PhoneOTP.objects.filter(pk=fresh.pk).exists()


# --- Each programme's part of the member's own export (registered from the programmes' hooks) ---


def _export_sections(member) -> dict:
    from core.privacy import member_data_export

    return {s["title"]: s["rows"] for s in member_data_export(member)["sections"]}


def _other_members_activity(world, s):
    """worker_a1_other does a bit of everything too: none of it may appear in worker_a1's export."""
    from modules.bags import codes as bag_codes
    from modules.bags import services as bags
    from modules.prizes.services import redemption_create
    from modules.stations import services as stations

    other = world.worker_a1_other
    code = bag_codes.encode(s["batch"].first_bag_id + 2)
    bags.bag_bind(actor=other.user, code=code)
    result = bags.collection_record(
        actor=world.collector_a,
        item=bags.ScanIn(client_id="other-scan-0001", code=code, point_id=s["point"].pk, category="other", grade="correct"),
    )
    assert result.ok
    entry_post(member_id=other.pk, amount=50, reason="test.credit", source="other")
    redemption_create(actor=other.user, member=other, prize_id=s["prize"].pk, place_id=s["place"].pk, idempotency_key="other-redeem-1")
    stations.rating_submit(actor=other.user, station=s["station"], stars=2, comment="李华的评价")
    return code


def test_the_export_holds_each_programmes_rows_for_the_member_and_none_of_anothers(world, settings, tmp_path):
    from modules.bags import codes as bag_codes
    from modules.knowledge.models import Answer, Question
    from modules.knowledge.services import answer_submit
    from modules.stations import services as stations
    from tests.trust.scenario import build

    settings.MEDIA_ROOT = str(tmp_path)
    s = build(world)
    member = world.worker_a1
    qid = s["attempt"].question_ids[0]
    answer_submit(
        attempt_id=s["attempt"].pk,
        member=member,
        question_id=qid,
        chosen=list(Question.objects.get(pk=qid).correct),
        client_key="privacy-answer-1",
        actor=member.user,
    )
    stations.rating_submit(actor=member.user, station=s["station"], stars=5, comment="张小明的评价")
    other_code = _other_members_activity(world, s)

    sections = _export_sections(member)
    bags_rows = sections["垃圾分类：我的垃圾袋与回收记录"]
    assert [r["垃圾袋编码"] for r in bags_rows] == [bag_codes.encode(s["batch"].first_bag_id)]
    assert bags_rows[0]["分类质量"] == "合格" and bags_rows[0]["获得积分"] == s["collection"].points_awarded
    redemptions = sections["积分兑换：我的兑换记录"]
    assert len(redemptions) == 1 and redemptions[0]["奖品"] == s["prize"].name and redemptions[0]["积分"] == s["prize"].points_price
    answers = sections["垃圾分类知识：我的答题记录"]
    assert len(answers) == Answer.objects.filter(member=member).count() == 1 and answers[0]["是否答对"] == "是"
    stations_rows = sections["职工驿站：我的评价与问题反映"]
    assert {r["类型"] for r in stations_rows} == {"评价", "问题反映"}
    assert any(r["内容"] == "张小明的评价" for r in stations_rows)
    ledger = sections["积分明细"]
    from engines.ledger.models import Entry

    assert len(ledger) == Entry.objects.filter(account__member_id=member.pk).count() >= 3
    assert ledger[-1]["变动后余额"] == balance_of(member.pk)
    text = str(sections)
    assert other_code not in text and "李华的评价" not in text and "李华" not in text


def test_the_download_carries_the_programme_sections(world, settings, tmp_path):
    from tests.trust.scenario import build

    settings.MEDIA_ROOT = str(tmp_path)
    build(world)
    data = world.client_for(world.worker_a1).get("/me/data/json/").json()
    titles = [s["title"] for s in data["sections"]]
    for title in (
        "垃圾分类：我的垃圾袋与回收记录",
        "积分兑换：我的兑换记录",
        "垃圾分类知识：我的答题记录",
        "职工驿站：我的评价与问题反映",
        "积分明细",
    ):
        assert title in titles
    xlsx = world.client_for(world.worker_a1).get("/me/data/xlsx/")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    other = world.client_for(world.worker_b1).get("/me/data/json/").json()
    assert all(
        not s["rows"] for s in other["sections"] if s["title"] in ("垃圾分类：我的垃圾袋与回收记录", "积分兑换：我的兑换记录", "积分明细")
    )


# --- Retention of raw scan photos ----------------------------------------------------------


def test_old_scan_photos_are_deleted_file_and_field_recent_ones_kept(world, settings, tmp_path):
    from django.core.files.base import ContentFile

    from core.registry import registry
    from modules.bags.models import Collection
    from modules.bags.retention import scan_photos_purge
    from tests.trust.scenario import build

    settings.MEDIA_ROOT = str(tmp_path)
    settings.RETENTION_DAYS_SCAN_PHOTOS = 30
    s = build(world)
    old = s["collection"]
    old.photo.save("old.jpg", ContentFile(b"\xff\xd8old"), save=True)
    Collection.objects.filter(pk=old.pk).update(collected_at=timezone.now() - timedelta(days=31))
    from modules.bags import codes as bag_codes
    from modules.bags import services as bags

    recent_result = bags.collection_record(
        actor=world.collector_a,
        item=bags.ScanIn(
            client_id="recent-0001",
            code=bag_codes.encode(s["batch"].first_bag_id + 3),
            point_id=s["point"].pk,
            category="other",
            grade="wrong",
            reasons=["mixed_kitchen"],
        ),
    )
    recent = Collection.objects.get(pk=recent_result.collection_id)
    recent.photo.save("recent.jpg", ContentFile(b"\xff\xd8new"), save=True)
    old_path, recent_path = old.photo.path, recent.photo.path

    assert scan_photos_purge() == "purged 1 scan photos older than 30 days"
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.photo and not os.path.exists(old_path)
    assert recent.photo and os.path.exists(recent_path)
    assert old.grade == "correct" and old.points_awarded == s["collection"].points_awarded  # the books keep the collection
    assert scan_photos_purge() == "purged 0 scan photos older than 30 days"
    assert "modules.bags.retention.scan_photos_purge" in [job for job, _every in registry.periodic_jobs]


# --- Staff looking at personal data is logged ------------------------------------------------


def test_revealing_a_phone_is_logged_and_the_district_reads_the_log(world):
    from core.models import PersonalDataAccess

    staff = world.client_for(world.admin_a1)
    response = staff.post(f"/members/{world.worker_a1.pk}/phone/", {"context": "roster"})
    assert response.status_code == 200 and "13800000001" in response.content.decode()
    logged = PersonalDataAccess.objects.get(member=world.worker_a1)
    assert logged.viewer == world.admin_a1 and logged.field == "phone"
    # someone outside the union cannot reveal it (and nothing is logged for them)
    assert world.client_for(world.admin_b1).post(f"/members/{world.worker_a1.pk}/phone/").status_code in (403, 404)
    assert PersonalDataAccess.objects.count() == 1
    page = world.client_for(world.district_staff).get("/audit/?tab=access")
    assert page.status_code == 200 and "admin_a1" in page.content.decode()
    assert world.client_for(world.admin_b1).get("/audit/?tab=access").status_code in (302, 403)


def test_a_bag_lookup_never_names_its_owner(world, settings, tmp_path):
    """Collectors and staff see whether a bag is bound, never whose it is: nothing personal to log."""
    from tests.trust.scenario import build

    settings.MEDIA_ROOT = str(tmp_path)
    s = build(world)
    for user in (world.collector_a, world.district_staff, world.admin_a1):
        response = world.client_for(user).get(f"/api/v1/bags/lookup/{s['bag_code']}")
        assert response.status_code == 200 and response.json()["bound"] is True
        text = response.content.decode()
        assert "张小明" not in text and "13800000001" not in text and "138****0001" not in text
