"""Pages of the annual review: the review, the narrative editor, the PDF/Word downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import jobs, review
from core.audit import audit
from core.errors import ApiError, Forbidden
from modules.annual import selectors, services
from modules.annual.models import NARRATIVE_CHOICES, Narrative


def _scope(request, source):
    if not request.user.has_perm("annual.view_review"):
        raise PermissionDenied
    try:
        year = selectors.parse_year(source.get("year"))
        street = selectors.parse_street(request.user, source.get("street"))
    except Forbidden as error:
        raise PermissionDenied(str(error.message)) from None
    except ApiError:
        year, street = selectors.default_year(), selectors.street_of(request.user)
        messages.error(request, _("年度或街道无效，已显示默认年度"))
    return year, street


def _chart_data(data: dict) -> list[dict]:
    return [
        {"id": f"chart-{s.key}", "chart": s.chart} for chapter in data["chapters"] for s in chapter["sections"] if s.chart and not s.empty
    ]


@login_required
def review_page(request):
    year, street = _scope(request, request.GET)
    data = selectors.review_for(request.user, year, street)
    this_year = selectors.default_year() + 1
    return render(
        request,
        "annual/review.html",
        {
            "review": data,
            "year": year,
            "street": street,
            "years": list(range(this_year, this_year - 8, -1)),
            "streets": selectors.streets() if selectors.street_of(request.user) is None else [],
            "can_edit": request.user.has_perm("annual.change_narrative"),
            "charts": _chart_data(data),
        },
    )


@login_required
def narrative_edit(request, year: int, chapter: str):
    if not request.user.has_perm("annual.change_narrative"):
        raise PermissionDenied
    if not (review.MIN_YEAR <= year <= review.MAX_YEAR) or chapter not in dict(NARRATIVE_CHOICES):
        raise Http404
    current = Narrative.objects.filter(year=year, chapter=chapter).first()
    error = None
    if request.method == "POST":
        try:
            services.narrative_save(
                actor=request.user, year=year, chapter=chapter, text=request.POST.get("text", ""), version=request.POST.get("version")
            )
        except ApiError as exc:
            error = exc.message
        else:
            messages.success(request, _("正文已保存"))
            return redirect(f"{reverse('annual:review')}?year={year}#chapter-{chapter}")
    data = selectors.review_for(request.user, year, None)
    return render(
        request,
        "annual/narrative.html",
        {
            "year": year,
            "chapter": chapter,
            "chapter_label": dict(NARRATIVE_CHOICES)[chapter],
            "text": request.POST.get("text", "") if error else (current.text if current else ""),
            "version": request.POST.get("version", "") if error else (current.version if current else ""),
            "error": error,
            "figures": sorted(data["figures"].values(), key=lambda f: f.key),
        },
    )


@login_required
@require_POST
def export(request):
    year, street = _scope(request, request.POST)
    fmt = request.POST.get("format", "")
    if fmt not in ("pdf", "docx", "html"):
        raise Http404
    label = {"pdf": "PDF", "docx": "Word", "html": "HTML"}[fmt]
    title = _("%(year)s年度重点工作盘点（%(fmt)s）") % {"year": year, "fmt": label}
    job = jobs.job_start(
        owner=request.user,
        kind="annual_review",
        title=title,
        organisation=street,
        params={"year": year, "street": street.pk if street is not None else None, "fmt": fmt},
    )
    audit(actor=request.user, action=f"annual.export_{fmt}", obj=None, changes={"year": year}, organisation=street)
    return redirect("core:job_detail", job.pk)


def export_job(job, progress) -> dict:
    """Handler of the ``annual_review`` job: ``params = {"year", "street", "fmt"}``, scoped to its owner."""
    from modules.annual.documents import render as render_document

    if not job.owner.has_perm("annual.view_review"):
        raise Forbidden("annual_forbidden", _("没有查看年度盘点的权限"))
    params = job.params
    progress(0, 3, _("正在汇总各项数据"), force=True)
    year = selectors.parse_year(params.get("year"))
    street = selectors.parse_street(job.owner, params.get("street"))
    data = selectors.review_for(job.owner, year, street, links=False)
    progress(1, 3, _("正在排版"), force=True)
    fmt = params.get("fmt")
    content = render_document(data, fmt)
    suffix = f"-{street.pk}" if street is not None else ""
    progress.attach(f"annual-review-{year}{suffix}.{fmt}", content)
    progress(3, 3, _("完成"), force=True)
    return {"message": _("年度盘点已生成，请下载")}
