"""Every image upload goes through ``core.images.check_image``: an image-size bomb (a PNG header
declaring 100000×100000 pixels) is a clear 4xx, never a 500 (issue 29, finding 7: Pillow's
``DecompressionBombError`` escaped the checks of the scan photo and the station problem report).
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import Invalid
from core.images import check_image
from core.models import ApiToken
from modules.stations.models import ProblemReport
from tests.trust.scenario import build


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG signature and header that declares ``width``×``height``; a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


BOMB = png_declaring(100_000, 100_000)  # 10 billion pixels: Pillow raises DecompressionBombError
LARGE = png_declaring(10_000, 10_000)  # 100 million: under Pillow's own error, over our limit


def real_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    return out.getvalue()


def upload(content: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (BOMB, "photo_too_many_pixels"),
        (LARGE, "photo_too_many_pixels"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo_invalid"),
        (b"%PDF-1.4 not an image", "photo_invalid"),
        (real_png()[:40], "photo_invalid"),  # cut off
        (b"\x00" * (9 * 1024 * 1024), "photo_too_large"),
    ],
    ids=["bomb", "100-megapixels", "svg", "pdf", "cut-off", "9-MB"],
)
def test_the_one_image_check_refuses_with_a_code(content, code):
    with pytest.raises(Invalid) as refused:
        check_image(upload(content))
    assert refused.value.code == code and refused.value.status == 422
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value.message))


def test_the_one_image_check_takes_a_real_photo_and_rewinds_it():
    photo = upload(real_png())
    assert check_image(photo) == "PNG"
    assert photo.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("content", [BOMB, LARGE], ids=["bomb", "100-megapixels"])
def test_a_pixel_bomb_on_the_scan_photo_is_a_422(world, content):
    build(world)  # a scan "authz-scan-0001" by collector_a
    _token, raw = ApiToken.issue(user=world.collector_a, name="photo")
    response = world.client_for(world.collector_a).post(
        "/api/v1/bags/scans/authz-scan-0001/photo", {"photo": upload(content)}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "photo_too_many_pixels" and response.json()["field"] == "photo"


def test_a_pixel_bomb_in_a_station_problem_report_is_a_422_and_nothing_is_stored(world):
    station = build(world)["station"]
    client = world.client_for(world.worker_a1)
    reports = ProblemReport.objects.count()
    body = {"kind": "dirty", "photo": "data:image/png;base64," + base64.b64encode(BOMB).decode()}
    response = client.post(f"/api/v1/stations/stations/{station.pk}/problems", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "photo_too_many_pixels"
    assert ProblemReport.objects.count() == reports


def test_a_pixel_bomb_on_the_problem_report_page_is_a_field_error(world):
    from django.urls import reverse

    station = build(world)["station"]
    reports = ProblemReport.objects.count()
    client = world.client_for(world.worker_a1)
    response = client.post(reverse("stations:report", args=[station.pk]), {"kind": "dirty", "photo": upload(BOMB)})
    assert response.status_code == 200
    assert "万像素" in response.content.decode()
    assert ProblemReport.objects.count() == reports


def test_a_pixel_bomb_as_a_station_photo_or_prize_picture_is_a_field_error(world):
    from django.urls import reverse

    station = build(world)["station"]
    client = world.client_for(world.district_staff)
    response = client.post(reverse("stations:detail", args=[station.pk]), {"action": "photo", "image": upload(BOMB)})
    assert response.status_code == 200 and "万像素" in response.content.decode()
    assert not station.photos.exists()
    response = client.post(reverse("prizes:prize_create"), {"name": "炸弹", "image": upload(BOMB)})
    assert response.status_code == 400 and "万像素" in response.content.decode()  # the form again, its errors shown
