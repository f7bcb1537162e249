"""The authorisation matrix, generated from the URL configuration and the OpenAPI document.

Every page URL (``django.urls.get_resolver()``, the Django admin included) and every API
operation (``/api/v1/openapi.json``) must be listed in POLICY below with who may use it;
a new endpoint that nobody classified makes ``test_every_endpoint_has_a_policy`` fail.

The objects all belong to org_a1 / street A (tests/trust/scenario.py). The roles are the
owner (worker_a1), a worker of another organisation, a collector of another point, a
grassroots admin of another organisation, street staff of another street, district staff
and an anonymous visitor. Only the allowed roles may succeed; the others get a redirect to a
login page (anonymous pages), 401 (anonymous API) or 403/404 — never a 200 carrying org_a1's
data (PRIVATE_MARKERS), never a 500. An out-of-scope object answers like a missing one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.api import api
from tests.trust.scenario import PRIVATE_MARKERS, build

ROLES = ("owner", "worker_b", "collector_b", "admin_b", "street_b", "district", "anon")
OUTSIDERS = {"worker_b", "collector_b", "admin_b", "street_b", "anon"}

ALL = frozenset(ROLES)
LOGGED_IN = ALL - {"anon"}
WORKERS = frozenset({"owner", "worker_b"})  # any member, on their own data
OWNER = frozenset({"owner"})
OFFICE = frozenset({"admin_b", "street_b", "district"})  # back-office staff, lists scoped to their own tree
DISTRICT = frozenset({"district"})
STREETS = frozenset({"street_b", "district"})
FIELD = frozenset({"collector_b", "district"})
NOBODY = frozenset()

# name -> (roles that succeed, kwargs: {url kwarg: scenario attribute or a literal (via lambda)})
# Lists without an object: the allowed roles get 200 but never another organisation's rows.
# Objects of org_a1 / street A: only the district (and the owning worker) may reach them.
PAGES: dict[str, tuple[frozenset, dict]] = {
    "set_language": (ALL, {}),
    "api_v1:openapi-json": (ALL, {}),
    "api_v1:openapi-view": (ALL, {}),
    "api_v1:api-root": (ALL, {}),
    "core:home": (ALL, {}),
    "core:login": (ALL, {}),
    "core:worker_login": (ALL, {}),
    "core:logout": (ALL, {}),
    "core:healthz": (ALL, {}),
    "core:favicon": (ALL, {}),
    "core:tour": (NOBODY, {}),  # the demo's guided tour: 404 unless DEBUG
    "core:dashboard": (OFFICE, {}),
    "core:my_data": (WORKERS, {}),
    "core:my_data_download": (WORKERS, {"fmt": lambda s: "json"}),
    "core:close_account": (WORKERS, {}),
    "core:org_tree": (OFFICE, {}),
    "core:org_create": (STREETS, {}),
    "core:org_detail": (DISTRICT, {"pk": "org"}),
    "core:org_edit": (DISTRICT, {"pk": "org"}),
    "core:roster": (DISTRICT, {"pk": "org"}),
    "core:member_create": (DISTRICT, {"pk": "org"}),
    "core:roster_import": (DISTRICT, {"pk": "org"}),
    "core:jobs": (LOGGED_IN, {}),  # everyone's own jobs only
    "core:notifications": (LOGGED_IN, {}),  # everyone's own messages only
    "core:attachment_download": (DISTRICT, {"pk": "attachment"}),  # the owner programme's rule (a studio application of org_a1)
    "core:attachment_remove": (NOBODY, {"pk": "attachment"}),  # POST only; the applying union's admin while editable
    "core:notification_open": (OWNER, {"pk": "notification"}),  # POST only; another user's message is 404
    "core:notifications_read_all": (LOGGED_IN, {}),  # POST only; marks the caller's own
    "core:job_detail": (DISTRICT, {"pk": "job"}),  # the district staff's own job
    "core:job_status": (DISTRICT, {"pk": "job"}),
    "core:job_download": (DISTRICT, {"pk": "job"}),
    "core:roster_template": (DISTRICT, {"pk": "org"}),
    "core:roster_export": (DISTRICT, {"pk": "org", "fmt": lambda s: "xlsx"}),
    "core:member_detail": (DISTRICT, {"pk": "member"}),
    "core:member_edit": (DISTRICT, {"pk": "member"}),
    "core:member_phone": (DISTRICT, {"pk": "member"}),
    "core:member_move": (DISTRICT, {"pk": "member"}),
    "core:coverage": (STREETS, {}),
    "core:coverage_export": (STREETS, {}),
    "core:coverage_unit_create": (STREETS, {}),
    "core:coverage_unit_edit": (DISTRICT, {"pk": "unit"}),
    "core:tokens": (DISTRICT, {}),
    "core:token_revoke": (DISTRICT, {"pk": "token"}),
    "core:audit": (DISTRICT, {}),
    "bag_short": (WORKERS | FIELD, {"code": "free_code"}),  # the QR link: bind (workers) or scan (field)
    "bags:batches": (OFFICE, {}),
    "bags:batch_create": (OFFICE, {}),
    "bags:batch_union_search": (OFFICE, {}),
    "bags:batch_detail": (DISTRICT, {"pk": "batch"}),
    "bags:batch_codes_csv": (DISTRICT, {"pk": "batch"}),
    "bags:batch_labels": (DISTRICT, {"pk": "batch"}),
    "bags:export_progress": (DISTRICT, {"pk": "batch", "export_id": "export"}),
    "bags:export_download": (NOBODY, {"pk": "batch", "export_id": "export"}),  # not ready: 404 for everyone
    "bags:batch_bind": (DISTRICT, {"pk": "batch"}),
    "bags:points": (STREETS, {}),
    "bags:point_create": (STREETS, {}),
    "bags:point_edit": (DISTRICT, {"pk": "point"}),
    "bags:point_delete": (DISTRICT, {"pk": "point"}),
    "bags:station": (frozenset({"collector_b"}), {}),
    "bags:me": (WORKERS, {}),
    "bags:me_consent": (WORKERS, {}),
    "bags:rankings": (ALL, {}),
    "bags:rankings_organisations": (ALL, {}),
    "bags:rankings_streets": (ALL, {}),
    "bags:points_rules": (DISTRICT, {}),
    "bags:points_rule_deactivate": (DISTRICT, {"rule_id": "rule"}),
    "knowledge:guide": (ALL, {}),
    "knowledge:guide_item": (ALL, {"pk": "guide_item"}),
    "knowledge:reason": (ALL, {"code": "reason_code"}),
    "knowledge:articles": (ALL, {}),
    "knowledge:article": (ALL, {"pk": "article"}),
    "knowledge:daily": (WORKERS, {}),
    "knowledge:daily_start": (WORKERS, {}),
    "knowledge:answer": (OWNER, {"attempt_id": "attempt"}),
    "knowledge:contests": (ALL, {}),
    "knowledge:contest": (ALL, {"pk": "contest"}),
    "knowledge:contest_start": (WORKERS, {"pk": "contest"}),
    "knowledge:contest_ranking": (ALL, {"pk": "contest"}),
    "knowledge:staff_home": (OFFICE, {}),
    "knowledge:staff_campaign": (OFFICE, {"pk": "contest"}),
    "prizes:home": (WORKERS, {}),
    "prizes:detail": (OWNER, {"prize_id": "prize"}),
    "prizes:redeem": (OWNER, {"prize_id": "prize"}),
    "prizes:my": (WORKERS, {}),
    "prizes:my_detail": (OWNER, {"redemption_id": "redemption"}),
    "prizes:my_qr": (OWNER, {"redemption_id": "redemption"}),
    "prizes:pickup": (DISTRICT, {}),  # operators of a pickup place (none of them outsiders here)
    "prizes:manage_prizes": (OFFICE, {}),
    "prizes:prize_create": (OFFICE, {}),
    "prizes:prize_edit": (DISTRICT, {"prize_id": "prize"}),
    "prizes:manage_places": (OFFICE, {}),
    "prizes:place_create": (OFFICE, {}),
    "prizes:place_edit": (DISTRICT, {"place_id": "place"}),
    "prizes:manage_redemptions": (OFFICE, {}),
    "prizes:redemption_cancel": (DISTRICT, {"redemption_id": "redemption"}),
    "prizes:reports": (OFFICE, {}),
    "prizes:reports_export": (OFFICE, {}),
    "sortstats:dashboard": (OFFICE, {}),
    "sortstats:anomalies": (OFFICE, {}),
    "sortstats:unions": (OFFICE, {"key": lambda s: "accuracy_by_organisation"}),
    "sortstats:export": (OFFICE, {"key": lambda s: "trend", "fmt": lambda s: "csv"}),
    "sortstats:reports": (OFFICE, {}),
    "sortstats:report_pdf": (DISTRICT, {"street_id": "street", "month": lambda s: "2026-11"}),
    "sortstats:rebuild": (DISTRICT, {}),
    "stations:list": (OFFICE, {}),
    "stations:create": (OFFICE, {}),
    "stations:detail": (DISTRICT, {"pk": "station"}),
    "stations:edit": (DISTRICT, {"pk": "station"}),
    "stations:import": (OFFICE, {}),
    "stations:figures": (OFFICE, {}),
    "stations:tasks": (OFFICE, {}),
    "stations:task": (DISTRICT, {"pk": "task"}),
    "stations:task_photo": (DISTRICT, {"pk": "task"}),
    "stations:rubrics": (DISTRICT, {}),
    "stations:rubric_new": (DISTRICT, {}),
    "stations:rubric_edit": (DISTRICT, {"pk": "rubric"}),
    "stations:plans": (DISTRICT, {}),
    "stations:plan": (OFFICE, {"pk": "plan"}),  # a district-wide plan; assignments scoped to the viewer
    "stations:find": (ALL, {}),
    "stations:public": (ALL, {"pk": "station"}),
    "stations:rate": (WORKERS, {"pk": "station"}),
    "stations:report": (WORKERS, {"pk": "station"}),
    "stations:inspect": (NOBODY, {}),  # the inspector's own list
    "studios:home": (OFFICE, {}),  # each office sees the applications of its own tree
    "studios:call_new": (DISTRICT, {}),
    "studios:call": (DISTRICT, {"pk": "studio_call"}),
    "studios:call_export": (DISTRICT, {"pk": "studio_call", "fmt": lambda s: "xlsx"}),
    "studios:application_new": (NOBODY, {}),  # a grassroots admin with ?call=; 404 without
    "studios:application": (DISTRICT, {"pk": "studio_application"}),
    "studios:application_edit": (NOBODY, {"pk": "studio_application"}),  # the applying union's admin only
    "studios:transition": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:expert_assign": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:attachment_upload": (DISTRICT, {"pk": "studio_application"}),  # POST only; the service refuses all but the union's admin
    "studios:achievement_add": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:objection_resolve": (DISTRICT, {"pk": "studio_objection"}),  # POST only
    "studios:expert_inbox": (NOBODY, {}),  # experts only
    "studios:expert_review": (NOBODY, {"pk": "studio_assignment"}),  # the assigned expert only
    "studios:notice": (ALL, {}),  # the public notice
    "stations:inspect_fill": (NOBODY, {"pk": "assignment"}),
}

# "METHOD /api/v1/path" -> (roles that succeed, path params)
API: dict[str, tuple[frozenset, dict]] = {
    "GET /api/v1/core/me": (LOGGED_IN, {}),
    "GET /api/v1/orgs/": (OFFICE, {}),
    "GET /api/v1/orgs/{org_id}": (DISTRICT, {"org_id": "org"}),
    "GET /api/v1/members/": (OFFICE, {}),
    "GET /api/v1/members/{member_id}": (OWNER | DISTRICT, {"member_id": "member"}),
    "GET /api/v1/coverage/": (STREETS, {}),
    "GET /api/v1/bags/batches": (OFFICE, {}),
    "GET /api/v1/bags/batches/{batch_id}": (DISTRICT, {"batch_id": "batch"}),
    "GET /api/v1/bags/batches/{batch_id}/labels/{export_id}": (DISTRICT, {"batch_id": "batch", "export_id": "export"}),
    "GET /api/v1/bags/batches/{batch_id}/labels/{export_id}/download": (DISTRICT, {"batch_id": "batch", "export_id": "export"}),
    "GET /api/v1/bags/batches/{batch_id}/codes.csv": (DISTRICT, {"batch_id": "batch"}),
    "GET /api/v1/bags/lookup/{code}": (FIELD | WORKERS, {"code": "free_code"}),
    "GET /api/v1/bags/points": (STREETS, {}),
    "GET /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "GET /api/v1/bags/my-points": (WORKERS, {}),
    "GET /api/v1/rankings/workers": (ALL, {}),
    "GET /api/v1/rankings/organisations": (ALL, {}),
    "GET /api/v1/rankings/streets": (ALL, {}),
    "GET /api/v1/rankings/me": (WORKERS, {}),
    "GET /api/v1/knowledge/guide/search": (ALL, {}),
    "GET /api/v1/knowledge/guide/items/{item_id}": (ALL, {"item_id": "guide_item"}),
    "GET /api/v1/knowledge/reasons/{code}": (ALL, {"code": "reason_code"}),
    "GET /api/v1/knowledge/quiz/daily": (WORKERS, {}),
    "GET /api/v1/knowledge/contests": (ALL, {}),
    "GET /api/v1/knowledge/contests/{campaign_id}/attempt": (WORKERS, {"campaign_id": "contest"}),
    "GET /api/v1/knowledge/contests/{campaign_id}/ranking": (ALL, {"campaign_id": "contest"}),
    "GET /api/v1/knowledge/campaigns/{campaign_id}/participation": (OFFICE, {"campaign_id": "contest"}),
    "GET /api/v1/prizes/": (WORKERS, {}),
    "GET /api/v1/prizes/{prize_id}": (OWNER, {"prize_id": "prize"}),
    "GET /api/v1/prizes/redemptions/mine": (WORKERS, {}),
    "GET /api/v1/prizes/redemptions/mine/{redemption_id}": (OWNER, {"redemption_id": "redemption"}),
    "GET /api/v1/prizes/pickup/places": (FIELD, {}),
    "GET /api/v1/prizes/reports": (OFFICE, {}),
    "GET /api/v1/sortstats/charts/{key}": (OFFICE, {"key": lambda s: "trend"}),
    "GET /api/v1/sortstats/anomalies": (OFFICE, {}),
    "GET /api/v1/stations/nearest": (ALL, {}),
    "GET /api/v1/stations/stations/{station_id}": (ALL, {"station_id": "station"}),
    "GET /api/v1/stations/staff/stations": (OFFICE, {}),
    "GET /api/v1/stations/staff/tasks": (OFFICE, {}),
    "GET /api/v1/studios/applications": (OFFICE, {}),
    "GET /api/v1/studios/applications/{application_id}": (DISTRICT, {"application_id": "studio_application"}),
    "GET /api/v1/studios/expert/assignments": (NOBODY, {}),
    # writes: the roles listed may reach the service (which may still answer 4xx for the body);
    # everybody else is refused before anything changes.
    "POST /api/v1/orgs/": (OFFICE, {}),
    "POST /api/v1/studios/applications": (NOBODY, {}),  # grassroots admins of the union named in the body
    "PATCH /api/v1/studios/applications/{application_id}": (NOBODY, {"application_id": "studio_application"}),
    "POST /api/v1/studios/applications/{application_id}/transitions": (DISTRICT, {"application_id": "studio_application"}),
    "POST /api/v1/studios/expert/assignments/{assignment_id}/scores": (NOBODY, {"assignment_id": "studio_assignment"}),
    "PATCH /api/v1/orgs/{org_id}": (DISTRICT, {"org_id": "org"}),
    "POST /api/v1/members/": (OFFICE, {}),
    "POST /api/v1/members/import": (OFFICE, {}),
    "PATCH /api/v1/members/{member_id}": (DISTRICT, {"member_id": "member"}),
    "POST /api/v1/members/{member_id}/move": (DISTRICT, {"member_id": "member"}),
    "PATCH /api/v1/coverage/units/{unit_id}": (DISTRICT, {"unit_id": "unit"}),
    "POST /api/v1/bags/batches": (OFFICE, {}),
    "POST /api/v1/bags/batches/{batch_id}/labels": (DISTRICT, {"batch_id": "batch"}),
    "POST /api/v1/bags/bind": (WORKERS, {}),
    "POST /api/v1/bags/batches/{batch_id}/bind": (DISTRICT, {"batch_id": "batch"}),
    "POST /api/v1/bags/scans": (FIELD, {}),
    "POST /api/v1/bags/scans/batch": (FIELD, {}),
    "POST /api/v1/bags/scans/{client_id}/photo": (DISTRICT, {"client_id": "client_id"}),
    "POST /api/v1/bags/points": (STREETS, {}),
    "PUT /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "DELETE /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "POST /api/v1/knowledge/quiz/daily/start": (WORKERS, {}),
    "POST /api/v1/knowledge/attempts/{attempt_id}/answers": (OWNER, {"attempt_id": "attempt"}),
    "POST /api/v1/knowledge/contests/{campaign_id}/start": (WORKERS, {"campaign_id": "contest"}),
    "POST /api/v1/prizes/{prize_id}/redeem": (OWNER, {"prize_id": "prize"}),
    "POST /api/v1/prizes/pickup": (FIELD, {}),
    "POST /api/v1/prizes/redemptions/{redemption_id}/cancel": (OWNER | DISTRICT, {"redemption_id": "redemption"}),
    "POST /api/v1/stations/stations/{station_id}/ratings": (WORKERS, {"station_id": "station"}),
    "POST /api/v1/stations/stations/{station_id}/problems": (WORKERS, {"station_id": "station"}),
    "POST /api/v1/stations/inspections/{assignment_id}/submit": (NOBODY, {"assignment_id": "assignment"}),
}

# Page writes exercised with POST (empty or minimal forms): outsiders must change nothing.
PAGE_POSTS = [
    "core:org_edit",
    "core:member_edit",
    "core:member_phone",
    "core:member_move",
    "core:token_revoke",
    "core:coverage_unit_edit",
    "bags:batch_bind",
    "bags:point_edit",
    "bags:point_delete",
    "bags:batch_labels",
    "bags:points_rule_deactivate",
    "knowledge:answer",
    "prizes:redeem",
    "prizes:prize_edit",
    "prizes:place_edit",
    "prizes:redemption_cancel",
    "stations:edit",
    "stations:task",
    "stations:plan",
    "stations:rubric_edit",
]


def page_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, ns)
            elif isinstance(pattern, URLPattern):
                names.add(f"{namespace}:{pattern.name}" if namespace else (pattern.name or str(pattern.pattern)))

    walk(get_resolver(), "")
    return names


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} /api/v1{path}" if not path.startswith("/api/v1") else f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method in ops
    }


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def test_every_endpoint_has_a_policy():
    api_ops = api_operations()
    missing_api = sorted(api_ops - set(API))
    stale_api = sorted(set(API) - api_ops)
    names = {n for n in page_names() if not is_admin(n)}
    # the API's own URL patterns are covered by the OpenAPI operations above
    names = {n for n in names if not n.startswith("api_v1:") or n in PAGES}
    missing_pages = sorted(names - set(PAGES))
    stale_pages = sorted(set(PAGES) - page_names())
    assert not (missing_api or missing_pages or stale_api or stale_pages), (
        f"unclassified API operations: {missing_api}\nunclassified pages: {missing_pages}\n"
        f"policies for endpoints that no longer exist: {stale_api + stale_pages}"
    )


# --- running the matrix --------------------------------------------------------------------------


def clients(world) -> dict:
    from django.test import Client

    users = {
        "owner": world.worker_a1,
        "worker_b": world.worker_b1,
        "collector_b": world.collector_b,
        "admin_b": world.admin_b1,
        "street_b": world.street_b_staff,
        "district": world.district_staff,
    }
    out = {role: world.client_for(who) for role, who in users.items()}
    out["anon"] = Client()
    return out


def resolve_kwargs(spec: dict, scenario) -> dict:
    out = {}
    for key, source in spec.items():
        value = source(scenario) if callable(source) else scenario[source]
        out[key] = getattr(value, "pk", value)
    return out


LOGIN_PATHS = ("/login/", "/login/phone/", "/admin/login/")
STATS_FILE = Path(__file__).resolve().parents[2] / "var" / "authz-matrix.json"


def record(part: str, endpoints: int, checked: int) -> None:
    """Adds this test's share of the matrix to var/authz-matrix.json (for RELIABILITY.md)."""
    stats = json.loads(STATS_FILE.read_text()) if STATS_FILE.exists() else {}
    stats[part] = {"endpoints": endpoints, "roles": len(ROLES), "requests": checked}
    STATS_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATS_FILE.write_text(json.dumps(stats, indent=1))


