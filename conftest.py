"""Shared test set-up: which database we are on, markers that need PostgreSQL/Redis, and the world."""

import os

import pytest
from django.conf import settings

pytest_plugins = ["core.tests.fixtures"]


def _sleep_without_clock_nanosleep(seconds: float) -> None:
    """``time.sleep`` for ``make test-clock``: there libfaketime moves the wall clock but not the
    monotonic one (``FAKETIME_DONT_FAKE_MONOTONIC=1``), and it still shifts the absolute
    monotonic deadline that Python 3.11's ``time.sleep`` gives ``clock_nanosleep`` by the
    wall clock's offset — a year back, before the machine booted: every sleep failed with EINVAL
    (libfaketime issue #426; ``subprocess.run(timeout=…)`` sleeps while it waits for the child). A
    ``select`` with no descriptors waits a relative time, which libfaketime leaves alone."""
    import select

    if seconds > 0:
        select.select([], [], [], seconds)


if os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1" and "faketime" in os.environ.get("LD_PRELOAD", ""):
    import time

    time.sleep = _sleep_without_clock_nanosleep


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: runs in CI's PostgreSQL pass (make test-pg)")
    skip_redis = pytest.mark.skip(reason="needs Redis: runs in CI's PostgreSQL+Redis pass (make test-pg)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres():
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


def pytest_sessionfinish(session, exitstatus):
    """On CI's PostgreSQL pass nothing may be skipped silently (UNIONHUB_FORBID_SKIPS=1)."""
    if os.environ.get("UNIONHUB_FORBID_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"UNIONHUB_FORBID_SKIPS: {skipped} test(s) were skipped on the PostgreSQL pass", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _platform_language():
    """Every test starts in the platform's language (Chinese). A request answered in English — a
    test's last request with the English cookie — leaves English active in the thread, as it
    would in a server's worker until its next request activates the next one's language; text a
    later test makes outside a request (a notification, a task) must not depend on test order."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
