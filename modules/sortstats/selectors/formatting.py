"""How figures, labels, dates and tables are shaped for the charts, exports and the PDF."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from core.categories import Category, WrongSortReason
from core.models import Organisation
from modules.sortstats.rollups import month_start, next_month
from modules.sortstats.selectors.filters import Filters


def kg(grams) -> float:
    return round((grams or 0) / 1000, 1)


def pct(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def change(current, previous) -> float | None:
    return round(100 * (current - previous) / previous, 1) if previous else None


def category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else code


def kind_label(code: str) -> str:
    return str(Organisation.Kind(code).label) if code in Organisation.Kind.values else (code or _("未分类"))


def reason_label(code: str) -> str:
    if code in WrongSortReason.values:
        return str(WrongSortReason(code).label)
    return _("未注明原因") if code == "unspecified" else code


def org_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(Organisation.objects.filter(pk__in=ids).values_list("id", "name")) if ids else {}


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def period_label(f: Filters) -> str:
    label = f"{cn_date(f.start)}至{cn_date(f.end)}"
    if f.cutoff_hour is not None:
        label += _("%(hour)s:00前") % {"hour": f.cutoff_hour}
    return label


def _table(key: str, title, columns, rows, **extra) -> dict:
    return {"key": key, "title": str(title), "columns": [str(c) for c in columns], "rows": rows, **extra}


def _bucket_label(d: date, granularity: str) -> str:
    if granularity == "month":
        return f"{d.year}年{d.month}月"
    if granularity == "week":
        return _("%(date)s起一周") % {"date": f"{d.month}月{d.day}日"}
    return d.isoformat()


def _buckets(f: Filters) -> list[date]:
    """Every bucket of the period, so empty days show as zero instead of vanishing."""
    out, cur = [], f.start
    if f.granularity == "month":
        cur = month_start(cur)
        while cur <= f.end:
            out.append(cur)
            cur = next_month(cur)
    elif f.granularity == "week":
        cur = cur - timedelta(days=cur.weekday())
        while cur <= f.end:
            out.append(cur)
            cur += timedelta(days=7)
    else:
        while cur <= f.end:
            out.append(cur)
            cur += timedelta(days=1)
    return out


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value