def to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0].rstrip("/") + "/" in LOGIN_PATHS


def leaked(response) -> list[str]:
    if response.status_code != 200 or response.get("Content-Type", "").split(";")[0] not in (
        "text/html",
        "application/json",
        "text/csv",
        "text/plain",
    ):
        return []
    text = response.content.decode("utf-8", "replace")
    return [m for m in PRIVATE_MARKERS if m in text]


def judge(role, allowed, response, *, api_call: bool, is_list: bool = False) -> str | None:
    """None when the answer is right for the role, else what is wrong.

    For a list (no object in the URL) a role outside the policy may still get 200 when the
    answer holds nothing of org_a1 (e.g. an empty list of "my" rows, or its own organisation's).
    """
    status = response.status_code
    if status >= 500:
        return f"{status} server error"
    if role in OUTSIDERS and (bad := leaked(response)):
        return f"{status} leaks {bad}"
    if role in allowed:
        if status in (401, 403) or to_login(response):
            return f"allowed but refused ({status})"
        return None
    if is_list and role != "anon" and status == 200:
        return None
    if role == "anon":
        if api_call:
            return None if status == 401 else f"anonymous got {status} (want 401)"
        return None if to_login(response) or status in (403, 404, 405) else f"anonymous got {status}"
    # a logged-in user outside the policy is refused, or sent (302) to their own pages
    if status in (302, 403, 404, 405):
        return None
    return f"got {status} (want 403/404)"


