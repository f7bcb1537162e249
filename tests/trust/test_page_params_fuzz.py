"""Every query parameter of every page, with hostile values, as each staff role: never a 5xx.

``/sortstats/?month=x`` answered 500 (issue 29, finding 8). Here each page of the authorisation
matrix (tests/trust/test_authz_matrix.py, built on its scenario of org_a1 / street A) that a role
can open is requested again with each of its parameters set to values a page must refuse
politely — the page with a message, or a 4xx — and never answer 5xx. A page's parameters are
those its view module reads (``request.GET.get("…")``, ``GET["…"]``, ``params.get("…")`` …) and
those its own filter forms and links send (``<form method="get">`` fields, ``href="?…"``).
"""

from __future__ import annotations

import inspect
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import pytest
from django.urls import resolve, reverse

from tests.trust.scenario import build
from tests.trust.test_authz_matrix import PAGES, resolve_kwargs

STATS_FILE = Path(__file__).resolve().parents[2] / "var" / "page-params-fuzz.json"

HOSTILE = [
    "x",
    "-1",
    "99999999999999999999999",
    "1e309",
    "2026-13-45",
    "<script>'\"",
    " ",
]
ONE_BY_ONE = ["x", "99999999999999999999999", "2026-13-45"]

# Pages that change something or leave on GET, or that only start a background job: not fuzzed.
SKIP = {"core:logout", "set_language", "sortstats:report_pdf", "sortstats:rebuild", "core:tour"}

_READS = re.compile(
    r"""(?:GET|params|query|data)(?:\.get|\.getlist|\.pop)?\(\s*["']([a-z_][a-z0-9_]*)["']|GET\[\s*["']([a-z_][a-z0-9_]*)["']\s*\]"""
)


class _Fields(HTMLParser):
    """Names a page's GET forms and ``?query`` links send."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attrs.get("name"):
            self.names.add(attrs["name"])
        elif tag == "a" and (attrs.get("href") or "").startswith("?"):
            self.names.update(name for name, _value in parse_qsl(attrs["href"][1:], keep_blank_values=True))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def parameters_of(path: str, html: str) -> set[str]:
    view = resolve(urlparse(path).path).func
    view = getattr(view, "view_class", view)
    names = set()
    try:
        source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
        names.update(a or b for a, b in _READS.findall(source))
    except (TypeError, OSError):
        pass
    fields = _Fields()
    fields.feed(html)
    names |= fields.names
    return {n for n in names if n not in ("csrfmiddlewaretoken",)}


STAFF_ROLES = {
    "district_staff": "district_staff",
    "street_staff": "street_a_staff",
    "grassroots_admin": "admin_a1",
    "collector": "collector_a",
    "inspector": "inspector",
}


# Every parameter at once with each value, for every role; then, for the district (who sees every
# page), each parameter on its own (a run of its own), so that one refused parameter cannot hide another.
# The one-by-one run (each parameter alone, the district's pages) is the long one: slow, it runs on the
# PostgreSQL pass (make test-pg); the SQLite runs fuzz every page's parameters all at once per role.
RUNS = [(role, False) for role in STAFF_ROLES] + [pytest.param("district_staff", True, marks=pytest.mark.slow)]


@pytest.mark.parametrize(("role", "one_by_one"), RUNS, ids=[*STAFF_ROLES, "district_staff-one-by-one"])
def test_no_query_parameter_of_any_page_makes_a_server_error(world, role, one_by_one):
    scenario = build(world)
    client = world.client_for(getattr(world, STAFF_ROLES[role]))
    client.raise_request_exception = False
    stats = {"pages": 0, "requests": 0, "5xx": 0}
    failures = []
    for name, (_allowed, spec) in sorted(PAGES.items()):
        if name in SKIP or name.startswith("api_v1:"):
            continue
        path = reverse(name, kwargs=resolve_kwargs(spec, scenario))
        plain = client.get(path)
        if plain.status_code != 200 or not plain.get("Content-Type", "").startswith("text/html"):
            continue  # not this role's page (or a file): its parameters are never read
        stats["pages"] += 1
        names = sorted(parameters_of(path, plain.content.decode()))
        if one_by_one:
            queries = [{n: value} for n in names for value in ONE_BY_ONE]
        else:
            queries = [dict.fromkeys(names, value) for value in HOSTILE]
        for query in queries:
            response = client.get(path, query)
            stats["requests"] += 1
            if response.status_code >= 500:
                stats["5xx"] += 1
                failures.append(f"{role} GET {path}?{json.dumps(query, ensure_ascii=False)} → {response.status_code}")
    STATS_FILE.parent.mkdir(parents=True, exist_ok=True)
    recorded = json.loads(STATS_FILE.read_text()) if STATS_FILE.exists() else {}
    recorded = recorded if "requests" not in recorded else {}
    recorded[role + ("-one-by-one" if one_by_one else "")] = stats
    STATS_FILE.write_text(json.dumps(recorded, indent=2))
    assert not failures, "\n".join(failures[:50])


@pytest.mark.redis
@pytest.mark.parametrize("name", ["bags:rankings", "bags:rankings_organisations", "bags:rankings_streets"])
def test_a_giant_page_number_on_the_ranking_pages_is_the_first_page(world, name):
    """Found by the fuzzing above on the Redis pass: Redis refused the offset (a 500)."""
    response = world.client_for(world.district_staff).get(reverse(name), {"page": "99999999999999999999999"})
    assert response.status_code == 200
