"""JSON of every chart (/api/v1/sortstats/…), read by the dashboard's ECharts and by other clients.

Errors answer ``{"code", "message", "field"}``: a bad filter is 422 with the field, a viewer
without access 403.
"""

from __future__ import annotations

from ninja import Router

from modules.sortstats import selectors

router = Router(tags=["sortstats"])


@router.get("/charts/{key}", url_name="sortstats_chart", summary="分类数据图表数据")
def chart(request, key: str):
    """One chart's table: ``key`` is one of the dashboard's charts (volume_trend, heatmap, …).

    Query: start, end (YYYY-MM-DD) or month (YYYY-MM), granularity (day|week|month), street (id), kind, category.
    """
    selectors.scope_for(request.user)
    f = selectors.parse_filters(request.GET, request.user)
    return selectors.chart(key, request.user, f)


@router.get("/anomalies", summary="异常线索")
def anomalies(request):
    selectors.scope_for(request.user)
    f = selectors.parse_filters(request.GET, request.user)
    return selectors.anomalies(request.user, f)
