"""schemathesis drives every operation of /api/v1/ with generated (valid and mutated) input.

Whatever is sent, by a collector's handheld (device token), an office session or a worker's
session, the API must never answer 5xx, every error must be JSON {code, message, field}, and every
answer must match the schema it documents. Runs in CI's PostgreSQL pass; the number of calls is
written to var/schemathesis-stats.json for RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from core.hot_path import HotPathApplication
from core.models import ApiToken
from core.tests.wsgi import keeping_the_test_connection

STATS_FILE = Path(__file__).resolve().parents[2] / "var" / "schemathesis-stats.json"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
ONLY = os.environ.get("FUZZ_ONLY", "")  # a part of the paths to fuzz, when looking into one operation
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's connection (and its transaction) across requests.
    # Wrapped as config/wsgi.py wraps it, so the scan's hot path is fuzzed too.
    with keeping_the_test_connection():
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", HotPathApplication(get_wsgi_application()))


# Who calls: a collector's handheld (device token), an office session and a worker's phone session
# (page cookies, with the CSRF cookie and header a browser sends). Fewer examples for the sessions:
# the operations are the same, only what each caller may reach differs.
CALLERS = {"device_token": EXAMPLES, "staff_session": max(EXAMPLES * 2 // 5, 3), "worker_session": max(EXAMPLES * 2 // 5, 3)}
# The token's run is split in two (every other operation) so that each test stays well inside the
# suite's per-test timeout on a loaded machine: that timeout fires inside hypothesis, which then
# reports a confusing "inconsistent replay" instead of the timeout.
RUNS = [("device_token", 0, 2), ("device_token", 1, 2), ("staff_session", 0, 1), ("worker_session", 0, 1)]
CSRF = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"


def credentials(world, caller: str) -> tuple[dict, dict]:
    """(headers, cookies) of the caller."""
    if caller == "device_token":
        _token, raw = ApiToken.issue(user=world.collector_a, name="fuzz")
        return {"Authorization": f"Bearer {raw}"}, {}
    user = world.district_staff if caller == "staff_session" else world.worker_a1.user
    client = Client()
    client.force_login(user)
    return {"X-CSRFToken": CSRF}, {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


def is_api_error_json(response) -> bool:
    """An error answer of the documented shape: JSON with code and message (and field)."""
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and {"code", "message", "field"} <= set(body)


@pytest.mark.postgres
@pytest.mark.parametrize(("caller", "shard", "shards"), RUNS, ids=[f"{c}-{i + 1}of{n}" for c, i, n in RUNS])
def test_no_input_makes_a_server_error_and_every_answer_matches_the_schema(api_schema, world, caller, shard, shards):
    headers, cookies = credentials(world, caller)
    examples = CALLERS[caller]
    stats = {
        "caller": caller,
        "shard": f"{shard + 1}/{shards}",
        "operations": 0,
        "calls": 0,
        "5xx": 0,
        "errors_not_json": 0,
        "examples_per_operation_and_mode": examples,
    }
    failures = []
    for index, result in enumerate(api_schema.get_all_operations()):
        operation = result.ok()
        if index % shards != shard or ONLY not in operation.path:
            continue
        stats["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def exercise(case):
                # Each call in its own savepoint: one failed statement must not poison the next calls.
                savepoint = transaction.savepoint()
                try:
                    response = case.call(headers=headers, cookies=cookies)
                finally:
                    transaction.savepoint_rollback(savepoint)
                stats["calls"] += 1
                if response.status_code >= 500:
                    stats["5xx"] += 1
                if response.status_code >= 400 and not is_api_error_json(response):
                    stats["errors_not_json"] += 1
                    raise AssertionError(
                        f"{response.status_code} answered as {response.headers.get('content-type')}: {response.content[:200]!r}"
                    )
                case.validate_response(response, checks=CHECKS)

            try:
                exercise()
            except Unsatisfiable:
                # no invalid input exists for this operation (e.g. no parameters to mutate)
                stats["modes_without_negative_cases"] = stats.get("modes_without_negative_cases", 0) + 1
            except (Exception, BaseExceptionGroup) as error:  # collect every failing operation (schemathesis raises groups)
                failures.append(f"{operation.method.upper()} {operation.path} [{mode}]: {str(error)[:800]}")
    STATS_FILE.parent.mkdir(parents=True, exist_ok=True)
    recorded = json.loads(STATS_FILE.read_text()) if STATS_FILE.exists() else {}
    recorded = recorded if isinstance(recorded, dict) and "calls" not in recorded else {}
    recorded[f"{caller}-{shard + 1}of{shards}"] = stats
    STATS_FILE.write_text(json.dumps(recorded, indent=2))
    assert stats["5xx"] == 0 and stats["errors_not_json"] == 0 and not failures, "\n\n".join(failures)


def all_schema_classes():
    from ninja import Schema

    from core.api import api

    api.get_openapi_schema()  # every router imported
    seen, todo = [], list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # pagination inputs (``Input``) become query parameters, not components
        if cls.__module__.split(".")[0] in ("core", "modules", "engines") and cls.__name__ != "Input":
            seen.append(cls)
    return seen


def test_no_two_different_api_schemas_share_a_name():
    """OpenAPI components are keyed by class name: two different schemas with one name make one
    operation document the other's shape (found: bags' MeOut/PlaceOut hid core's and prizes')."""
    by_name: dict[str, dict] = {}
    clashes = []
    for cls in all_schema_classes():
        shape = json.dumps(cls.model_json_schema(), sort_keys=True, default=str)
        if cls.__name__ in by_name and by_name[cls.__name__]["shape"] != shape:
            clashes.append(f"{cls.__name__}: {by_name[cls.__name__]['module']} and {cls.__module__}")
        by_name.setdefault(cls.__name__, {"shape": shape, "module": cls.__module__})
    assert not clashes, clashes
