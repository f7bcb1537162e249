"""Bad input and abuse: forged codes never reach the database, bursts of them are slowed down,
and malformed roster files or codes give a report — never a crash.

Elsewhere (not repeated here): staff lockout after five failures (django-axes), one-time codes
that are single use, expire, burn after too many wrong tries and are rate limited per phone and
per address, device tokens stored hashed and revocable — core/tests/test_auth.py.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.errors import ApiError
from core.models import ApiToken, Member
from core.roster import roster_import
from modules.bags import abuse, codes, services
from modules.bags.models import Collection

FUZZ = settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def field(world):
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=10)
    point = services.point_create(actor=world.district_staff, street=world.street_a, name="甲收集点", collectors=[world.collector_a])
    _token, raw = ApiToken.issue(user=world.collector_a, name="handheld")
    return {"batch": batch, "point": point, "auth": {"HTTP_AUTHORIZATION": f"Bearer {raw}"}}


def forged(code: str) -> str:
    """Same shape, wrong signature: what someone guessing codes would send."""
    return code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")


def mistyped(code: str) -> str:
    return code[:4] + ("X" if code[4] != "X" else "Y") + code[5:]


def scan(client, field, code, client_id="abuse-0001", **headers):
    body = {"client_id": client_id, "code": code, "point_id": field["point"].pk, "category": "kitchen", "grade": "correct"}
    return client.post("/api/v1/bags/scans", json.dumps(body), content_type="application/json", **field["auth"], **headers)


def test_a_bad_code_is_recognised_without_a_query(world, field, django_assert_num_queries, rf):
    good = codes.encode(field["batch"].first_bag_id)
    request = rf.get("/")
    request.user = world.collector_a
    with django_assert_num_queries(0):
        assert codes.parse(good).ok
        for bad in (forged(good), mistyped(good), "not a code", "", "0" * 300):
            assert not codes.parse(bad).ok
            with pytest.raises(ApiError) as refused:
                abuse.code_checked(request, bad)
            assert refused.value.status in (400, 404, 422) and refused.value.field == "code"


def test_a_forged_scan_is_refused_before_any_bag_query(world, field, client):
    good = codes.encode(field["batch"].first_bag_id)
    for bad in (forged(good), mistyped(good)):
        with CaptureQueriesContext(connection) as queries:
            response = scan(client, field, bad)
        assert 400 <= response.status_code < 500 and response.json()["field"] == "code"
        touched = [q["sql"] for q in queries.captured_queries if "bags_" in q["sql"]]
        assert touched == [], touched  # only the token and the role were read
    assert Collection.objects.count() == 0
    assert scan(client, field, good, client_id="abuse-good").status_code == 201


def test_a_burst_of_bad_codes_is_rate_limited_per_client(world, field, client):
    good = codes.encode(field["batch"].first_bag_id)
    answers = [scan(client, field, forged(good), client_id=f"burst-{n}").status_code for n in range(abuse.LIMIT + 5)]
    assert 429 not in answers[: abuse.LIMIT] and answers[abuse.LIMIT :] == [429] * 5
    assert scan(client, field, forged(good), client_id="burst-more").json()["code"] == "too_many_bad_codes"
    # a well-signed code still goes through: guessing one is hopeless (40-bit signature), and a
    # collector's real scans must not pay the budget's cache round trip (abuse.scan_code_checked)
    assert scan(client, field, good, client_id="burst-good").status_code == 201
    # another client (a worker looking a code up) is not affected
    other = world.client_for(world.worker_a1).get(f"/api/v1/bags/lookup/{good}")
    assert other.status_code == 200


def test_binding_and_lookup_count_bad_codes_too(world, field):
    worker = world.client_for(world.worker_a1)
    good = codes.encode(field["batch"].first_bag_id)
    for _n in range(abuse.LIMIT):
        assert worker.post("/api/v1/bags/bind", {"code": forged(good)}, content_type="application/json").status_code != 429
    assert worker.get(f"/api/v1/bags/lookup/{mistyped(good)}").status_code == 429
    assert worker.post("/api/v1/bags/bind", {"code": good}, content_type="application/json").status_code == 429


def batch(client, field, code_list, prefix):
    items = [
        {"client_id": f"{prefix}-{n:04d}", "code": code, "point_id": field["point"].pk, "category": "kitchen", "grade": "correct"}
        for n, code in enumerate(code_list)
    ]
    return client.post("/api/v1/bags/scans/batch", json.dumps({"items": items}), content_type="application/json", **field["auth"])


def test_forged_codes_in_batch_uploads_spend_the_same_budget(world, field, client):
    """Issue 29 finding 9: three batches of forged codes all answered 200 while single scans got 429."""
    good = codes.encode(field["batch"].first_bag_id)
    fakes = [forged(codes.encode(field["batch"].first_bag_id + n)) for n in range(abuse.LIMIT + 5)]
    first = batch(client, field, fakes, "fake-a")
    assert first.status_code == 200 and first.json()["rejected"] == len(fakes)
    second = batch(client, field, fakes, "fake-b")
    assert second.status_code == 429 and second.json()["code"] == "too_many_bad_codes"
    assert scan(client, field, forged(good), client_id="single-after").status_code == 429
    # a batch of well-signed codes still goes through, like single scans
    assert batch(client, field, [good], "good").json()["accepted"] == 1
    # and a refused batch recorded nothing
    assert not Collection.objects.filter(client_id__startswith="fake-b").exists()


def test_single_bad_codes_close_the_batch_path_too(world, field, client):
    good = codes.encode(field["batch"].first_bag_id)
    for n in range(abuse.LIMIT):
        assert scan(client, field, mistyped(good), client_id=f"single-{n}").status_code == 422
    assert batch(client, field, [good, forged(good)], "mixed").status_code == 429
    assert not Collection.objects.filter(client_id__startswith="mixed").exists()


def test_the_bind_page_counts_forged_codes_per_address(world, field):
    """Issue 29 finding 9: /b/<forged> 2,200 times from one address never answered 429."""
    good = codes.encode(field["batch"].first_bag_id)
    prober, other = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="203.0.113.10")
    answers = [prober.get(f"/b/{forged(codes.encode(field['batch'].first_bag_id + n))}").status_code for n in range(abuse.LIMIT + 3)]
    assert answers[: abuse.LIMIT] == [404] * abuse.LIMIT and answers[abuse.LIMIT :] == [429] * 3
    assert "无效编码过多" in prober.get(f"/b/{forged(good)}").content.decode()
    # another address is not affected
    assert other.get(f"/b/{forged(good)}").status_code == 404


@FUZZ
@given(raw=st.one_of(st.text(max_size=400), st.binary(max_size=60).map(lambda b: b.decode("latin-1")), st.none(), st.integers()))
def test_the_code_parser_never_raises(raw):
    parsed = codes.parse(raw)
    assert parsed.ok in (True, False)
    if parsed.ok:
        assert codes.encode(parsed.bag_id) == codes.normalise(raw)


HEADER = ["姓名", "手机号", "工号", "性别", "出生年份", "群体标签", "入会日期"]
cell = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["13912345678", "139123", "男", "女", "1990", "2024-13-40", "=1+1", "\x00", "张三"]),
)
rows_strategy = st.lists(st.lists(cell, max_size=9), max_size=8)
header_strategy = st.one_of(st.just(HEADER), st.lists(st.sampled_from(HEADER + ["", "备注", "姓名"]), max_size=9))


def as_xlsx(header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in [header, *rows]:
        writer.writerow(["" if c is None else c for c in row])
    return out.getvalue().encode("utf-8")


def check_import(world, name, data):
    before = Member.objects.count()
    try:
        result = roster_import(actor=world.admin_a1, organisation=world.org_a1, filename=name, data=data)
    except ApiError as error:
        assert 400 <= error.status < 500 and error.code.startswith("import_"), error.code
        assert Member.objects.count() == before  # all or nothing
        for row in error.extra.get("rows", []):
            assert isinstance(row["row"], int) and row["row"] >= 1 and row["reason"]
        return error
    assert Member.objects.count() == before + result["created"]
    return result


def test_roster_fuzz_xlsx_and_csv_give_a_row_numbered_report_never_a_crash(world):
    @FUZZ
    @given(header=header_strategy, rows=rows_strategy, kind=st.sampled_from(["xlsx", "csv"]))
    def run(header, rows, kind):
        data = as_xlsx(header, rows) if kind == "xlsx" else as_csv(header, rows)
        check_import(world, f"roster.{kind}", data)

    run()


def test_roster_fuzz_garbage_bytes_are_explained(world):
    @FUZZ
    @given(data=st.binary(max_size=2000), name=st.sampled_from(["a.xlsx", "a.csv", "a.xls", "a", "a.CSV"]))
    def run(data, name):
        check_import(world, name, data)

    run()


def test_a_bad_roster_report_numbers_its_rows(world):
    data = as_csv(HEADER, [["好人", "13912340010"], ["", "13912340011"], ["坏号", "1391234"]])
    error = check_import(world, "bad.csv", data)
    rows = error.extra["rows"]
    assert {(r["row"], r["field"]) for r in rows} == {(3, "name"), (4, "phone")}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rankings/workers?page=846112525539163214494826496",
        "/api/v1/rankings/organisations?page=9223372036854775809",
        "/api/v1/rankings/streets?page=-5",
        "/api/v1/stations/staff/tasks?offset=386446902189537981739567009136377856",
        "/api/v1/stations/staff/stations?offset=-2438439051070",
    ],
)
def test_giant_pages_and_offsets_are_a_422_not_a_500(world, url):
    """Found by schemathesis on PostgreSQL: an unbounded page/offset overflowed a bigint."""
    response = world.client_for(world.district_staff).get(url)
    assert response.status_code == 422 and response.json()["code"]


def test_a_nul_in_an_api_filter_finds_nothing_instead_of_failing(world):
    """Found by schemathesis on PostgreSQL (which refuses NUL in text): /members/?q=%00 was a 500."""
    response = world.client_for(world.district_staff).get("/api/v1/members/?q=%00&tag=%00&status=%00")
    assert response.status_code in (200, 400, 422)


def test_a_csv_with_a_stray_carriage_return_is_explained(world):
    """Found by the roster fuzz test: csv.Error escaped as a 500."""
    error = check_import(world, "roster.csv", '姓名,手机号\n张三,"139\r1234"\r5678\n'.encode())
    assert isinstance(error, ApiError)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/members/?limit=50362747626443182737475198124359155712",
        "/api/v1/members/?offset=386446902189537981739567009136377856",
        "/api/v1/orgs/?offset=386446902189537981739567009136377856",
        "/api/v1/bags/batches?limit=99999999999999999999999",
        "/api/v1/bags/points?offset=99999999999999999999999",
    ],
)
def test_giant_limits_and_offsets_on_every_list_are_a_422(world, url):
    response = world.client_for(world.district_staff).get(url)
    assert response.status_code == 422, (url, response.status_code)
