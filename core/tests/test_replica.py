"""Reads that may lag go to a replica (core/replica.py).

The router's choices are checked without a database; then, on PostgreSQL, a real streaming
replica: a throwaway primary cluster on a free port holding a copy of the test database, a hot
standby made from it by ``pg_basebackup -R`` on another port (core/pgprocs.py), the staff
dashboard served with ``default`` → that primary and ``replica`` → that standby. A write is seen
on the primary at once, not on the dashboard while the standby's replay is paused, and on the
dashboard once replayed; a dead standby leaves the dashboard working, from the primary, with a
warning."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from core import replica
from core.pgprocs import Cluster, copy_database


def test_the_router_sends_reads_to_the_primary_outside_a_lag_tolerant_block():
    router = replica.ReplicaRouter()
    assert router.db_for_read(None) == DEFAULT_DB_ALIAS
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "core") and not router.allow_migrate(replica.REPLICA, "core")


def test_inside_a_block_reads_go_to_the_replica_until_something_writes():
    router = replica.ReplicaRouter()
    token = replica._reading.set(replica.REPLICA)
    try:
        assert router.db_for_read(None) == replica.REPLICA
        assert replica.read_alias() == replica.REPLICA
        assert router.db_for_write(None) == DEFAULT_DB_ALIAS
        # it may now read what it wrote: the rest of the block reads the primary
        assert router.db_for_read(None) == DEFAULT_DB_ALIAS
    finally:
        replica._reading.reset(token)
    assert replica.read_alias() == DEFAULT_DB_ALIAS


def test_without_a_replica_lag_tolerant_code_runs_as_it_is():
    assert not replica.configured()
    seen = []
    replica.lag_tolerant(lambda: seen.append(replica.read_alias()))()
    assert seen == [DEFAULT_DB_ALIAS]


# --- a real streaming replica -----------------------------------------------------------------


@pytest.fixture
def clusters(transactional_db):
    """A primary holding a copy of the test database, and its streaming replica."""
    primary = Cluster.new()
    standby = None
    try:
        copy_database(connections[DEFAULT_DB_ALIAS].settings_dict, primary, "uh")
        standby = primary.replica()
        yield primary, standby
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()


@contextmanager
def _allowed_in_this_test(alias: str):
    """Django's test case refuses connections to aliases it was not set up with (its patched
    ``ensure_connection`` reads the test class's ``databases``); the replica alias, made inside
    the test, is added to them for the block."""
    patched = BaseDatabaseWrapper.ensure_connection
    cells = getattr(patched, "__closure__", None) or ()
    classes = [c.cell_contents for c in cells if isinstance(c.cell_contents, type) and hasattr(c.cell_contents, "databases")]
    saved = [(cls, cls.databases) for cls in classes]
    for cls in classes:
        cls.databases = frozenset(cls.databases) | {alias}
    try:
        yield
    finally:
        for cls, databases in saved:
            cls.databases = databases


@contextmanager
def served_by(primary: Cluster, standby: Cluster):
    """``default`` → the throwaway primary, ``replica`` → its standby, for this block."""
    default = connections[DEFAULT_DB_ALIAS]
    saved = default.settings_dict
    default.close()
    default.settings_dict = {**saved, "HOST": "127.0.0.1", "PORT": primary.port, "NAME": "uh", "USER": "postgres", "PASSWORD": ""}
    connections.settings[replica.REPLICA] = {
        **default.settings_dict,
        "PORT": standby.port,
        "OPTIONS": {"connect_timeout": 2},
        "TEST": {"MIRROR": DEFAULT_DB_ALIAS},
    }
    replica.reset()
    try:
        with _allowed_in_this_test(replica.REPLICA):
            yield
    finally:
        for alias in (DEFAULT_DB_ALIAS, replica.REPLICA):
            connections[alias].close()
        del connections[replica.REPLICA]
        connections.settings.pop(replica.REPLICA)
        default.settings_dict = saved
        replica.reset()


def _members_card(client: Client) -> str:
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_a_streaming_replica_and_falls_back_to_the_primary(clusters, caplog):
    from core.models import Organisation, RoleAssignment
    from core.tests.factories import OrganisationFactory, UserFactory

    primary, standby = clusters
    with served_by(primary, standby):
        district = OrganisationFactory(name="测试区总工会", level=Organisation.Level.DISTRICT, parent=None)
        street = OrganisationFactory(name="测试街道", level=Organisation.Level.STREET, parent=district)
        union = OrganisationFactory(name="测试基层工会", parent=street, street=street, member_count=1234)
        staff = UserFactory(username="replica-staff", is_staff=True)
        RoleAssignment.objects.create(user=staff, role=RoleAssignment.Role.DISTRICT_STAFF, organisation=district)
        standby.wait_replayed(primary.sql("SELECT pg_current_wal_lsn()::text")[0][0])
        client = Client()
        client.force_login(staff)

        page = _members_card(client)
        assert "1,234" in page and replica.replica_usable()

        # Replay paused: a write is on the primary at once, the dashboard (the replica) lags.
        standby.sql("SELECT pg_wal_replay_pause()")
        Organisation.objects.filter(pk=union.pk).update(member_count=4321987)
        lsn = primary.sql("SELECT pg_current_wal_lsn()::text")[0][0]
        assert Organisation.objects.get(pk=union.pk).member_count == 4321987
        assert primary.sql("SELECT member_count FROM core_organisation WHERE id = %s", [union.pk], dbname="uh") == [(4321987,)]
        page = _members_card(client)
        assert "4,321,987" not in page and "1,234" in page

        # Replayed: the dashboard shows it.
        standby.sql("SELECT pg_wal_replay_resume()")
        standby.wait_replayed(lsn)
        assert "4,321,987" in _members_card(client)

        # The replica dies: the dashboard still answers, from the primary, with a warning.
        Organisation.objects.filter(pk=union.pk).update(member_count=5555)
        standby.stop(remove=False)
        with caplog.at_level(logging.WARNING, logger="unionhub.replica"):
            page = _members_card(client)
        assert "5,555" in page
        assert any("replica unavailable" in r.getMessage() for r in caplog.records)
        assert not replica.replica_usable()  # not tried again for REPLICA_RETRY_SECONDS


def test_a_replica_failing_half_way_runs_the_view_again_on_the_primary(monkeypatch, caplog):
    from django.db.utils import OperationalError

    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "replica_usable", lambda: True)
    monkeypatch.setattr(replica, "_replica_broken", lambda: True)
    replica.reset()
    calls = []

    def view():
        calls.append(replica.read_alias())
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return "page"

    with caplog.at_level(logging.WARNING, logger="unionhub.replica"):
        assert replica.lag_tolerant(view)() == "page"
    assert calls == [replica.REPLICA, DEFAULT_DB_ALIAS]
    assert any("replica unavailable" in r.getMessage() for r in caplog.records)
    replica.reset()


def test_an_error_of_the_primary_is_not_taken_for_the_replica(monkeypatch):
    from django.db.utils import OperationalError

    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "replica_usable", lambda: True)
    monkeypatch.setattr(replica, "_replica_broken", lambda: False)  # the replica still answers

    def view():
        raise OperationalError("the primary is gone")

    with pytest.raises(OperationalError):
        replica.lag_tolerant(view)()
