# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""District and street staff manage collection points; collectors use the station page."""

from modules.bags import services
from modules.bags.models import CollectionPoint
from modules.bags.tests.field_fixtures import bags  # noqa: F401


def test_street_staff_create_points_in_their_street_only(world):
    client = world.client_for(world.street_a_staff)
    body = {
        "name": "柳荫街回收点",
        "street_id": world.street_a.pk,
        "collector_ids": [world.collector_a.pk],
        "served_organisation_ids": [world.org_a2.pk],
    }
    response = client.post("/api/v1/bags/points", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    point_id = response.json()["id"]
    assert response.json()["served_organisation_ids"] == [world.org_a2.pk]
    other = client.post("/api/v1/bags/points", dict(body, street_id=world.street_b.pk), content_type="application/json")
    assert other.status_code == 422 and other.json()["field"] == "street_id"
    served_elsewhere = client.post(
        "/api/v1/bags/points", dict(body, served_organisation_ids=[world.org_b1.pk]), content_type="application/json"
    )
    assert served_elsewhere.status_code == 422 and served_elsewhere.json()["field"] == "served_organisations"
    not_collector = client.post("/api/v1/bags/points", dict(body, collector_ids=[world.admin_a1.pk]), content_type="application/json")
    assert not_collector.status_code == 422 and not_collector.json()["field"] == "collectors"
    assert world.client_for(world.street_b_staff).get(f"/api/v1/bags/points/{point_id}").status_code == 404
    assert world.client_for(world.admin_a1).get("/api/v1/bags/points").status_code == 403
    updated = client.put(f"/api/v1/bags/points/{point_id}", dict(body, name="柳荫街回收点（新）"), content_type="application/json")
    assert updated.json()["name"] == "柳荫街回收点（新）"
    assert client.delete(f"/api/v1/bags/points/{point_id}").json() == {"deleted": True, "deactivated": False}


def test_a_point_with_collections_is_deactivated_not_deleted(world, bags):
    item = services.ScanIn(client_id="p-1", code=bags.code(bags.batch_a1, 0), point_id=bags.point_a.pk, category="other")
    assert services.collection_record(actor=world.collector_a, item=item).ok
    response = world.client_for(world.district_staff).post(f"/bags/points/{bags.point_a.pk}/delete/")
    assert response.status_code == 302
    bags.point_a.refresh_from_db()
    assert not bags.point_a.is_active
    again = services.collection_record(
        actor=world.collector_a,
        item=services.ScanIn(client_id="p-2", code=bags.code(bags.batch_a1, 1), point_id=bags.point_a.pk, category="other"),
    )
    assert again.code == "point_inactive"


def test_point_pages(world, bags, django_assert_max_num_queries):
    client = world.client_for(world.street_a_staff)
    with django_assert_max_num_queries(10):
        page = client.get("/bags/points/")
    assert "什刹海垃圾分类驿站" in page.content.decode() and "金融街集中收集点" not in page.content.decode()
    form = client.get("/bags/points/new/")
    assert form.status_code == 200
    created = client.post(
        "/bags/points/new/", {"name": "新点", "street": world.street_a.pk, "collectors": [world.collector_a.pk], "is_active": "on"}
    )
    assert created.status_code == 302
    assert CollectionPoint.objects.filter(name="新点", street=world.street_a).exists()
    missing = client.post("/bags/points/new/", {"name": "", "street": world.street_a.pk})
    assert missing.status_code == 200 and "has-error" in missing.content.decode()
    assert world.client_for(world.admin_a1).get("/bags/points/").status_code == 403


def test_station_page_for_a_collector(world, bags):
    page = world.client_for(world.collector_a).get("/bags/station/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "什刹海垃圾分类驿站" in html and "厨余垃圾" in html and "bags/station.js" in html
    assert "<script>" not in html and " style=" not in html
    assert world.client_for(world.worker_a1).get("/bags/station/").status_code == 403
    assert world.client_for(world.district_staff).get("/bags/station/").status_code == 403


def test_a_collector_without_a_point_is_told_what_to_do(world):
    page = world.client_for(world.collector_b).get("/bags/station/").content.decode()
    assert "还没有被指定到任何收集点" in page


def test_my_points_api(world, bags):
    assert world.client_for(world.collector_a).get("/api/v1/bags/my-points").json() == [
        {"id": bags.point_a.pk, "name": "什刹海垃圾分类驿站", "street_name": "什刹海街道总工会"}
    ]


def test_junk_in_the_point_form_is_a_form_error_not_a_crash(world):
    client = world.client_for(world.street_a_staff)
    response = client.post("/bags/points/new/", {"name": "点", "street": "abc", "served_organisations": ["x"], "latitude": "north"})
    assert response.status_code == 200 and "has-error" in response.content.decode()
    response = client.post("/bags/points/new/", {"name": "点", "street": world.street_b.pk})
    assert response.status_code == 200 and "has-error" in response.content.decode()
