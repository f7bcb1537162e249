"""Issue 29 finding 1: a small workbook that declares a huge sheet must not exhaust memory.

openpyxl pads every row it reads to the width the sheet's ``<dimension>`` declares; an 87 KB
file claiming ``A1:XFD16001`` grew the web process by 2 GB when the import read the sheet
into a list. The import now streams rows, reads at most ``MAX_COLUMNS`` columns and refuses
files that unpack to more than it can hold.
"""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from core.errors import Invalid
from core.models import Member
from core.roster import roster_import

ROWS = 2000


def _patched(data: bytes, replace) -> bytes:
    """The same xlsx with each sheet's XML passed through ``replace`` (what an attacker edits by hand)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = replace(content)
            target.writestr(info, content)
    return out.getvalue()


def _roster_declaring(dimension: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号"])
    for i in range(ROWS):
        sheet.append([f"职工{i}", f"1391{i:07d}"])
    plain = io.BytesIO()
    book.save(plain)
    return _patched(plain.getvalue(), lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), xml))


def _peak_mb(func) -> tuple[object, float]:
    tracemalloc.start()
    try:
        try:
            result = func()
        except Invalid as error:
            result = error
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_a_roster_declaring_the_widest_sheet_is_read_in_bounded_memory(world):
    data = _roster_declaring("A1:XFD16001")
    assert len(data) < 200_000  # the attack is a small file
    before = Member.objects.count()
    result, peak = _peak_mb(lambda: roster_import(actor=world.admin_a1, organisation=world.org_a1, filename="名册.xlsx", data=data))
    # Before the fix every row became a 16,384-wide tuple held in a list: ~260 MB for 2,000 rows.
    assert peak < 100, f"peak {peak:.0f} MB"
    assert result == {"created": ROWS, "seconds": result["seconds"]}
    assert Member.objects.count() == before + ROWS


def test_a_workbook_that_unpacks_to_too_much_is_refused_with_a_clear_error(world):
    """A sheet padded with a compressible filler: a small upload, a huge XML once unzipped."""
    filler = b"<!--" + b" " * 300_000_000 + b"-->"
    data = _patched(_roster_declaring("A1:B2001"), lambda xml: xml.replace(b"<sheetData>", filler + b"<sheetData>", 1))
    assert len(data) < 2_000_000
    result, peak = _peak_mb(lambda: roster_import(actor=world.admin_a1, organisation=world.org_a1, filename="名册.xlsx", data=data))
    assert isinstance(result, Invalid) and result.code == "import_too_large" and "解压" in str(result.message)
    assert peak < 100, f"peak {peak:.0f} MB"


@pytest.mark.parametrize("kind", ["api", "page"])
def test_the_api_and_the_page_import_go_through_the_same_bounded_reader(world, kind):
    """The page import runs as a background job (tests run it at once); both refuse the same way."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    filler = b"<!--" + b" " * 300_000_000 + b"-->"
    data = _patched(_roster_declaring("A1:B3"), lambda xml: xml.replace(b"<sheetData>", filler + b"<sheetData>", 1))
    client = world.client_for(world.admin_a1)
    if kind == "api":
        response = client.post("/api/v1/members/import", {"organisation_id": world.org_a1.pk, "file": SimpleUploadedFile("r.xlsx", data)})
        assert response.status_code == 422 and response.json()["code"] == "import_too_large"
    else:
        response = client.post(
            reverse("core:roster_import", args=[world.org_a1.pk]), {"file": SimpleUploadedFile("r.xlsx", data)}, follow=True
        )
        job = response.context["job"]
        assert job.status == "failed" and job.result["code"] == "import_too_large"
