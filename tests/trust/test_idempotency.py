"""Idempotency of every retryable write, through the API a phone or handheld uses.

The same key with the same body answers the first result (nothing counted twice); the same key
with another body is refused with 409 and a code. Races on PostgreSQL: two collectors scanning
one bag at once collect it once.

Also proven elsewhere (kept there, run in the PostgreSQL pass):
- modules/bags/tests/test_field_scans.py::test_concurrent_scans_of_one_bag_credit_once (six threads, one collector)
  and ::test_concurrent_batches_keep_the_ledger_whole;
- modules/prizes/tests/test_concurrency.py::test_two_hundred_workers_racing_for_the_last_ten_get_exactly_ten,
  ::test_racing_redemptions_never_spend_points_the_worker_does_not_have (one worker, points for one),
  ::test_the_same_key_sent_ten_times_at_once_redeems_once, ::test_expiry_and_cancel_racing_refund_exactly_once;
- modules/knowledge/tests/test_quiz.py::test_two_simultaneous_submissions_credit_once.
"""

from __future__ import annotations

import json
import threading

import pytest

from core.models import ApiToken
from engines.ledger.models import Entry
from engines.ledger.selectors import balance_of, ledger_mismatches
from engines.ledger.services import entry_post
from modules.bags import codes, services
from modules.bags.models import Collection
from modules.knowledge.models import Question
from modules.prizes.models import Redemption
from modules.prizes.services import place_create
from tests.trust.scenario import build


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def s(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return build(world)


def test_single_scan_same_key_same_body_replays_other_body_is_refused(world, s):
    client = world.client_for(world.collector_a)
    code = s["free_code"]
    body = {"client_id": "idem-scan-1", "code": code, "point_id": s["point"].pk, "category": "kitchen", "grade": "correct"}
    first = post(client, "/api/v1/bags/scans", body)
    again = post(client, "/api/v1/bags/scans", body)
    assert first.status_code == 201 and again.status_code == 200 and again.json()["replayed"]
    assert again.json()["collection_id"] == first.json()["collection_id"]
    other = post(client, "/api/v1/bags/scans", {**body, "category": "other"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict" and other.json()["field"] == "client_id"
    assert Collection.objects.filter(client_id="idem-scan-1").count() == 1


def test_batch_upload_retried_and_duplicated_items_count_once(world, s):
    client = world.client_for(world.collector_a)
    first_bag = s["batch"].first_bag_id
    items = [
        {"client_id": f"idem-batch-{n}", "code": codes.encode(first_bag + n), "point_id": s["point"].pk, "category": "kitchen"}
        for n in range(2, 6)
    ]
    duplicated = items + [items[0], items[1]]
    first = post(client, "/api/v1/bags/scans/batch", {"items": duplicated}).json()
    assert first["accepted"] == 6 and Collection.objects.filter(client_id__startswith="idem-batch-").count() == 4
    ids = [r["collection_id"] for r in first["results"]]
    assert ids[4] == ids[0] and ids[5] == ids[1]
    retried = post(client, "/api/v1/bags/scans/batch", {"items": items}).json()
    assert [r["collection_id"] for r in retried["results"]] == ids[:4] and all(r["replayed"] for r in retried["results"])
    changed = post(client, "/api/v1/bags/scans/batch", {"items": [{**items[0], "category": "other"}]}).json()
    assert changed["rejected"] == 1 and changed["results"][0]["code"] == "idempotency_conflict"
    assert Collection.objects.filter(client_id__startswith="idem-batch-").count() == 4
    assert ledger_mismatches() == []


def test_redemption_same_key_returns_the_first_other_prize_is_refused(world, s):
    client = world.client_for(world.worker_a1)
    prize, place = s["prize"], s["place"]
    url = f"/api/v1/prizes/{prize.pk}/redeem"
    balance = balance_of(world.worker_a1.pk)
    first = post(client, url, {"place_id": place.pk}, HTTP_IDEMPOTENCY_KEY="idem-redeem-0001")
    again = post(client, url, {"place_id": place.pk}, HTTP_IDEMPOTENCY_KEY="idem-redeem-0001")
    assert first.status_code == 201 and again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert balance_of(world.worker_a1.pk) == balance - prize.points_price
    second_place = place_create(
        actor=world.district_staff, name="甲工会第二办公室", kind=place.kind, organisation=world.org_a1, operators=[world.admin_a1]
    )
    prize.places.add(second_place)
    conflict = post(client, url, {"place_id": second_place.pk}, HTTP_IDEMPOTENCY_KEY="idem-redeem-0001")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    assert Redemption.objects.filter(member=world.worker_a1, idempotency_key="idem-redeem-0001").count() == 1


def test_quiz_answer_same_key_replays_other_answer_is_refused(world, s):
    client = world.client_for(world.worker_a1)
    attempt = s["attempt"]
    qid = attempt.question_ids[0]
    question = Question.objects.get(pk=qid)
    right = list(question.correct)
    wrong = [next(i for i in range(len(question.options)) if i not in question.correct)]
    url = f"/api/v1/knowledge/attempts/{attempt.pk}/answers"
    body = {"question_id": qid, "chosen": right, "client_key": "idem-answer-0001"}
    first = post(client, url, body)
    again = post(client, url, body)
    assert first.status_code in (200, 201) and again.json()["replayed"] and not first.json()["replayed"]
    credited = Entry.objects.filter(account__member_id=world.worker_a1.pk, reason__startswith="knowledge").count()
    changed = post(client, url, {**body, "chosen": wrong})
    other_question = post(client, url, {**body, "question_id": attempt.question_ids[1]})
    assert other_question.status_code == 409 and other_question.json()["field"] == "client_key"
    assert changed.status_code in (200, 409)  # the first answer stands either way
    if changed.status_code == 200:
        assert changed.json()["replayed"] and changed.json()["result"]["is_correct"]
    assert Entry.objects.filter(account__member_id=world.worker_a1.pk, reason__startswith="knowledge").count() == credited == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_collectors_scanning_one_bag_at_once_collect_it_once(world):
    batch = services.batch_create(actor=world.district_staff, organisation=world.org_a1, size=10)
    point = services.point_create(
        actor=world.district_staff, street=world.street_a, name="甲收集点", collectors=[world.collector_a, world.collector_b]
    )
    code = codes.encode(batch.first_bag_id)
    services.bag_bind(actor=world.worker_a1.user, code=code)
    tokens = [ApiToken.issue(user=u, name="h")[1] for u in (world.collector_a, world.collector_b)]
    barrier = threading.Barrier(len(tokens) * 3)
    answers, errors = [], []

    def scan(n):
        from django.db import connection
        from django.test import Client

        try:
            barrier.wait()
            body = {"client_id": f"race2-{n}", "code": code, "point_id": point.pk, "category": "kitchen", "grade": "correct"}
            response = post(Client(), "/api/v1/bags/scans", body, HTTP_AUTHORIZATION=f"Bearer {tokens[n % 2]}")
            answers.append((response.status_code, response.json()["code"]))
        except Exception as exc:  # noqa: BLE001 — surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(n,)) for n in range(len(tokens) * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(answers) == [(201, "collected")] + [(409, "bag_already_collected")] * 5, answers
    assert Collection.objects.count() == 1 and balance_of(world.worker_a1.pk) >= 1
    assert ledger_mismatches() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_workers_for_the_last_ten_prizes_and_one_worker_racing_for_points_for_one(world, s):
    """The brief's figures: 50 racing for the last 10 get exactly 10 (the prizes module races 200)."""
    from core.tests.factories import MemberFactory, UserFactory
    from modules.prizes.models import Prize
    from modules.prizes.services import redemption_create

    prize = s["prize"]
    Prize.objects.filter(pk=prize.pk).update(stock=10, stock_listed=10 + Redemption.objects.filter(prize=prize).count(), per_person_limit=5)
    members = []
    for n in range(50):
        user = UserFactory(username=f"racer{n}", phone=f"1370000{n:04d}")
        member = MemberFactory(organisation=world.org_a1, phone=f"1370000{n:04d}", user=user)
        entry_post(member_id=member.pk, amount=prize.points_price, reason="test.grant", source=f"race:{n}")
        members.append(member)
    # one of them tries twice at once with two keys: points for one only
    members.append(members[0])
    barrier = threading.Barrier(len(members))
    outcomes, errors = [], []

    def redeem(n, member):
        from django.db import connection

        try:
            barrier.wait()
            redemption_create(
                actor=member.user, member=member, prize_id=prize.pk, place_id=s["place"].pk, idempotency_key=f"race-key-{n:04d}"
            )
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(getattr(exc, "code", repr(exc)))
            if not getattr(exc, "code", None):
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem, args=(n, m)) for n, m in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("ok") == 10
    prize.refresh_from_db()
    assert prize.stock == 0
    assert Redemption.objects.filter(member=members[0], prize=prize).count() <= 1
    assert balance_of(members[0].pk) >= 0 and ledger_mismatches() == []
