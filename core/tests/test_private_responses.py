"""Issue 29 finding 13: answers that carry personal data say ``Cache-Control: private, no-store``.

The roster page and its CSV (full phones), "my data" and its downloads, job files and the
member API were sent without it, so a shared proxy or the browser's disk cache could keep
them. ``core.middleware.PrivateResponsesMiddleware`` sets it on every answer to a logged-in
person or an API client; static files stay cacheable.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from core.models import BackgroundJob


def _job(world):
    client = world.client_for(world.admin_a1)
    page = client.get(reverse("core:roster_export", args=[world.org_a1.pk, "xlsx"]), follow=True)
    return BackgroundJob.objects.get(pk=page.context["job"].pk)


PAGES = {
    "roster page": lambda w: (w.admin_a1, reverse("core:roster", args=[w.org_a1.pk])),
    "roster csv (full phones)": lambda w: (w.admin_a1, reverse("core:roster_export", args=[w.org_a1.pk, "csv"])),
    "member page": lambda w: (w.admin_a1, reverse("core:member_detail", args=[w.worker_a1.pk])),
    "my data": lambda w: (w.worker_a1, reverse("core:my_data")),
    "my data json": lambda w: (w.worker_a1, reverse("core:my_data_download", args=["json"])),
    "my data xlsx": lambda w: (w.worker_a1, reverse("core:my_data_download", args=["xlsx"])),
    "job page": lambda w: (w.admin_a1, reverse("core:job_detail", args=[_job(w).pk])),
    "job download": lambda w: (w.admin_a1, reverse("core:job_download", args=[_job(w).pk])),
    "member api list": lambda w: (w.admin_a1, f"/api/v1/members/?organisation_id={w.org_a1.pk}"),
    "member api detail": lambda w: (w.admin_a1, f"/api/v1/members/{w.worker_a1.pk}"),
    "me api": lambda w: (w.worker_a1, "/api/v1/core/me"),
}


@pytest.mark.parametrize("name", PAGES)
def test_personal_data_is_never_cached(world, name):
    user, url = PAGES[name](world)
    response = world.client_for(user).get(url)
    assert response.status_code == 200, (url, response.status_code)
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, (url, response.get("Cache-Control"))
    assert "public" not in directives


def test_an_api_answer_to_a_device_token_is_not_cached_either(world):
    from core.models import ApiToken

    _token, raw = ApiToken.issue(user=world.admin_a1, name="t")
    response = Client().get(f"/api/v1/members/{world.worker_a1.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_stay_cacheable(world):
    response = world.client_for(world.admin_a1).get("/static/core/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "") and "max-age" in response.get("Cache-Control", "")
