"""A task that leaves a trace the connection-drop test can see from outside the worker."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django_tasks import task


@task()
def probe_task(path: str) -> int:
    count = get_user_model().objects.count()  # a query, on whatever connection the worker has now
    Path(path).write_text(str(count))
    return count
