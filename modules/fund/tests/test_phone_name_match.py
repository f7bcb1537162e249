"""A mistyped phone on a paid list (issue 23): the worker's 我的补助 page and API match a row only
when its name is also the worker's name on the roster, so a wrong number never shows another
person's payment; such rows are listed to the fund officer as 手机号与姓名不符的行."""

from __future__ import annotations

from django.urls import reverse

from core.models import User
from modules.fund import selectors
from modules.fund.models import Beneficiary
from modules.fund.tests.conftest import make_id, paid


def _rows(world, *, name_on_own_phone: str, start: int = 1) -> list[dict]:
    return [
        # 李四's row, typed with 张小明's phone by mistake
        {"name": name_on_own_phone, "id_number": make_id(start), "amount": "800", "phone": world.worker_a1.phone, "category": "一线"},
        {"name": "王大力", "id_number": make_id(start + 1), "amount": "500", "phone": "13700000077", "category": "一线"},
    ]


def test_a_row_with_the_workers_phone_but_another_name_is_not_shown_to_the_worker(world, fw):
    application = paid(world, fw, rows=_rows(world, name_on_own_phone="李四"))
    row = Beneficiary.objects.get(application=application, name="李四")
    client = world.client_for(world.worker_a1)
    page = client.get(reverse("fund:mine")).content.decode()
    assert "李*" not in page and "800.00" not in page and "李四" not in page
    assert client.get("/api/v1/fund/me/benefits").json() == []
    # nor can the holder of the phone confirm it
    assert client.post(reverse("fund:mine_receipt", args=[row.pk])).status_code == 404
    api = client.post(f"/api/v1/fund/me/benefits/{row.pk}/receipt")
    assert api.status_code == 404 and api.json()["code"] == "fund_benefit_not_found"
    row.refresh_from_db()
    assert row.received_at is None


def test_the_fund_officer_sees_the_mismatched_rows_on_the_disbursement_page(world, fw):
    application = paid(world, fw, rows=_rows(world, name_on_own_phone="李四"))
    html = world.client_for(world.district_staff).get(reverse("fund:application", args=[application.pk])).content.decode()
    section = html[html.index('data-testid="phone-name-mismatches"') :]
    section = section[: section.index("</section>")]
    assert "手机号与姓名不符的行（1）" in section
    assert "李四" in section and world.worker_a1.phone in section and "张*明" in section
    assert "王大力" not in section  # a phone not on the roster is no mismatch
    assert "style=" not in section
    # the worker's own name matches: nothing is listed
    assert selectors.phone_name_mismatches(paid(world, fw, reference="FK-2", rows=_rows(world, name_on_own_phone="张小明", start=11))) == []


def test_names_match_across_spaces_full_width_and_dots(world, fw):
    paid(world, fw, rows=_rows(world, name_on_own_phone=" 张\u3000小明 "))
    client = world.client_for(world.worker_a1)
    listed = client.get("/api/v1/fund/me/benefits").json()
    assert len(listed) == 1 and listed[0]["amount"] == 80000
    assert selectors.same_person_name("阿依古丽•买买提", "阿依古丽·买买提")
    assert selectors.same_person_name("ＬＩ Ｌｅｉ", "li lei")
    assert not selectors.same_person_name("张小明", "张晓明") and not selectors.same_person_name("", "")


def test_a_login_without_a_roster_name_sees_no_row(world, fw):
    paid(world, fw, rows=_rows(world, name_on_own_phone="李四"))
    stranger = User.objects.create(username="p-x", phone="13700000077")  # 王大力's phone, no member
    assert selectors.my_benefits(stranger) == []


def test_the_api_lists_the_mismatched_rows_to_staff_only(world, fw):
    application = paid(world, fw, rows=_rows(world, name_on_own_phone="李四"))
    url = f"/api/v1/fund/applications/{application.pk}/mismatches"
    listed = world.client_for(world.district_staff).get(url)
    assert listed.status_code == 200
    row = Beneficiary.objects.get(application=application, name="李四")
    assert listed.json() == [
        {"beneficiary_id": row.pk, "name": "李四", "id_tail": row.id_tail, "phone": world.worker_a1.phone, "roster_name_masked": "张*明"}
    ]
    # the worker whose phone it is may not read the list (nor anyone's application)
    refused = world.client_for(world.worker_a1).get(url)
    assert refused.status_code in (403, 404) and "李四" not in refused.content.decode()
    assert world.client_for(world.district_staff).get("/api/v1/fund/applications/999999/mismatches").status_code == 404
