"""A street union uploads its stations as a spreadsheet: everything or nothing, errors by row."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from modules.stations import importing
from modules.stations.models import Station
from modules.stations.reports import EXPORT_HEADERS
from modules.stations.tests.factories import make_station


def sheet(rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(EXPORT_HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("stations.xlsx", out.getvalue())


def row(world, name="导入驿站", host=None, lat=39.93, hours="08:00-20:00", services="饮用水、手机充电", id_=""):
    host = host or world.org_a1
    return [
        id_,
        name,
        host.name,
        "",
        "西城区导入路1号",
        "地铁口",
        lat,
        116.38,
        "银行网点",
        *[hours] * 5,
        "休息",
        "休息",
        services,
        8,
        "李四",
        "010-1",
        "运营中",
        2020,
        "",
    ]


def test_good_file_imports_everything(world):
    result = importing.import_stations(
        actor=world.street_a_staff, upload=sheet([row(world, "一号"), row(world, "二号", host=world.org_a2)])
    )
    assert result.ok and result.created == 2
    one = Station.objects.get(name="一号")
    assert (one.kind, one.status, one.street, one.service_codes) == ("bank", "open", world.street_a, ["water", "charging"])
    assert one.hours["0"] == [[480, 1200]] and "5" not in one.hours


def test_one_bad_row_imports_nothing_and_names_rows(world):
    upload = sheet(
        [
            row(world, "好的"),
            row(world, "坏坐标", lat=31.0),
            row(world, "外街道", host=world.org_b1),  # out of street A's scope
            row(world, "坏时间", hours="早八晚八"),
            row(world, "坏服务", services="按摩"),
        ]
    )
    result = importing.import_stations(actor=world.street_a_staff, upload=upload)
    assert not result.ok and result.created == 0
    assert [(r, c) for r, c, _reason in result.errors] == [(3, "纬度"), (4, "承办单位"), (5, "周一"), (6, "服务项目")]
    assert not Station.objects.exists()


def test_update_by_id_round_trip_through_export(world):
    station = make_station(world.district_staff, world.org_a1, name="旧名")
    client = world.client_for(world.district_staff)
    exported = client.get(reverse("stations:list") + "?format=xlsx")
    ws = load_workbook(io.BytesIO(exported.content)).active
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert values[0][0] == station.pk and values[0][1] == "旧名"
    values[0][1] = "新名"
    result = importing.import_stations(actor=world.district_staff, upload=sheet(values))
    assert result.ok and result.updated == 1 and result.created == 0
    station.refresh_from_db()
    assert station.name == "新名" and station.hours["0"] == [[480, 1200]]


def test_import_page_shows_error_report(world):
    client = world.client_for(world.street_a_staff)
    response = client.post(reverse("stations:import"), {"file": sheet([row(world), row(world, lat="abc")])})
    body = response.content.decode()
    assert response.status_code == 200 and "第 3 行" in body and "未导入任何数据" in body
    garbage = client.post(reverse("stations:import"), {"file": SimpleUploadedFile("x.xlsx", b"not a spreadsheet")})
    assert "无法读取该文件" in garbage.content.decode()


@pytest.mark.parametrize("missing", ["纬度", "承办单位"])
def test_missing_header_is_refused(world, missing):
    wb = Workbook()
    wb.active.append([h for h in EXPORT_HEADERS if h != missing])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(importing.ApiError) as error:
        importing.import_stations(actor=world.district_staff, upload=SimpleUploadedFile("x.xlsx", out.getvalue()))
    assert missing in str(error.value.message)