@pytest.fixture
def scenario(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return build(world)


def test_pages_answer_each_role_as_the_policy_says(world, scenario):
    by_role = clients(world)
    problems, checked = [], 0
    for name, (allowed, spec) in sorted(PAGES.items()):
        url = reverse(name, kwargs=resolve_kwargs(spec, scenario)) if spec else reverse(name)
        for role, client in by_role.items():
            response = client.get(url)
            checked += 1
            if wrong := judge(role, allowed, response, api_call=False, is_list=not spec):
                problems.append(f"GET {url} [{name}] as {role}: {wrong}")
    record("pages_get", len(PAGES), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def test_api_answers_each_role_as_the_policy_says(world, scenario):
    by_role = clients(world)
    problems, checked = [], 0
    for op, (allowed, spec) in sorted(API.items()):
        method, template = op.split(" ", 1)
        if method != "GET":
            continue
        path = template.format(**resolve_kwargs(spec, scenario))
        for role, client in by_role.items():
            response = client.get(path)
            checked += 1
            if wrong := judge(role, allowed, response, api_call=True, is_list="{" not in template):
                problems.append(f"{op} as {role}: {wrong}")
    record("api_get", sum(1 for op in API if op.startswith("GET ")), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def state_fingerprint(scenario) -> str:
    """What an outsider's write must not change: the scenario's objects as stored."""
    from django.forms.models import model_to_dict

    parts = []
    for name, obj in sorted(scenario.objects.items()):
        if hasattr(obj, "refresh_from_db") and obj.pk:
            model = type(obj)
            row = model._base_manager.filter(pk=obj.pk).first()
            parts.append(f"{name}={model_to_dict(row) if row else None}")
    return json.dumps(parts, default=str)


WRITE_BODIES = {
    "POST /api/v1/bags/scans": lambda s: {
        "client_id": "outsider-0001",
        "code": s["free_code"],
        "point_id": s["point"].pk,
        "category": "kitchen",
        "grade": "correct",
    },
    "POST /api/v1/bags/bind": lambda s: {"code": s["free_code"]},
    "POST /api/v1/prizes/{prize_id}/redeem": lambda s: {"place_id": s["place"].pk, "idempotency_key": "outsider-redeem-1"},
    "POST /api/v1/prizes/redemptions/{redemption_id}/cancel": lambda s: {"reason": "outsider"},
    "PATCH /api/v1/members/{member_id}": lambda s: {"name": "改名"},
    "PATCH /api/v1/orgs/{org_id}": lambda s: {"name": "改名工会"},
    "DELETE /api/v1/bags/points/{point_id}": lambda s: {},
}


def test_outsiders_cannot_write_org_a1_objects(world, scenario):
    """Writes by roles outside the policy change nothing and answer 401/403/404 (or 4xx for the body)."""
    by_role = clients(world)
    problems, checked = [], 0
    before = state_fingerprint(scenario)
    for op, (allowed, spec) in sorted(API.items()):
        method, template = op.split(" ", 1)
        if method == "GET" or not spec:
            continue
        path = template.format(**resolve_kwargs(spec, scenario))
        body = WRITE_BODIES.get(op, lambda s: {})(scenario)
        for role, client in by_role.items():
            if role in allowed:
                continue
            response = client.generic(method, path, json.dumps(body), content_type="application/json")
            checked += 1
            status = response.status_code
            if status >= 500 or (role == "anon" and status != 401) or (role != "anon" and status not in (403, 404, 409, 422)):
                problems.append(f"{op} as {role}: {status} {response.content[:160]!r}")
    for name in PAGE_POSTS:
        allowed, spec = PAGES[name]
        url = reverse(name, kwargs=resolve_kwargs(spec, scenario))
        for role, client in by_role.items():
            if role in allowed:
                continue
            response = client.post(url, {"confirm": "yes", "name": "改名", "reason": "x", "state": "resolved"})
            checked += 1
            refused = response.status_code in (403, 404, 405) or (response.status_code == 302 and (role != "anon" or to_login(response)))
            if not refused:
                problems.append(f"POST {url} [{name}] as {role}: {response.status_code}")
    writes = sum(1 for op, (_a, spec) in API.items() if not op.startswith("GET ") and spec) + len(PAGE_POSTS)
    record("writes_by_outsiders", writes, checked)
    assert state_fingerprint(scenario) == before, "an outsider's write changed org_a1's objects"
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def admin_urls(scenario) -> list[tuple[str, str]]:
    """(name, url) for the admin index, every changelist/add page, and change pages of scenario objects."""
    from django.contrib import admin

    out = [("admin:index", reverse("admin:index"))]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        out.append((name, reverse(name)))
    for name in ("member", "org", "batch", "redemption", "token", "station", "collection"):
        obj = scenario[name]
        if type(obj) in admin.site._registry:
            name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change"
            out.append((name, reverse(name, args=[obj.pk])))
    return out


def test_admin_is_for_office_staff_and_scoped(world, scenario):
    """Workers, collectors and visitors are sent to the admin login. Office staff get what their
    model permissions allow (200 or 403), never a row of org_a1 from another tree; an org_a1
    object asked for by another tree's staff answers like a missing one (the admin's redirect
    to its index with "does not exist", 403 or 404)."""
    by_role = clients(world)
    problems, checked = [], 0
    for name, url in admin_urls(scenario):
        is_object = name.endswith("_change")
        for role, client in by_role.items():
            response = client.get(url)
            checked += 1
            status = response.status_code
            if status >= 500:
                wrong = f"{status} server error"
            elif role in OUTSIDERS and (bad := leaked(response)):
                wrong = f"{status} leaks {bad}"
            elif role not in OFFICE:
                wrong = None if to_login(response) else f"got {status} (want the admin login)"
            elif is_object and role != "district":
                missing = status == 302 and response["Location"].rstrip("/").endswith("/admin")
                wrong = None if missing or status in (403, 404) else f"got {status} for another tree's object"
            else:
                wrong = None if status in (200, 403) else f"got {status}"
            if wrong:
                problems.append(f"GET {url} [{name}] as {role}: {wrong}")
    record("admin_get", len(admin_urls(scenario)), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def matrix_size(scenario_objects=None) -> dict:
    return {"roles": len(ROLES), "pages": len(PAGES), "api_operations": len(API), "page_posts": len(PAGE_POSTS)}


def test_matrix_size_is_reported():
    size = matrix_size()
    assert size["pages"] > 100 and size["api_operations"] > 60
    assert re.search(r"\d+", json.dumps(size))


def test_the_audit_page_shows_changes_whose_keys_shadow_dict_methods(world):
    """Found by the matrix: an audit entry with a key "items" (a rubric's) made the audit page a 500."""
    from core.audit import audit

    audit(actor=world.district_staff, action="test.items", obj=world.org_a1, changes={"items": 3, "name": "x"})
    response = world.client_for(world.district_staff).get("/audit/")
    assert response.status_code == 200 and "test.items" in response.content.decode()
