"""Background jobs: long work (over about a second) leaves the request, the page shows progress.

A page starts a job (``job_start``) and redirects to the job's page, which polls a small
fragment with htmx until the job is finished, then shows the outcome: a notice and a link, a
download, or the error report. The task worker (``manage.py run_worker``; tests and the e2e
server run tasks at once) runs ``job_run``, which calls the handler registered for the job's
kind with a ``Progress`` to report (done, total, stage).

Handlers live with their programme (``core.roster`` for imports, …) and register themselves by
kind with ``register``. A handler returns the result to keep (a dict shown on the job page) and
may attach a file (``Progress.attach``); raising ``ApiError`` ends the job as failed with the
error's message and its extra details (e.g. the row-numbered report of an import), so a failed
job reads like the form error it replaces. Jobs belong to their owner: nobody else sees them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from core.errors import ApiError
from core.models import BackgroundJob

log = logging.getLogger("unionhub.jobs")

Handler = Callable[[BackgroundJob, "Progress"], dict]
_HANDLERS: dict[str, Handler] = {}
# Finished jobs (and their files) are kept this long, then removed by ``jobs_purge``.
KEEP_DAYS = 7
# Progress is written at most this often: a 50,000-row import must not write 50,000 times.
PROGRESS_EVERY_SECONDS = 0.5


def register(kind: str, func: Handler) -> None:
    """Register the function that runs jobs of ``kind`` (a programme's hooks module calls it)."""
    _HANDLERS[kind] = func


class Progress:
    """What a handler reports while it works; written to the job row, throttled."""

    def __init__(self, job: BackgroundJob):
        self.job = job
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, stage: str | None = None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_SECONDS:
            return
        self._last = now
        fields = {"done": max(0, int(done))}
        if total is not None:
            fields["total"] = max(0, int(total))
        if stage is not None:
            fields["stage"] = str(stage)[:80]
        BackgroundJob.objects.filter(pk=self.job.pk).update(**fields)

    def attach(self, name: str, content: bytes) -> None:
        """The job's download (a report, an export)."""
        self.job.output_file.save(name, ContentFile(content), save=False)
        BackgroundJob.objects.filter(pk=self.job.pk).update(output_file=self.job.output_file.name)


def job_start(*, owner, kind: str, title: str, organisation=None, upload=None, params: dict | None = None) -> BackgroundJob:
    """Queue a job; its page follows it (``core:job_detail``)."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = BackgroundJob(kind=kind, title=title[:120], owner=owner, organisation=organisation, params=params or {})
    if upload is not None:
        job.input_name = (getattr(upload, "name", "") or "")[:200]
        job.input_file.save(job.input_name or "upload", upload, save=False)
    job.save()
    # Enqueued in the same transaction: the database task backend's row commits with the job's,
    # so a worker never finds the task without its job (and tests run it at once).
    job_run.enqueue(job.pk)
    return job


@task()
def job_run(job_id: int) -> str:
    job = BackgroundJob.objects.select_related("owner", "organisation").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "skipped"
    BackgroundJob.objects.filter(pk=job.pk).update(status=BackgroundJob.Status.RUNNING)
    run = _HANDLERS.get(job.kind)
    try:
        if run is None:
            raise ApiError("job_unknown", _("未知的任务类型"), status=500)
        result = run(job, Progress(job))
        _finish(job, BackgroundJob.Status.DONE, result or {})
    except ApiError as error:
        _finish(job, BackgroundJob.Status.FAILED, {"message": str(error.message), "code": error.code, **_plain(error.extra)})
    except Exception:  # the page must show the failure instead of a bar that never moves
        log.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job, BackgroundJob.Status.FAILED, {"message": _("任务执行出错，请稍后重试；如果一直失败，请联系管理员。"), "code": "job_error"}
        )
    finally:
        _drop_input(job)
    return job.status


def _plain(extra: dict) -> dict:
    return {k: v for k, v in (extra or {}).items() if isinstance(v, str | int | float | list | dict | bool | type(None))}


def _finish(job: BackgroundJob, status: str, result: dict) -> None:
    job.status = status
    BackgroundJob.objects.filter(pk=job.pk).update(status=status, result=result, finished_at=timezone.now())


def _drop_input(job: BackgroundJob) -> None:
    if job.input_file:
        try:
            job.input_file.delete(save=False)
        except OSError:
            log.warning("job %s: could not delete its upload", job.pk)
        BackgroundJob.objects.filter(pk=job.pk).update(input_file="")


# --------------------------------------------------------------------------------------- reads


def jobs_of(user):
    return BackgroundJob.objects.filter(owner=user).order_by("-created_at")


def job_for(user, pk: int) -> BackgroundJob:
    """The user's own job, else 404 (another person's job does not exist for them)."""
    job = jobs_of(user).filter(pk=pk).select_related("organisation").first()
    if job is None:
        raise Http404(_("找不到该任务"))
    return job


# ----------------------------------------------------------------------------------- retention


def jobs_purge(*, now=None) -> str:
    """Scheduled: remove finished jobs older than ``KEEP_DAYS`` with their files."""
    cutoff = (now or timezone.now()) - timedelta(days=KEEP_DAYS)
    removed = 0
    for job in BackgroundJob.objects.filter(created_at__lt=cutoff).iterator():
        for f in (job.input_file, job.output_file):
            if f:
                try:
                    f.delete(save=False)
                except OSError:
                    log.warning("job %s: file %s could not be deleted", job.pk, f.name)
        job.delete()
        removed += 1
    return f"removed {removed} background jobs older than {KEEP_DAYS} days"
