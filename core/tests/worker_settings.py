"""Settings of the task worker the connection-drop test starts in a process of its own: the
test settings with what production has that the tests turn off — the database task backend
(the tests run tasks at once) and persistent connections."""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
DATABASES["default"]["CONN_MAX_AGE"] = 600
