"""Issue 29 finding 2: no export turns a name into a live spreadsheet formula.

A grassroots admin names the union ``=HYPERLINK("http://x";"a")`` (the API accepts it); the
name travels into the district's sortstats CSV, the roster, the prize report… Every CSV and
xlsx the platform writes goes through ``core.spreadsheets``: text beginning with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe in CSV, and xlsx text is
stored as text, never as a formula. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Member, Organisation
from core.spreadsheets import FORMULA_PREFIXES, Workbook, csv_safe, csv_writer
from modules.bags.tests.field_fixtures import bags  # noqa: F401 (a fixture)
from modules.prizes.tests.conftest import shop  # noqa: F401 (a fixture)
from modules.sortstats.tests.conftest import november  # noqa: F401 (a fixture)
from modules.sortstats.tests.test_pages import QUERY as NOVEMBER_QUERY

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ['=HYPERLINK("http://x";"a")', "=1+1", "+cmd", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]


def test_the_helper_neutralises_each_trigger_and_leaves_numbers_alone():
    assert [csv_safe(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert [csv_safe(v) for v in (-5, -2.5, 0, None, "张三", "010-66000000", "")] == [-5, -2.5, 0, None, "张三", "010-66000000", ""]
    out = io.StringIO()
    csv_writer(out).writerow([*PAYLOADS, -5, -2.5])
    assert list(csv.reader(io.StringIO(out.getvalue())))[0][-2:] == ["-5", "-2.5"]  # amounts stay numbers
    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("s") if write_only else book.active
        sheet.append([*PAYLOADS, -5, -2.5])
        saved = io.BytesIO()
        book.save(saved)
        cells = [(c.value, c.data_type) for c in list(load_workbook(saved).worksheets[0].iter_rows())[0]]
        # (the standard library's XML parser reads a carriage return back as a line feed; with
        # defusedxml installed, as pyxform requires, openpyxl parses through it and keeps the "\r")
        read_back = [(v.replace("\r", "\n") if isinstance(v, str) else v, t) for v, t in cells]
        assert read_back == [*[(p.replace("\r", "\n"), "s") for p in PAYLOADS], (-5, "n"), (-2.5, "n")]


# --- Every export, fed names that are formulas -----------------------------------------------


def _poison(world):
    """Every union, member, station and prize name becomes a formula (as a hostile admin types it)."""
    for org in Organisation.objects.all():
        Organisation.objects.filter(pk=org.pk).update(name=f'=HYPERLINK("http://x";"o{org.pk}")')
    for member in Member.objects.all():
        Member.objects.filter(pk=member.pk).update(name=f"{PAYLOADS[member.pk % 5]} {member.pk}")
    for model in _optional_models():
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(name=f"@SUM({pk})")


def _optional_models():
    from modules.prizes.models import PickupPlace, Prize
    from modules.stations.models import Station

    return [Station, Prize, PickupPlace]


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def _via_job(client, url) -> bytes:
    page = client.get(url, follow=True)
    job = page.context["job"]
    assert job.status == "done", job.result
    return _body(client.get(reverse("core:job_download", args=[job.pk])))


def roster_csv(world, fx):
    return world.client_for(world.admin_a1).get(reverse("core:roster_export", args=[world.org_a1.pk, "csv"]))


def roster_xlsx(world, fx):
    return _via_job(world.client_for(world.admin_a1), reverse("core:roster_export", args=[world.org_a1.pk, "xlsx"]))


def coverage_xlsx(world, fx):
    from core.models import CoverageUnit

    CoverageUnit.objects.create(name="某园区", kind=CoverageUnit.Kind.PARK, street=world.street_a)
    _poison(world)
    return world.client_for(world.district_staff).get(reverse("core:coverage_export"))


def my_data_xlsx(world, fx):
    return world.client_for(world.worker_a1).get(reverse("core:my_data_download", args=["xlsx"]))


def bag_codes_csv(world, fx):
    return world.client_for(world.admin_a1).get(reverse("bags:batch_codes_csv", args=[fx["bags"].batch_a1.pk]))


def bag_codes_api_csv(world, fx):
    return world.client_for(world.admin_a1).get(f"/api/v1/bags/batches/{fx['bags'].batch_a1.pk}/codes.csv")


def sortstats_csv(world, fx):
    url = reverse("sortstats:export", args=["participation_by_organisation", "csv"]) + "?" + NOVEMBER_QUERY
    return world.client_for(world.district_staff).get(url)


def sortstats_xlsx(world, fx):
    url = reverse("sortstats:export", args=["participation_by_organisation", "xlsx"]) + "?" + NOVEMBER_QUERY
    return _via_job(world.client_for(world.district_staff), url)


def prizes_xlsx(world, fx):
    from modules.prizes.tests.conftest import make_prize

    make_prize(world.district_staff, world.org_a1, [fx["shop"].office], name="水杯", stock_listed=2)
    _poison(world)
    return world.client_for(world.district_staff).get(reverse("prizes:reports_export"))


def _stations(world):
    from modules.stations.tests.factories import make_station

    make_station(world.district_staff, world.org_a1, name="甲驿站")
    make_station(world.district_staff, world.org_b1, name="丙驿站")
    _poison(world)


def stations_xlsx(world, fx):
    _stations(world)
    return world.client_for(world.district_staff).get(reverse("stations:list") + "?format=xlsx")


def station_figures_xlsx(world, fx):
    _stations(world)
    return world.client_for(world.district_staff).get(reverse("stations:figures") + "?format=xlsx")


EXPORTS = [
    roster_csv,
    roster_xlsx,
    coverage_xlsx,
    my_data_xlsx,
    bag_codes_csv,
    bag_codes_api_csv,
    sortstats_csv,
    sortstats_xlsx,
    prizes_xlsx,
    stations_xlsx,
    station_figures_xlsx,
]


# The fixtures (of the programmes' own tests) an export needs for rows to show.
NEEDS = {
    "bag_codes_csv": ["bags"],
    "bag_codes_api_csv": ["bags"],
    "sortstats_csv": ["november"],
    "sortstats_xlsx": ["november"],
    "prizes_xlsx": ["shop"],
}


def _cells(data: bytes) -> list[tuple[object, str | None]]:
    """(value, openpyxl data type) of every cell; CSV cells have no type."""
    if data[:2] == b"PK":
        book = load_workbook(io.BytesIO(data))
        return [(c.value, c.data_type) for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    text = data.decode("utf-8-sig")
    return [(value, None) for row in csv.reader(io.StringIO(text)) for value in row]


@pytest.mark.parametrize("export", EXPORTS, ids=lambda f: f.__name__)
def test_every_export_writes_formula_names_as_inert_text(world, export, request):
    _poison(world)
    fx = {name: request.getfixturevalue(name) for name in NEEDS.get(export.__name__, ())}
    _poison(world)  # what the fixtures made too
    result = export(world, fx)
    data = result if isinstance(result, bytes) else _body(result)
    cells = _cells(data)
    texts = [str(v) for v, _t in cells if v is not None]
    assert any(re.search(r"HYPERLINK|SUM\(|=1\+1|\+cmd|-2\+3", t) for t in texts), "the export shows none of the poisoned names"
    assert not [v for v, t in cells if t == "f"], "a live formula in an xlsx export"
    if cells and cells[0][1] is None:  # CSV
        assert not [v for v, _t in cells if isinstance(v, str) and v.startswith(FORMULA_PREFIXES)]


# --- Completeness: a new writer cannot bypass the helper -------------------------------------

WRITERS = re.compile(r"csv\.writer\(|csv\.DictWriter\(|openpyxl import .*\bWorkbook\b|openpyxl\.Workbook\(")


def test_no_module_writes_csv_or_xlsx_without_the_helper():
    """Every ``csv.writer`` / ``openpyxl.Workbook`` outside tests and benchmarks is core.spreadsheets'."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        if name == "core/spreadsheets.py" or "/tests/" in name or name.startswith(("tests/", "bench/", "e2e/")) or "conftest" in name:
            continue
        for number, line in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "write CSV/xlsx through core.spreadsheets (csv_writer, Workbook):\n" + "\n".join(offenders)
