"""Pages of the sorting-data dashboard: the charts page, anomalies, exports and the monthly PDFs.

Views only parse, check the permission and render; numbers come from ``selectors``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.categories import Category
from core.errors import ApiError
from core.models import Organisation
from core.replica import lag_tolerant
from modules.sortstats import exports, report_jobs, selectors
from modules.sortstats.rollups import month_start, next_month
from modules.sortstats.selectors import Filters

CHART_LAYOUT = [
    # (section title, [(chart key, chart type, wide?)])
    (
        _("投放量"),
        [
            ("volume_trend", "trend", True),
            ("volume_summary", "pie", False),
            ("heatmap", "heatmap", False),
            ("volume_by_street", "stacked", False),
            ("volume_by_kind", "stacked", False),
        ],
    ),
    (
        _("分类准确率"),
        [
            ("accuracy_by_category", "accuracy", False),
            ("accuracy_by_kind", "accuracy", False),
            ("accuracy_by_street", "accuracy", False),
            ("wrong_reasons", "reasons", False),
            ("accuracy_by_organisation", "table", True),
        ],
    ),
    (
        _("参与情况"),
        [
            ("participation_trend", "participation_trend", False),
            ("participation_by_street", "participation", False),
            ("participation_by_organisation", "table", True),
        ],
    ),
    (_("回收效率"), [("throughput_points", "throughput", False), ("throughput_collectors", "throughput", False)]),
]


def _require_viewer(request):
    if not request.user.has_perm("sortstats.view_dashboard"):
        raise PermissionDenied


def _filters(request) -> tuple[Filters, dict]:
    # The filter template reads ``errors.general`` as a filter argument, which must exist (a
    # missing one raised VariableDoesNotExist: ``?month=x`` answered 500).
    try:
        return selectors.parse_filters(request.GET, request.user), {"general": ""}
    except ApiError as error:
        return selectors.default_filters(), {"general": "", error.field or "general": str(error.message)}


def _months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before today's (month arithmetic: ``replace(year=…)``
    raised on 29 February, and the dashboard answered 500 all that day)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, 1)


def _presets(today: date) -> list[tuple[str, dict]]:
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        (_("本月"), {"start": today.replace(day=1), "end": today}),
        (_("上月"), {"start": last_month_end.replace(day=1), "end": last_month_end}),
        (_("近7天"), {"start": today - timedelta(days=6), "end": today}),
        (_("近30天"), {"start": today - timedelta(days=29), "end": today}),
        (
            _("近12个月"),
            {"start": _months_back(today, 11), "end": today, "granularity": "month"},
        ),
        (_("今年"), {"start": date(today.year, 1, 1), "end": today, "granularity": "month"}),
    ]


def _filter_context(request, f: Filters, errors: dict) -> dict:
    today = timezone.localdate()
    return {
        "f": f,
        "errors": errors,
        "query": urlencode(f.as_query()),
        "streets": selectors.streets_for(request.user),
        "kinds": [k for k in Organisation.Kind.choices if k[0] != Organisation.Kind.FEDERATION],
        "categories": Category.choices,
        "granularities": list(selectors.GRANULARITIES.items()),
        "presets": [
            (
                label,
                urlencode(
                    {**{k: str(v) for k, v in p.items()}, **{k: v for k, v in f.as_query().items() if k in ("street", "kind", "category")}}
                ),
            )
            for label, p in _presets(today)
        ],
    }


@login_required
@require_GET
@lag_tolerant
def dashboard(request):
    _require_viewer(request)
    f, errors = _filters(request)
    summary = selectors.volume_summary(request.user, f)
    sections = [(title, [{"key": key, "type": kind, "wide": wide} for key, kind, wide in charts]) for title, charts in CHART_LAYOUT]
    config = {
        "api": reverse("api_v1:sortstats_chart", args=["__key__"]),
        "query": urlencode(f.as_query()),
        "export": reverse("sortstats:export", args=["__key__", "__fmt__"]),
        "unions": reverse("sortstats:unions", args=["__key__"]),
        "text": {
            "empty": _("暂无数据"),
            "failed": _("加载失败，请刷新重试"),
            "total": _("合计"),
            "bags": _("袋"),
            "people": _("人"),
            "times": _("次"),
            "participants": _("参与人数"),
            "rate": _("参与率"),
            "month": _("统计月份："),
            "peak": _("高峰："),
            "hour": _("时"),
            "limited": _("页面显示前 %(shown)s 条（共 %(total)s 条），完整数据请下载"),
            "ends": _("页面显示最多和最少的各 %(n)s 个（共 %(total)s 个）"),
            "gap": _("…… 中间 %(n)s 个未显示 ……"),
            "all_unions": _("查看全部（分页，可导出 Excel）"),
            "partial": _("进行中（未完）"),
        },
    }
    return render(
        request,
        "sortstats/dashboard.html",
        {
            **_filter_context(request, f, errors),
            "summary": summary,
            "sections": sections,
            "config": config,
            "can_rebuild": request.user.has_perm("sortstats.rebuild"),
        },
    )


UNIONS_PER_PAGE = 50


@login_required
@require_GET
def unions(request, key: str):
    """The full list behind a per-union table of the dashboard (which shows its first and last 20), paginated."""
    _require_viewer(request)
    if key not in selectors.UNION_TABLES:
        raise Http404
    f, errors = _filters(request)
    table = selectors.chart(key, request.user, f, full=True)
    page = Paginator(table["rows"], UNIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "sortstats/unions.html",
        {**_filter_context(request, f, errors), "key": key, "table": table, "page": page, "period": selectors.period_label(f)},
    )


@login_required
@require_GET
def anomalies(request):
    _require_viewer(request)
    f, errors = _filters(request)

    def link(kind, entity):
        if kind == "organisation":
            return reverse("core:org_detail", args=[entity])
        return reverse("sortstats:dashboard") + "?" + urlencode(f.as_query()) + "#throughput_collectors"

    data = selectors.anomalies(request.user, f, link=link)
    return render(request, "sortstats/anomalies.html", {**_filter_context(request, f, errors), "a": data})


@login_required
@require_GET
@lag_tolerant
def export(request, key: str, fmt: str):
    _require_viewer(request)
    if fmt not in ("xlsx", "csv") or key not in selectors.CHARTS:
        raise Http404
    try:
        f = selectors.parse_filters(request.GET, request.user)
    except ApiError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain; charset=utf-8")
    if fmt == "xlsx":
        # A laid-out workbook of a whole table can take seconds: made by a background job.
        job = report_jobs.chart_export_start(owner=request.user, key=key, query=request.GET.urlencode())
        return redirect("core:job_detail", pk=job.pk)
    table = selectors.chart(key, request.user, f, full=True)
    filename = f"{table['title']}_{f.start.isoformat()}_{f.end.isoformat()}.{fmt}"
    response = HttpResponse(exports.table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _month_param(value: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


@login_required
@require_GET
def reports(request):
    _require_viewer(request)
    today = timezone.localdate()
    default = month_start(today.replace(day=1) - timedelta(days=1))
    month = _month_param(request.GET.get("month")) or default
    error = _("月份格式应为 2026-11") if request.GET.get("month") and _month_param(request.GET.get("month")) is None else ""
    fine = selectors.scope_for(request.user).fine
    months, cur = [], month_start(today)
    for _i in range(12):
        months.append(cur)
        cur = month_start(cur - timedelta(days=1))
    return render(
        request,
        "sortstats/reports.html",
        {
            "month": month,
            "month_value": f"{month.year}-{month.month:02d}",
            "month_label": f"{month.year}年{month.month}月",
            "months": [(f"{m.year}-{m.month:02d}", f"{m.year}年{m.month}月") for m in months],
            "streets": [] if fine else selectors.streets_for(request.user),
            "error": error,
            "fine": fine,
        },
    )


@login_required
@require_GET
def report_pdf(request, street_id: int, month: str):
    _require_viewer(request)
    first = _month_param(month)
    if first is None or first > timezone.localdate():
        raise Http404
    street = get_object_or_404(Organisation, pk=street_id, level=Organisation.Level.STREET)
    if selectors.scope_for(request.user).fine or not any(s.pk == street.pk for s in selectors.streets_for(request.user)):
        raise PermissionDenied(_("该街道不在您的查看范围内"))
    # Summing a month and laying out the page takes seconds at district scale: a background job.
    job = report_jobs.month_report_start(owner=request.user, street=street, first=first)
    return redirect("core:job_detail", pk=job.pk)


@login_required
@require_POST
def rebuild(request):
    if not request.user.has_perm("sortstats.rebuild"):
        raise PermissionDenied
    from modules.sortstats.tasks import rebuild_task

    rebuild_task.enqueue(actor_id=request.user.pk)
    messages.success(request, _("已开始重建汇总数据，完成后图表自动更新。"))
    return redirect("sortstats:dashboard")


__all__ = ["dashboard", "unions", "anomalies", "export", "reports", "report_pdf", "rebuild", "next_month"]
