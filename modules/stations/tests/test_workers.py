"""A courier on a phone: finds the nearest open station without logging in (even when map tiles
cannot load), rates it once a day after logging in, and reports a problem that reaches the host
union and the street as a task."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.errors import Conflict, Forbidden
from modules.stations import selectors, services
from modules.stations.models import StationRating, StationTask
from modules.stations.tests.factories import make_station
from modules.stations.tests.test_inspection import PNG_B64


@pytest.fixture
def near_far(world):
    near = make_station(
        world.district_staff, world.org_a1, name="近处驿站", lat=39.9400, lng=116.3800, landmark="银锭桥", hours=["全天"] * 7
    )
    far = make_station(
        world.district_staff, world.org_b1, name="远处驿站", lat=39.9150, lng=116.3600, hours=["全天"] * 7, services_=("water", "heating")
    )
    make_station(world.district_staff, world.org_b1, name="关门驿站", lat=39.9401, lng=116.3801, hours=["休息"] * 7)
    return near, far


def test_find_page_lists_open_stations_server_side(world, near_far, settings, django_assert_max_num_queries):
    settings.MAP_TILE_URL = "https://tiles.invalid/{z}/{x}/{y}.png"  # unreachable: the list must not care
    client = Client()
    with django_assert_max_num_queries(6):
        response = client.get(reverse("stations:find"), {"lat": "39.9401", "lng": "116.3801"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("近处驿站") < body.index("远处驿站") and "关门驿站" not in body
    assert "uri.amap.com/navigation" in body and "coordinate=wgs84" in body
    assert 'id="st-map-data"' in body and "<script>" not in body and "onclick" not in body
    data = json.loads(body.split('id="st-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["tiles"]["url"].startswith("https://tiles.invalid") and data["stations"][0]["name"] == "近处驿站"
    assert "vendor/leaflet.js" in body


def test_find_without_tiles_or_location(world, near_far, settings):
    settings.MAP_TILE_URL = ""
    body = Client().get(reverse("stations:find")).content.decode()
    assert "未配置地图底图" in body and "尚未获取您的位置" in body and "近处驿站" in body


def test_find_by_typed_place_and_service_filter(world, near_far):
    by_landmark = Client().get(reverse("stations:find"), {"q": "银锭桥"}).content.decode()
    assert "近处驿站" in by_landmark and "银锭桥" in by_landmark
    by_street = Client().get(reverse("stations:find"), {"q": "金融街", "s": "heating"}).content.decode()
    assert "远处驿站" in by_street and "近处驿站" not in by_street
    unknown = Client().get(reverse("stations:find"), {"q": "火星"}).content.decode()
    assert "没有找到“火星”" in unknown
    assert Client().get(reverse("stations:find"), {"lat": "abc", "lng": "nan"}).status_code == 200


def test_nearest_api(world, near_far, django_assert_max_num_queries):
    # few matches in the whole district: the box widens at most three times, then one full search
    with django_assert_max_num_queries(4):
        response = Client().get("/api/v1/stations/nearest", {"lat": 39.94, "lng": 116.38, "services": "water", "limit": 5})
    assert [s["name"] for s in response.json()] == ["近处驿站", "远处驿站"]
    assert response.json()[0]["distance_m"] < 20
    assert Client().get("/api/v1/stations/nearest", {"lat": 39.94, "lng": 116.38, "services": "spa"}).status_code == 422
    assert Client().get("/api/v1/stations/nearest", {"lat": "x", "lng": 116.38}).status_code == 422
    detail = Client().get(f"/api/v1/stations/stations/{near_far[0].pk}").json()
    assert detail["open_now"] is True and detail["coordinate_system"] == "WGS-84"


def test_rating_needs_login_and_is_once_a_day(world, near_far):
    near, _far = near_far
    anonymous = Client().post(reverse("stations:rate", args=[near.pk]), {"stars": 5})
    assert anonymous.status_code == 302 and reverse("core:worker_login") in anonymous["Location"]
    client = world.client_for(world.worker_a1)
    client.post(reverse("stations:rate", args=[near.pk]), {"stars": 4, "comment": "水很热"})
    again = client.post(reverse("stations:rate", args=[near.pk]), {"stars": 1}, follow=True)
    assert "今天已经评价过" in again.content.decode()
    assert StationRating.objects.filter(station=near).count() == 1
    assert selectors.rating_summary(near)["avg"] == 4
    with pytest.raises(Conflict):
        services.rating_submit(actor=world.worker_a1.user, station=near, stars=5)
    with pytest.raises(services.Invalid):
        services.rating_submit(actor=world.worker_b1.user, station=near, stars=6)
    with pytest.raises(Forbidden):
        services.rating_submit(actor=world.street_a_staff, station=near, stars=5)
    api = world.client_for(world.worker_b1).post(
        f"/api/v1/stations/stations/{near.pk}/ratings", json.dumps({"stars": 5}), content_type="application/json"
    )
    assert api.status_code == 201
    assert (
        Client().post(f"/api/v1/stations/stations/{near.pk}/ratings", json.dumps({"stars": 5}), content_type="application/json").status_code
        == 401
    )


def test_problem_report_becomes_a_task_for_host_and_street(world, near_far):
    near, _far = near_far
    client = world.client_for(world.worker_b1)
    import base64

    photo = SimpleUploadedFile("p.png", base64.b64decode(PNG_B64), content_type="image/png")
    response = client.post(reverse("stations:report", args=[near.pk]), {"kind": "no_water", "description": "饮水机空了", "photo": photo})
    assert response.status_code == 302
    task = StationTask.objects.get()
    assert task.kind == "problem" and task.problem.photo and task.problem.member == world.worker_b1
    for user, sees in [
        (world.admin_a1, True),
        (world.street_a_staff, True),
        (world.district_staff, True),
        (world.admin_b1, False),
        (world.street_b_staff, False),
    ]:
        assert (task in selectors.tasks_visible_to(user)) is sees
    page = world.client_for(world.admin_a1).get(reverse("stations:tasks")).content.decode()
    assert "没有饮用水" in page
    # the worker's photo: shown to those who handle the task through a checked view, not as public media
    photo_url = reverse("stations:task_photo", args=[task.pk])
    assert photo_url in world.client_for(world.admin_a1).get(reverse("stations:task", args=[task.pk])).content.decode()
    assert world.client_for(world.admin_a1).get(photo_url).status_code == 200
    assert world.client_for(world.admin_b1).get(photo_url).status_code == 403
    assert world.client_for(world.worker_a1).get(photo_url).status_code == 403
    # open → in progress → resolved, each step audited
    services.task_set_state(actor=world.admin_a1, task=task, state="in_progress", note="已联系送水")
    with pytest.raises(services.Invalid):
        services.task_set_state(actor=world.admin_a1, task=task, state="resolved")
    world.client_for(world.street_a_staff).post(reverse("stations:task", args=[task.pk]), {"state": "resolved", "note": "已送水"})
    task.refresh_from_db()
    assert task.state == "resolved" and task.resolved_by == world.street_a_staff
    with pytest.raises(Conflict):
        services.task_set_state(actor=world.admin_a1, task=task, state="open")
    from core.models import AuditLog

    assert AuditLog.objects.filter(object_type="stations.stationtask", object_id=str(task.pk)).count() == 3
    history = world.client_for(world.admin_a1).get(reverse("stations:task", args=[task.pk])).content.decode()
    assert "职工反映问题" in history and "待处理 → 处理中" in history and "已联系送水" in history
    bad = client.post(reverse("stations:report", args=[near.pk]), {"kind": "other", "description": ""})
    assert "请简单描述" in bad.content.decode()
    fake = client.post(reverse("stations:report", args=[near.pk]), {"kind": "dirty", "photo": SimpleUploadedFile("x.jpg", b"not an image")})
    assert fake.status_code == 200 and StationTask.objects.count() == 1


def test_public_station_page(world, near_far):
    near, _far = near_far
    body = Client().get(reverse("stations:public", args=[near.pk])).content.decode()
    assert "正在开放" in body and "全天" not in body.split("开放时间")[0] and "登录后评价" in body
    closed = make_station(world.district_staff, world.org_a1, status="closed")
    assert Client().get(reverse("stations:public", args=[closed.pk])).status_code == 404


def test_dashboard_cards(world, near_far):
    body = world.client_for(world.street_a_staff).get(reverse("core:dashboard")).content.decode()
    assert "运营中的暖心驿站" in body and "驿站待整改/待处理" in body


def test_problem_reports_are_limited_per_day(world, near_far, settings):
    near, _far = near_far
    for _ in range(services.MAX_REPORTS_PER_DAY):
        services.problem_report(actor=world.worker_a1.user, station=near, kind="dirty")
    with pytest.raises(services.ApiError) as error:
        services.problem_report(actor=world.worker_a1.user, station=near, kind="dirty")
    assert error.value.status == 429
    services.problem_report(actor=world.worker_b1.user, station=near, kind="dirty")
