"""Tests: the same code, fast password hashing, tasks run at once."""

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, DATABASES, IS_POSTGRES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5
SMS_DEV_BACKEND_ALLOWED = True  # tests read codes from the outbox; core/tests/test_sms_policy.py turns it off
if IS_POSTGRES:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
assert CONTENT_SECURITY_POLICY
# Tests read the boards inside the transaction that wrote the scans, where the background feed
# (which reads committed transactions) cannot see them; the feed has its own tests.
BAGS_RANKING_FEED = "inline"
