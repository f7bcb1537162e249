"""Issue 29 finding 4: job downloads (rosters with names and phones) are never served as static media.

In the dev set-up ``/media/jobs/out/<date>/roster-<org>-<date>.xlsx`` answered 200 without a
login. Job files now live in a private storage outside ``MEDIA_ROOT`` under a random token,
reachable only through the owner's download view; the development media route serves only the
public pictures (prizes, stations, articles), in DEBUG too.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from core.models import BackgroundJob


@pytest.fixture
def debug_urls(settings, tmp_path):
    """The URLs as the demo (DEBUG) builds them, over media and private roots of this test."""
    import config.urls

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with override_settings(DEBUG=True):
        importlib.reload(config.urls)
        clear_url_caches()
        yield
    importlib.reload(config.urls)
    clear_url_caches()


def _export_roster(world):
    client = world.client_for(world.admin_a1)
    page = client.get(reverse("core:roster_export", args=[world.org_a1.pk, "xlsx"]), follow=True)
    job = BackgroundJob.objects.get(pk=page.context["job"].pk)
    assert job.status == "done" and job.output_file
    return client, job


def test_a_job_download_is_not_served_as_media_even_in_debug(world, debug_urls, settings):
    client, job = _export_roster(world)
    name = job.output_file.name
    # unguessable: a random token of at least 128 bits in the stored path
    assert re.search(r"/[0-9a-f]{32}/", name), name
    assert not (settings.MEDIA_ROOT / name).exists()
    anonymous = Client()
    for url in (f"/media/{name}", f"/media/jobs/out/{name.split('/', 2)[-1]}", "/media/" + name.rsplit("/", 1)[-1]):
        assert anonymous.get(url).status_code == 404, url
        assert client.get(url).status_code == 404, url  # the owner too: only the download view serves it
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert re.fullmatch(r'attachment; filename="roster-\d+-\d{8}\.xlsx"', download["Content-Disposition"])
    # another staff member cannot use the view either
    assert world.client_for(world.admin_b1).get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_only_public_pictures_are_served_from_media_in_debug(world, debug_urls):
    """Worker photos of scans and problem reports, label PDFs: not public; prize pictures are."""
    for name in ("scans/2026/12/x.jpg", "stations/problems/2026/12/x.jpg", "bags/labels/2026/12/x.pdf", "jobs/out/2026/12/x.xlsx"):
        default_storage.save(name, ContentFile(b"secret"))
        assert Client().get(f"/media/{name}").status_code == 404, name
    saved = default_storage.save("prizes/2026/12/cup.png", ContentFile(b"png"))
    assert Client().get(f"/media/{saved}").status_code == 200
    assert Client().get("/media/prizes/../scans/2026/12/x.jpg").status_code == 404
