# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""A handheld's single scan answered at the WSGI door (core/hot_path.py, modules/bags/hot_path.py):
the same answers as the API gives through the whole stack, in one statement, and never a scan
counted twice. Requests go through the platform's WSGI application as a server sends them."""

import json
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import ApiToken
from core.registry import registry
from core.tests import wsgi
from engines.ledger.selectors import balance_of, ledger_mismatches
from modules.bags import codes
from modules.bags.models import Collection
from modules.bags.tests.field_fixtures import bags, bind, scan  # noqa: F401

URL = "/api/v1/bags/scans"
COMPARED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def test_the_hot_path_is_the_api_operation_s_own_address():
    assert reverse("api_v1:scan_single") == URL
    assert registry.hot_paths[("POST", URL)] == "modules.bags.hot_path.scan_single"


def _token(user) -> str:
    return ApiToken.issue(user=user, name="手持机")[1]


took_hot_path: list[bool] = []


def _answers(world, bags, *, hot: bool, first: int, owner, tag: str) -> list:
    """One handheld's day, every kind of answer once: what it got back, with the parts that
    differ between two runs on different bags (ids, client ids) made comparable."""
    collector, worker = _token(world.collector_a), _token(world.worker_a1.user)
    revoked_token, revoked = ApiToken.issue(user=world.collector_a, name="旧手持机")
    revoked_token.revoked_at = revoked_token.created_at
    revoked_token.save()
    code = [bags.code(bags.batch_a1, first + n) for n in range(6)]
    for n in (0, 1, 2, 5):
        bind(world, owner, code[n])
    requests = [
        (collector, scan(f"{tag}-1", code[0], bags.point_a, weight_grams=800)),  # collected, points
        (collector, scan(f"{tag}-1", code[0], bags.point_a, weight_grams=800)),  # a retry: replayed
        (collector, scan(f"{tag}-1", code[0], bags.point_a, category="other")),  # same client id, other body
        (collector, scan(f"{tag}-2", code[0], bags.point_a)),  # the bag again
        (collector, scan(f"{tag}-3", code[3], bags.point_a)),  # an unbound bag: no points
        (collector, scan(f"{tag}-4", code[1], bags.point_a, grade="wrong", reasons=["mixed_other"])),
        (collector, scan(f"{tag}-5", code[2], bags.point_b)),  # not this collector's point
        (collector, scan(f"{tag}-6", code[2], bags.point_a) | {"point_id": 987654}),
        (collector, scan(f"{tag}-7", codes.encode(10**9 + first), bags.point_a)),  # well signed, never issued
        (collector, scan(f"{tag}-8", code[2][:-1] + ("A" if code[2][-1] != "A" else "B"), bags.point_a)),  # mistyped
        (collector, scan(f"{tag}-9", code[2], bags.point_a, category="glass")),
        (collector, scan(f"{tag}-10", code[2], bags.point_a, scanned_at="2001-01-01T08:00:00+08:00")),
        (collector, "{not json"),
        (collector, scan(f"{tag}-11", code[2], bags.point_a, weight_grams="heavy")),
        (worker, scan(f"{tag}-12", code[2], bags.point_a)),  # not a collector
        ("uh_nobody", scan(f"{tag}-13", code[2], bags.point_a)),
        (revoked, scan(f"{tag}-14", code[2], bags.point_a)),
        (collector, scan(f"{tag}-15", code[4], bags.point_a), {"django_language": "en"}),
        (collector, scan(f"{tag}-16", code[5], bags.point_a, category="recyclable")),
    ]
    answers = []
    took_hot_path.clear()
    with override_settings(HOT_PATHS=hot):
        for token, body, *cookies in requests:
            data = body if isinstance(body, str) else json.dumps(body)
            response = wsgi.post(URL, data, token=token, cookies=cookies[0] if cookies else None)
            answer = response.json()
            if "client_id" in answer:
                answer["client_id"] = answer["client_id"].removeprefix(f"{tag}-")
            if answer.get("collection_id"):
                answer["collection_id"] = "an id"
            if answer.get("bag_code"):
                answer["bag_code"] = code.index(answer["bag_code"])
            answers.append((response.status_code, answer, {h: response.header(h) for h in COMPARED_HEADERS}))
            took_hot_path.append(response.answered_early)
    return answers


def test_the_hot_path_answers_every_case_as_the_api_does(world, bags):
    hot = _answers(world, bags, hot=True, first=0, owner=world.worker_a1, tag="h")
    if connection.vendor == "postgresql":  # elsewhere every request goes the long way
        answered_early = [n for n, early in enumerate(took_hot_path) if early]
        assert answered_early == [0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 17, 18]
    full = _answers(world, bags, hot=False, first=10, owner=world.worker_a1_other, tag="f")
    for n, (one, other) in enumerate(zip(hot, full, strict=True)):
        assert one == other, f"request {n}"
    statuses = [status for status, _answer, _headers in hot]
    assert statuses == [201, 200, 409, 409, 201, 201, 403, 404, 404, 422, 422, 422, 400, 422, 403, 401, 401, 201, 201]
    assert "Collected" in hot[17][1]["message"] and hot[17][2]["Content-Language"] == "en"
    assert hot[0][1]["points"] == 1 and "积分 +1" in hot[0][1]["message"]
    assert balance_of(world.worker_a1.pk) == balance_of(world.worker_a1_other.pk) == 2
    assert ledger_mismatches() == []


