# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""A worker scans a bag to bind it; admins bind rolls of bags from the roster."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.fixtures import worker
from modules.bags import codes, services
from modules.bags.models import Bag
from modules.bags.tests.field_fixtures import bags  # noqa: F401


def test_anonymous_scan_goes_to_the_worker_login_and_back(client, world, bags):
    code = bags.code(bags.batch_a1, 0)
    response = client.get(f"/b/{code}")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/phone/?next=")
    assert f"%2Fb%2F{code}" in response["Location"]


def test_first_scan_binds_the_bag_to_the_worker(world, bags):
    code = bags.code(bags.batch_a1, 0)
    client = world.client_for(world.worker_a1)
    response = client.get(f"/b/{codes.group(code).lower()}")
    assert response.status_code == 302
    bag = Bag.objects.get(pk=bags.batch_a1.first_bag_id)
    assert bag.owner_id == world.worker_a1.pk and bag.bound_at is not None
    again = client.get(f"/b/{code}")
    assert again.status_code == 200 and "已绑定到您名下" in again.content.decode()


def test_a_bag_bound_to_someone_else_says_so_politely(world, bags):
    code = bags.code(bags.batch_a1, 1)
    world.client_for(world.worker_a1).get(f"/b/{code}")
    response = world.client_for(world.worker_a1_other).get(f"/b/{code}")
    assert response.status_code == 409
    assert "已经绑定给其他职工" in response.content.decode()
    assert Bag.objects.get(pk=bags.batch_a1.first_bag_id + 1).owner_id == world.worker_a1.pk


def test_a_bag_of_another_union_cannot_be_bound(world, bags):
    response = world.client_for(world.worker_b1).get(f"/b/{bags.code(bags.batch_a1, 2)}")
    assert response.status_code == 403
    assert "北京某科技有限公司工会" in response.content.decode()
    assert Bag.objects.get(pk=bags.batch_a1.first_bag_id + 2).owner_id is None


def test_members_of_a_union_below_may_bind(world, bags):
    from core.tests.factories import OrganisationFactory

    branch = OrganisationFactory(name="分会", parent=world.org_a1, street=world.street_a)
    member = worker(branch, "13800000099", "赵六")
    services.bag_bind(actor=member.user, code=bags.code(bags.batch_a1, 3))
    assert Bag.objects.get(pk=bags.batch_a1.first_bag_id + 3).owner_id == member.pk


@pytest.mark.parametrize("raw, expected", [("nonsense", "无法识别"), ("mistyped", "校验位不符"), ("forged", "伪造")])
def test_bad_links_explain_themselves_without_a_query(client, world, bags, raw, expected, django_assert_num_queries):
    good = bags.code(bags.batch_a1, 0)
    if raw == "mistyped":
        raw = good[:-1] + ("0" if good[-1] != "0" else "1")
    elif raw == "forged":
        payload = good[: codes.SERIAL_LEN] + "Z" * codes.TAG_LEN
        raw = payload + codes._check(codes._value(payload))
    with django_assert_num_queries(0):
        response = client.get(f"/b/{raw}")
    assert response.status_code == 404 and expected in response.content.decode()


def test_staff_and_collectors_see_the_bag_state(world, bags):
    code = bags.code(bags.batch_a1, 0)
    page = world.client_for(world.admin_a1).get(f"/b/{code}").content.decode()
    assert "北京某科技有限公司工会" in page and "未绑定" in page
    assert world.client_for(world.collector_a).get(f"/b/{code}").status_code == 200
    assert Bag.objects.get(pk=bags.batch_a1.first_bag_id).owner_id is None


def test_bind_api(world, bags):
    client = world.client_for(world.worker_a1)
    response = client.post("/api/v1/bags/bind", {"code": bags.code(bags.batch_a1, 5)}, content_type="application/json")
    assert response.status_code == 200 and response.json()["mine"]
    other = world.client_for(world.worker_b1).post(
        "/api/v1/bags/bind", {"code": bags.code(bags.batch_a1, 5)}, content_type="application/json"
    )
    assert other.status_code == 409 and other.json()["code"] == "bag_bound_to_other"
    lookup = client.get(f"/api/v1/bags/lookup/{bags.code(bags.batch_a1, 5)}").json()
    assert lookup["bound"] and lookup["mine"]


def test_admin_binds_a_roll_of_bags_to_a_member(world, bags):
    client = world.client_for(world.admin_a1)
    first, last = codes.group(bags.code(bags.batch_a1, 10)), codes.group(bags.code(bags.batch_a1, 19))
    response = client.post(
        f"/bags/batches/{bags.batch_a1.pk}/bind/",
        {"mode": "range", "range-first_code": first, "range-last_code": last, "range-phone": "13800000002"},
    )
    assert response.status_code == 302
    assert Bag.objects.filter(owner=world.worker_a1_other).count() == 10


def test_roster_csv_is_all_or_nothing_with_row_numbers(world, bags):
    client = world.client_for(world.admin_a1)
    good1, good2 = bags.code(bags.batch_a1, 20), bags.code(bags.batch_a1, 21)
    rows = f"编码,手机号\n{good1},13800000001\n{good2},13900000001\nXYZ,13800000001\n{good1},13800000002\n"
    upload = SimpleUploadedFile("roster.csv", rows.encode("utf-8"), content_type="text/csv")
    response = client.post(f"/bags/batches/{bags.batch_a1.pk}/bind/", {"mode": "csv", "csv-file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "该会员不属于" in page and "无法识别" in page and "与第 1 行重复" in page
    assert not Bag.objects.filter(owner__isnull=False).exists()
    rows = f"{good1},13800000001\n{good2},138-0000-0002\n"
    upload = SimpleUploadedFile("roster.csv", rows.encode("gb18030"), content_type="text/csv")
    response = client.post(f"/bags/batches/{bags.batch_a1.pk}/bind/", {"mode": "csv", "csv-file": upload})
    assert response.status_code == 302
    assert Bag.objects.filter(owner__isnull=False).count() == 2


def test_bulk_bind_api_reports_rows(world, bags):
    client = world.client_for(world.admin_a1)
    response = client.post(
        f"/api/v1/bags/batches/{bags.batch_a1.pk}/bind",
        {"rows": [[bags.code(bags.batch_a1, 0), "13800000001"], [bags.code(bags.batch_b1, 0), "13800000001"]]},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "bind_rows_invalid" and body["errors"][0]["row"] == 2
    assert (
        world.client_for(world.admin_b1)
        .post(f"/api/v1/bags/batches/{bags.batch_a1.pk}/bind", {"rows": []}, content_type="application/json")
        .status_code
        == 404
    )
