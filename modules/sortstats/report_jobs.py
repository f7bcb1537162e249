"""Reports made in the background (``core.jobs``): the monthly street PDF and chart workbooks.

A report reads a month or a year of rollups and lays it out (reportlab, openpyxl): up to
seconds at district scale, so the page queues a job, shows its progress and offers the file
when it is ready (DESIGN: work over a second leaves the request). A CSV of a chart stays a
direct download — it is the same table without layout, written in milliseconds.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jobs
from core.models import BackgroundJob, Organisation

# The same report asked again within this time opens the job already made (a double click, a
# reload, a browser prefetch) instead of making it again.
REUSE_MINUTES = 10


def _reuse_or_start(*, owner, kind: str, title: str, params: dict, organisation=None) -> BackgroundJob:
    since = timezone.now() - timedelta(minutes=REUSE_MINUTES)
    found = jobs.jobs_of(owner).filter(kind=kind, params=params, created_at__gte=since).exclude(status=BackgroundJob.Status.FAILED).first()
    return found or jobs.job_start(owner=owner, kind=kind, title=title, params=params, organisation=organisation)


def chart_export_start(*, owner, key: str, query: str) -> BackgroundJob:
    return _reuse_or_start(owner=owner, kind="sortstats_export", title=_("导出图表数据（Excel）"), params={"key": key, "query": query})


def month_report_start(*, owner, street: Organisation, first: date) -> BackgroundJob:
    return _reuse_or_start(
        owner=owner,
        kind="sortstats_month_pdf",
        organisation=street,
        title=_("%(street)s %(y)s年%(m)s月垃圾分类月报") % {"street": street.name, "y": first.year, "m": first.month},
        params={"street_id": street.pk, "month": first.isoformat()},
    )


def chart_export_job(job: BackgroundJob, progress) -> dict:
    from modules.sortstats import exports, selectors

    progress(0, 3, _("正在读取数据"), force=True)
    f = selectors.parse_filters(QueryDict(job.params.get("query", "")), job.owner)
    table = selectors.chart(job.params["key"], job.owner, f, full=True)
    BackgroundJob.objects.filter(pk=job.pk).update(title=(_("导出图表数据：%(t)s") % {"t": table["title"]})[:120])
    progress(1, 3, _("正在生成 Excel（%(n)s 行）") % {"n": len(table.get("rows", []))}, force=True)
    content = exports.table_xlsx(table, subtitle=selectors.period_label(f))
    progress.attach(f"{table['title']}_{f.start.isoformat()}_{f.end.isoformat()}.xlsx", content)
    progress(3, 3, _("已完成"), force=True)
    return {"message": _("Excel 文件已生成：%(n)s 行") % {"n": len(table.get("rows", []))}}


def month_report_job(job: BackgroundJob, progress) -> dict:
    from modules.sortstats import pdf, selectors

    progress(0, 3, _("正在汇总本月数据"), force=True)
    street = Organisation.objects.get(pk=job.params["street_id"])
    first = date.fromisoformat(job.params["month"])
    report = selectors.street_month_report(job.owner, street, first)
    progress(2, 3, _("正在排版 PDF"), force=True)
    progress.attach(f"{street.name}_{first.year}年{first.month}月垃圾分类月报.pdf", pdf.street_month_pdf(report))
    progress(3, 3, _("已完成"), force=True)
    return {"message": _("月报已生成（PDF，一页，可打印）")}


jobs.register("sortstats_export", chart_export_job)
jobs.register("sortstats_month_pdf", month_report_job)
