"""Production hardening that a template or a view could quietly undo: CSRF on every form,
a strict Content-Security-Policy (no inline scripts or handlers), no CSRF exemptions.

`manage.py check --deploy` with the production settings and zero warnings is tested in
core/tests/test_platform.py::test_production_settings_pass_check_deploy_with_zero_warnings.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", ROOT / "core", ROOT / "modules", ROOT / "engines"]
FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)
POST = re.compile(r"method\s*=\s*[\"']?post", re.I)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def templates():
    for base in TEMPLATE_DIRS:
        for path in base.rglob("*.html"):
            if "/tests/" not in str(path) and ".venv" not in path.parts:
                yield path


def test_every_post_form_carries_the_csrf_token():
    missing = []
    checked = 0
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for form in FORM.findall(text):
            opening = form.split(">", 1)[0]
            if POST.search(opening):
                checked += 1
                if "csrf_token" not in form:
                    missing.append(f"{path.relative_to(ROOT)}: {opening[:100]}")
    assert checked > 30 and not missing, "\n".join(missing)


def test_no_inline_scripts_or_event_handlers_in_templates():
    found = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER):
            for match in pattern.finditer(text):
                snippet = match.group(0)
                if 'type="application/json"' in snippet or "json_script" in text[max(0, match.start() - 80) : match.start()]:
                    continue  # data islands are not executed
                found.append(f"{path.relative_to(ROOT)}: {snippet[:80]}")
    assert not found, "\n".join(found)


def test_no_view_is_exempt_from_csrf():
    hits = [
        str(p.relative_to(ROOT))
        for base in (ROOT / "core", ROOT / "modules", ROOT / "engines", ROOT / "config")
        for p in base.rglob("*.py")
        if "/tests/" not in str(p) and "csrf_exempt" in p.read_text(encoding="utf-8")
    ]
    assert hits == []


def test_pages_send_a_strict_content_security_policy(world, client):
    response = client.get("/login/")
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["script-src"].split() == ["'self'"], policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "csrfmiddlewaretoken" in response.content.decode()
