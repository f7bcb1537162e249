"""Where files that must never be public are kept: a storage outside ``MEDIA_ROOT``, without URLs.

Job inputs and outputs (roster uploads and exports with names and phones, reports) are
personal data. ``MEDIA_ROOT`` is what a web server or the demo's media route may publish;
these files live under ``PRIVATE_MEDIA_ROOT`` instead, each in a directory named by a random
128-bit token, and reach a browser only through a view that checks who asks
(``core.views_jobs.job_download``).
"""

from __future__ import annotations

import os
import posixpath
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone


class PrivateStorage(FileSystemStorage):
    """``FileSystemStorage`` rooted at ``settings.PRIVATE_MEDIA_ROOT`` (read when used, so tests can move it)."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("a private file has no URL: serve it through a view that checks permissions")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private


def _tokened(folder: str, filename: str) -> str:
    """``folder/YYYY/MM/<random token>/<filename>``: the name a user sees, behind a path nobody can guess."""
    month = timezone.localdate().strftime("%Y/%m")
    return posixpath.join(folder, month, secrets.token_hex(16), posixpath.basename(filename or "file"))


def job_input_path(instance, filename: str) -> str:
    return _tokened("jobs/in", filename)


def job_output_path(instance, filename: str) -> str:
    return _tokened("jobs/out", filename)


def attachment_path(instance, filename: str) -> str:
    return _tokened("attachments", filename)
