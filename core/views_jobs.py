"""Pages of background jobs: one job with its progress bar and outcome, and "我的任务"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render

from core import jobs
from core.audit import audit


@login_required
def job_detail(request, pk):
    job = jobs.job_for(request.user, pk)
    return render(request, "core/job_detail.html", {"job": job})


@login_required
def job_status(request, pk):
    """The fragment the job page polls (htmx) until the job is finished."""
    job = jobs.job_for(request.user, pk)
    return render(request, "core/_job_status.html", {"job": job})


@login_required
def job_list(request):
    return render(request, "core/jobs.html", {"jobs": jobs.jobs_of(request.user).select_related("organisation")[:50]})


@login_required
def job_download(request, pk):
    job = jobs.job_for(request.user, pk)
    if not job.output_file:
        raise Http404
    # Job files are exports of an organisation's data: every download is in the audit log.
    audit(actor=request.user, action="job.download", obj=job, changes={"kind": job.kind}, organisation=job.organisation)
    name = job.output_file.name.rsplit("/", 1)[-1]
    return FileResponse(job.output_file.open("rb"), as_attachment=True, filename=name)
