"""How well it is sorted: accuracy per category, street, kind and union, and the wrong-sort reasons."""

from __future__ import annotations

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.sortstats.selectors.facts import VOLUME_SUMS, _facts, _merged, _volume
from modules.sortstats.selectors.filters import Filters
from modules.sortstats.selectors.formatting import _table, category_label, kind_label, org_names, pct, reason_label

ACCURACY_COLUMNS = [gettext_lazy("袋数"), gettext_lazy("合格"), gettext_lazy("不合格"), gettext_lazy("准确率（%）")]


def _accuracy_rows(data, field, label) -> list:
    rows = [[label(r[field]), r["bags"], r["correct"], r["bags"] - r["correct"], pct(r["correct"], r["bags"])] for r in data]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def accuracy_by_category(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["category"])
    return _table(
        "accuracy_by_category", _("各分类准确率"), [_("分类"), *ACCURACY_COLUMNS], _accuracy_rows(data, "category", category_label)
    )


def accuracy_by_street(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["street_id"])
    names = org_names(r["street_id"] for r in data)
    return _table(
        "accuracy_by_street",
        _("各街道准确率"),
        [_("街道"), *ACCURACY_COLUMNS],
        _accuracy_rows(data, "street_id", lambda i: names.get(i, _("未归属街道"))),
    )


def accuracy_by_kind(viewer, f: Filters) -> dict:
    data = _volume(viewer, f, ["kind"])
    return _table("accuracy_by_kind", _("各类组织准确率"), [_("组织类型"), *ACCURACY_COLUMNS], _accuracy_rows(data, "kind", kind_label))


def _top_unions(parts, limit: int | None, *, fewest: bool = False) -> tuple[list[dict], int]:
    """Every union's bags, grams and correct over the parts, summed in the database (a UNION ALL
    of the grouped parts, grouped again), the top ``limit`` by bags and how many there are: ten
    thousand unions never travel to Python to be merged and sorted."""
    from django.db import connections

    from core.replica import read_alias

    if not parts:
        return [], 0
    pieces, params = [], []
    for qs in parts:
        sql, p = qs.values("organisation_id").annotate(**{k: Sum(v) for k, v in VOLUME_SUMS.items()}).order_by().query.sql_with_params()
        pieces.append(f"SELECT * FROM ({sql}) AS part")
        params += list(p)
    union = " UNION ALL ".join(pieces)
    sql = (
        f"SELECT organisation_id, SUM(bags), SUM(grams), SUM(correct), COUNT(*) OVER () FROM ({union}) AS u"
        " GROUP BY organisation_id "
        + ("ORDER BY SUM(bags), organisation_id DESC" if fewest else "ORDER BY SUM(bags) DESC, organisation_id")
        + (f" LIMIT {int(limit)}" if limit else "")
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = [{"organisation_id": r[0], "bags": int(r[1] or 0), "grams": int(r[2] or 0), "correct": int(r[3] or 0)} for r in found]
    return rows, (found[0][4] if found else 0)


def accuracy_by_organisation(viewer, f: Filters, *, limit: int | None = 100, ends: int | None = None) -> dict:
    """Per grassroots union (always the Org table: the unit of this chart is the union).

    ``ends``: only the ``ends`` unions with the most bags and the ``ends`` with the fewest (the
    dashboard's view; ``bottom_from`` is where the second group starts); the full list pages."""
    parts = _facts(viewer, f, "org_volume")
    data, total = _top_unions(parts, ends or limit)
    bottom = []
    if ends and total > 2 * ends:
        bottom, _total = _top_unions(parts, ends, fewest=True)
    names = org_names(r["organisation_id"] for r in [*data, *bottom])
    rows = _accuracy_rows(data, "organisation_id", lambda i: names.get(i, str(i)))
    bottom_from = len(rows) if bottom else None
    if bottom:
        rows += _accuracy_rows(bottom, "organisation_id", lambda i: names.get(i, str(i)))
    return _table(
        "accuracy_by_organisation",
        _("各基层工会准确率"),
        [_("基层工会"), *ACCURACY_COLUMNS],
        rows,
        total=total,
        limited=bool(total > len(rows)),
        bottom_from=bottom_from,
    )


def wrong_reasons(viewer, f: Filters) -> dict:
    data = sorted(_merged(_facts(viewer, f, "reason"), ["reason"], {"bags": "bags"}), key=lambda r: (-r["bags"], r["reason"]))
    total = sum(r["bags"] for r in data)
    rows = [[reason_label(r["reason"]), r["bags"], pct(r["bags"], total)] for r in data]
    return _table("wrong_reasons", _("常见分类错误原因"), [_("原因"), _("次数"), _("占比（%）")], rows, total=total)
