"""Shared test set-up: which database we are on, markers that need PostgreSQL/Redis, and the world."""

import os

import pytest
from django.conf import settings

pytest_plugins = ["core.tests.fixtures"]


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
