"""Reads of the sorting-data dashboard: one function per chart, ``<chart>(viewer, filters)``.

Every function reads rollup tables only (never raw scans), is scoped through
``core.scoping`` and answers the same shape, which the charts, the API, the xlsx/CSV exports
and the monthly PDF all consume::

    {"key", "title", "columns": [...], "rows": [[...], ...], **chart-specific extras}

District and street/industry staff read the ``Branch*`` tables (grouped by second-tier union);
a grassroots admin reads the ``Org*`` tables limited to their own union. Collectors, workers
and anonymous users get ``Forbidden``.

One module per concept: ``filters`` (period, scope), ``facts`` (which rollup table covers a
period), ``formatting``, ``volume``, ``accuracy``, ``participation``, ``throughput``,
``anomalies``, ``unions`` (the full per-union lists) and ``reports`` (the chart registry, the
dashboard card, the monthly street report). Everything public is importable from here.
"""

from modules.sortstats.selectors.accuracy import (
    ACCURACY_COLUMNS,
    accuracy_by_category,
    accuracy_by_kind,
    accuracy_by_organisation,
    accuracy_by_street,
    wrong_reasons,
)
from modules.sortstats.selectors.anomalies import (
    anomalies,
    anomalies_table,
    anomaly_settings,
    jump_test,
    last_full_week,
)
from modules.sortstats.selectors.facts import FACTS, VOLUME_SUMS
from modules.sortstats.selectors.filters import (
    GRANULARITIES,
    MAX_DAYS,
    WEEKDAYS,
    Filters,
    Scope,
    can_view,
    default_filters,
    parse_filters,
    scope_for,
    split_period,
    split_weeks,
    streets_for,
)
from modules.sortstats.selectors.formatting import (
    category_label,
    change,
    cn_date,
    kg,
    kind_label,
    org_names,
    pct,
    period_label,
    reason_label,
)
from modules.sortstats.selectors.participation import (
    PARTICIPATION_COLUMNS,
    SUMS,
    participation_by_organisation,
    participation_by_street,
    participation_trend,
)
from modules.sortstats.selectors.reports import CHARTS, ENDS, UNION_TABLES, UNLIMITED, chart, month_card, street_month_report
from modules.sortstats.selectors.throughput import THROUGHPUT_COLUMNS, throughput_collectors, throughput_points
from modules.sortstats.selectors.volume import heatmap, volume_by_kind, volume_by_street, volume_summary, volume_trend

__all__ = [
    "ACCURACY_COLUMNS",
    "CHARTS",
    "FACTS",
    "GRANULARITIES",
    "MAX_DAYS",
    "PARTICIPATION_COLUMNS",
    "SUMS",
    "THROUGHPUT_COLUMNS",
    "UNLIMITED",
    "UNION_TABLES",
    "ENDS",
    "VOLUME_SUMS",
    "WEEKDAYS",
    "Filters",
    "Scope",
    "accuracy_by_category",
    "accuracy_by_kind",
    "accuracy_by_organisation",
    "accuracy_by_street",
    "anomalies",
    "anomalies_table",
    "anomaly_settings",
    "can_view",
    "category_label",
    "change",
    "chart",
    "cn_date",
    "default_filters",
    "heatmap",
    "jump_test",
    "kg",
    "kind_label",
    "last_full_week",
    "month_card",
    "org_names",
    "parse_filters",
    "participation_by_organisation",
    "participation_by_street",
    "participation_trend",
    "pct",
    "period_label",
    "reason_label",
    "scope_for",
    "split_period",
    "split_weeks",
    "street_month_report",
    "streets_for",
    "throughput_collectors",
    "throughput_points",
    "volume_by_kind",
    "volume_by_street",
    "volume_summary",
    "volume_trend",
    "wrong_reasons",
]
