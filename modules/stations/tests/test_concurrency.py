"""Two copies of the same checklist arrive at once (the phone retried while the first request
was still running): exactly one is recorded, both answers agree."""

import threading

import pytest
from django.db import connection

from engines.review import services as review
from modules.stations import services
from modules.stations.models import InspectionAssignment, InspectionSubmission, StationTask
from modules.stations.tests.factories import make_station
from modules.stations.tests.test_inspection import ITEMS, POOR


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_resends_record_once(world):
    rubric = review.rubric_create(actor=world.district_staff, key="stations.inspection.race", name="并发", items=ITEMS)
    plan = services.plan_create(actor=world.district_staff, year=2020, name="并发测试", rubric=rubric)
    services.plan_assign(
        actor=world.district_staff, plan=plan, stations=[make_station(world.district_staff, world.org_a1)], inspector=world.inspector
    )
    assignment = InspectionAssignment.objects.get(plan=plan)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def send():
        try:
            barrier.wait()
            results.append(
                services.inspection_submit(actor=world.inspector, assignment=assignment, client_key="race-key-0001", scores=POOR)
            )
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert InspectionSubmission.objects.count() == 1
    assert StationTask.objects.filter(kind="fix").count() == 1
    assignment.refresh_from_db()
    assert assignment.evaluation.scorer_count == 1
