"""Rollups stay right as scans arrive: refreshing while scanning, then rebuilding, changes no row."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Sum

from modules.bags.models import Collection
from modules.sortstats import rollups, selectors, services
from modules.sortstats.models import BranchMonthCat, OrgDay, RollupState
from modules.sortstats.tests.helpers import at, bulk_scans, issue, point, scan

TODAY = date(2026, 11, 24)


def snapshot() -> dict:
    """Every rollup row, without surrogate ids, as sorted tuples per table."""
    out = {}
    for model in rollups.ALL_TABLES:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(tuple(str(v) for v in row) for row in model.objects.values_list(*fields))
    return out


def _kitchen_total(day: date) -> int:
    return sum(OrgDay.objects.filter(day=day).values_list("bags", flat=True))


@pytest.mark.django_db
def test_incremental_refresh_equals_full_rebuild(world):
    w = world
    p_a, p_b = point(w.street_a, "A点", [w.collector_a]), point(w.street_b, "B点", [w.collector_b])
    a, b = dict(point=p_a, collector=w.collector_a), dict(point=p_b, collector=w.collector_b)
    bulk_scans(w.org_a1, **a, times=[at(TODAY - timedelta(days=40), h) for h in (8, 9, 20)], owner=w.worker_a1)
    bulk_scans(w.org_b1, **b, times=[at(TODAY - timedelta(days=3), 7)] * 2, category="other", grade="wrong", reasons=["mixed_kitchen"])
    first = services.rollups_refresh(today=TODAY)
    assert first["days"] >= 3  # never ran: read every day that has scans

    # Scans arrive today and yesterday (the two-day window) …
    scan(w.org_a1, **a, when=at(TODAY, 6), category="recyclable", owner=w.worker_a1_other, grams=300)
    scan(w.org_a2, **a, when=at(TODAY - timedelta(days=1), 23, 59), category="hazardous", grade="wrong", reasons=["battery"])
    services.rollups_refresh(today=TODAY)
    assert _kitchen_total(TODAY) == 1 and _kitchen_total(TODAY - timedelta(days=1)) == 1

    # … and a handheld uploads a scan made last month, after that month's tables were built.
    late = scan(w.org_b1, **b, when=at(TODAY - timedelta(days=30), 10), category="kitchen", owner=w.worker_b1, grams=800)
    services.rollups_refresh(today=TODAY)
    assert _kitchen_total(TODAY - timedelta(days=30)) == 1
    assert BranchMonthCat.objects.filter(month=date(2026, 10, 1)).aggregate(n=Sum("bags"))["n"] == 4

    # Out of order: a transaction that drew its id before the last run commits only now.
    gap = scan(w.org_a1, **a, when=at(TODAY - timedelta(days=1), 9), owner=w.worker_a1)
    after_gap = scan(w.org_a1, **a, when=at(TODAY - timedelta(days=1), 9, 5), owner=w.worker_a1)
    fields = {f.attname: getattr(gap, f.attname) for f in Collection._meta.concrete_fields}
    Collection.objects.filter(pk=gap.pk).delete()
    services.rollups_refresh(today=TODAY)
    fields.update(collected_at=at(TODAY - timedelta(days=20), 15), client_id="late-commit")
    Collection.objects.create(**fields)
    assert after_gap.pk > gap.pk
    services.rollups_refresh(today=TODAY)
    assert _kitchen_total(TODAY - timedelta(days=20)) == 1

    incremental = snapshot()
    assert sum(len(rows) for rows in incremental.values()) > 20
    services.rollups_rebuild(today=TODAY)
    assert snapshot() == incremental
    assert late.pk  # the late scan is in both


@pytest.mark.django_db
def test_refresh_is_idempotent_and_keeps_its_watermark(world):
    p = point(world.street_a)
    bulk_scans(world.org_a1, point=p, collector=world.collector_a, times=[at(TODAY, 9)] * 3)
    services.rollups_refresh(today=TODAY)
    once = snapshot()
    services.rollups_refresh(today=TODAY)
    assert snapshot() == once
    state = RollupState.objects.get(key="refresh").value
    assert len(state["snapshots"]) == 2 and state["snapshots"][-1][1] == Collection.objects.order_by("-id").first().pk


@pytest.mark.django_db
def test_rebuild_command_reports_rate(world, capsys):
    p = point(world.street_a)
    bulk_scans(world.org_a1, point=p, collector=world.collector_a, times=[at(date(2026, 9, 30), 9), at(date(2026, 10, 1), 9)])
    issue(world.org_a1, 5, when=at(date(2026, 8, 15), 9))
    call_command("sortstats_rebuild")
    out = capsys.readouterr().out
    assert "2026年09月" in out and "2026年10月" in out and "读取 2 条回收记录" in out and "条记录/秒" in out
    # August had bags issued but no scan: it still has its participation row.
    assert (
        selectors.participation_trend(world.district_staff, selectors.Filters(start=date(2026, 8, 1), end=date(2026, 8, 31)))["rows"][-1][5]
        == 5
    )
    call_command("sortstats_rebuild", "--refresh")
    assert "增量刷新完成" in capsys.readouterr().out


@pytest.mark.django_db
def test_periodic_job_registered_and_importable():
    from django.utils.module_loading import import_string

    from core.registry import registry

    assert ("modules.sortstats.services.rollups_refresh", 30) in registry.periodic_jobs
    assert import_string("modules.sortstats.services.rollups_refresh") is services.rollups_refresh