@pytest.mark.postgres
def test_a_plain_scan_is_one_statement_token_included(world, bags):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    raw = _token(world.collector_a)
    wsgi.post(URL, json.dumps(scan("warm", bags.code(bags.batch_a1, 1), bags.point_a)), token=raw)
    token = ApiToken.objects.get(user=world.collector_a)
    assert token.last_used_at is not None  # touched by the first scan, then at most once a minute
    with CaptureQueriesContext(connection) as queries:
        response = wsgi.post(URL, json.dumps(scan("one", bags.code(bags.batch_a1, 0), bags.point_a)), token=raw)
    assert response.status_code == 201, response.json()
    assert response.answered_early
    assert len(queries) == 1 and "core_apitoken" in queries[0]["sql"] and "ledger_entry" in queries[0]["sql"]
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at.replace(year=2020))
    wsgi.post(URL, json.dumps(scan("two", bags.code(bags.batch_a1, 2), bags.point_a)), token=raw)
    token.refresh_from_db()
    assert token.last_used_at.year > 2020
    assert balance_of(world.worker_a1.pk) == 1


def test_without_a_token_the_scan_goes_the_long_way(world, bags):
    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    client = world.client_for(world.collector_a)  # the station page's session
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, scan("s-1", bags.code(bags.batch_a1, 0), bags.point_a), content_type="application/json")
    assert response.status_code == 201
    assert len(queries) > 1  # the session and the user were read: the full stack answered
    # and at the door: a session, not a device token, is never answered early
    session = client.cookies["sessionid"].value
    at_the_door = wsgi.post(URL, json.dumps(scan("s-2", bags.code(bags.batch_a1, 1), bags.point_a)), cookies={"sessionid": session})
    assert not at_the_door.answered_early
    assert at_the_door.status_code == 403  # a session's write without its CSRF token, through the real stack
    assert Collection.objects.filter(client_id="s-2").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_hot_scans_of_one_bag_credit_once(world, bags):
    code = bags.code(bags.batch_a1, 0)
    bind(world, world.worker_a1, code)
    raw = _token(world.collector_a)
    statuses, errors = [], []
    barrier = threading.Barrier(6)

    def handheld(n):
        from django.db import connection as conn

        try:
            body = json.dumps(scan(f"race-{n}", code, bags.point_a))
            barrier.wait()
            answer = wsgi.post(URL, body, token=raw, keep_connection=False)
            statuses.append((answer.status_code, answer.json()["code"]))
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=handheld, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(statuses) == [(201, "collected")] + [(409, "bag_already_collected")] * 5
    assert Collection.objects.count() == 1
    assert balance_of(world.worker_a1.pk) == 1
    assert ledger_mismatches() == []


@pytest.mark.postgres
def test_what_the_door_cannot_read_or_answer_goes_the_long_way(world, bags, monkeypatch):
    from modules.bags import services

    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    raw = _token(world.collector_a)
    body = json.dumps(scan("big", bags.code(bags.batch_a1, 0), bags.point_a))
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=len(body) - 1):
        too_big = wsgi.post(URL, body, token=raw)
    assert (too_big.status_code, too_big.answered_early) == (413, False)  # the long way's refusal ("too large"), not a server error

    def breaks(**kwargs):
        raise RuntimeError("a fault inside the hot path")

    monkeypatch.setattr(services, "collection_record_by_token", breaks)
    answer = wsgi.post(URL, json.dumps(scan("fault", bags.code(bags.batch_a1, 0), bags.point_a)), token=raw)
    assert (answer.status_code, answer.answered_early) == (201, False)  # the API recorded it, once
    assert Collection.objects.filter(client_id="fault").count() == 1
    assert balance_of(world.worker_a1.pk) == 1 and ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_foreign_key_that_fails_mid_scan_is_not_mistaken_for_a_second_upload(world, bags):
    """Only a duplicate key means another upload won the race; any other constraint (here a
    point that vanished between the statement's read and its commit, simulated once by a
    trigger) is answered by reading the facts again — never "already collected"."""
    from modules.bags import services

    bind(world, world.worker_a1, bags.code(bags.batch_a1, 0))
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE fk_once")
        cursor.execute(
            """CREATE FUNCTION fk_once_point() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN IF nextval('fk_once') = 1 THEN NEW.point_id := 987654321; END IF; RETURN NEW; END $$"""
        )
        cursor.execute("CREATE TRIGGER fk_once BEFORE INSERT ON bags_collection FOR EACH ROW EXECUTE FUNCTION fk_once_point()")
    try:
        item = services.ScanIn(client_id="fk-1", code=bags.code(bags.batch_a1, 0), point_id=bags.point_a.pk, category="kitchen")
        result = services.collection_record(actor=world.collector_a, item=item)
        assert result.ok and result.status == 201, result
        assert Collection.objects.filter(client_id="fk-1", point=bags.point_a).count() == 1
        assert balance_of(world.worker_a1.pk) == 1 and ledger_mismatches() == []
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER fk_once ON bags_collection; DROP FUNCTION fk_once_point(); DROP SEQUENCE fk_once")
