"""Reading questionnaires and their results; every list starts from the viewer's scope."""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import scoping
from core.models import Organisation
from engines.survey.answering import localized
from engines.survey.models import Answer, Participation, Response, Survey

NUMERIC = ("integer", "decimal")
CACHE_SECONDS = 600
CROSSABLE = ("select_one", "select_multiple")


def survey_to_answer(survey_id: int) -> Survey | None:
    """The survey with its union, for checking an answer. Its questions (``definition``) are
    never changed once imported (``editable=False``; a new version of a questionnaire is a new
    survey, the next wave) — so they are kept in this process by survey instead of being read and
    parsed for every answer."""
    return _with_definition(_survey_and_union(survey_id))


def token_and_survey(key_hash: str, survey_id: int) -> tuple | None:
    """A courier's device token and the survey to answer, read together (one prepared statement on
    PostgreSQL: the token's rule is core's own, ``core.api.live_token_select``): None when the token
    does not authenticate, else (token id, last used, the user, the survey or None, the union of
    the user's member record or None). The union is read (joined) only for an identified survey,
    where the answer keeps it; otherwise it is ``services.UNREAD`` and read when needed. The caller
    records the token's use (``core.hot_path.token_accepted``)."""
    from core.api import _token_user, token_from_row
    from engines.survey.services import UNREAD

    if connection.vendor != "postgresql":
        found = _token_user(key_hash)
        return None if found is None else (*found, survey_to_answer(survey_id), UNREAD)
    from core.db import prepared_cursor

    with prepared_cursor() as cursor:
        cursor.execute(_token_and_survey_sql(), {"key": key_hash, "survey": survey_id}, prepare=True)
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, last_used, user, rest = token_from_row(row)
    survey = _with_definition(_survey_from_row(rest[:-1]) if rest[0] is not None else None)
    return token_id, last_used, user, survey, (rest[-1] if survey is not None and not survey.anonymous else UNREAD)


def _with_definition(survey: Survey | None) -> Survey | None:
    if survey is None:
        return None
    # with the moment of its import: a test database that rolls back may give an id out again
    key = (survey.pk, survey.version, survey.created_at)
    definition = _DEFINITIONS.get(key)
    if definition is None:
        definition = Survey.objects.filter(pk=survey.pk).values_list("definition", flat=True).first() or {}
        if len(_DEFINITIONS) >= _DEFINITIONS_KEPT:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = definition
    survey.definition = definition
    return survey


@functools.cache
def _token_and_survey_sql() -> str:
    from core.api import live_token_select

    # the survey's placeholder comes before the token's in the text: the arguments are named
    # an identified survey's answer keeps the union of the respondent's member record (the
    # person's own union, ``services._store``): joined for those only
    joined = (
        "LEFT JOIN (survey_survey s JOIN core_organisation o ON o.id = s.organisation_id) ON s.id = %(survey)s "
        "LEFT JOIN core_member m ON m.user_id = u.id AND NOT s.anonymous"
    )
    columns, source = live_token_select("%(key)s", joined=joined)
    survey_columns = [f's."{c}"' for c in _SURVEY_COLUMNS] + [f'o."{c}"' for c in _UNION_COLUMNS]
    return f"SELECT {columns}, " + ", ".join(survey_columns) + f", m.organisation_id FROM {source}"


def _survey_from_row(row) -> Survey:
    survey = Survey.from_db(connection.alias, _SURVEY_COLUMNS, list(row[: len(_SURVEY_COLUMNS)]))
    survey.organisation = Organisation.from_db(connection.alias, _UNION_COLUMNS, list(row[len(_SURVEY_COLUMNS) :]))
    return survey


def _survey_and_union(survey_id: int) -> Survey | None:
    """The survey (its questions deferred) and its union, in one statement. On PostgreSQL written
    once and prepared (``core.db.prepared_cursor``): building the ORM's query cost more than the
    query, on the path every answer takes."""
    if connection.vendor != "postgresql":
        return Survey.objects.select_related("organisation").defer("definition").filter(pk=survey_id).first()
    from core.db import prepared_cursor

    with prepared_cursor() as cursor:
        cursor.execute(_SURVEY_AND_UNION, [survey_id], prepare=True)
        row = cursor.fetchone()
    return None if row is None else _survey_from_row(row)


_SURVEY_COLUMNS = [f.attname for f in Survey._meta.concrete_fields if f.name != "definition"]
_UNION_COLUMNS = [f.attname for f in Organisation._meta.concrete_fields]
_SURVEY_AND_UNION = (
    "SELECT "
    + ", ".join([f's."{c}"' for c in _SURVEY_COLUMNS] + [f'o."{c}"' for c in _UNION_COLUMNS])
    + " FROM survey_survey s JOIN core_organisation o ON o.id = s.organisation_id WHERE s.id = %s"
)

# (survey id, version, imported at) -> definition; a handful of surveys are open at a time.
_DEFINITIONS: dict[tuple, dict] = {}
_DEFINITIONS_KEPT = 64


def surveys_for_staff(viewer, owner: str | None = None):
    qs = (
        Survey.objects.filter(scoping.organisation_scope_q(viewer, "organisation"))
        if scoping.is_staff_member(viewer)
        else Survey.objects.none()
    )
    if owner:
        qs = qs.filter(owner=owner)
    return qs.select_related("organisation")


def open_surveys_for(user, owner: str | None = None) -> list[dict]:
    """The surveys a person may answer now, each with whether they have answered it."""
    if not getattr(user, "is_authenticated", False):
        return []
    today = timezone.localdate()
    qs = Survey.objects.filter(status=Survey.Status.OPEN).filter(Q(opens_on__isnull=True) | Q(opens_on__lte=today))
    qs = qs.filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today)).select_related("organisation")
    member = scoping.member_for(user)
    if owner:
        qs = qs.filter(owner=owner)
    visible = Q(organisation__level=Organisation.Level.DISTRICT)
    if member:
        visible |= Q(organisation_id__in=_ancestors(member.organisation))
    surveys = list(qs.filter(visible).defer("definition"))
    answered = set(Participation.objects.filter(user=user, survey__in=surveys).values_list("survey_id", flat=True))
    answered |= set(Response.objects.filter(respondent=user, survey__in=surveys).values_list("survey_id", flat=True))
    return [{"survey": s, "answered": s.pk in answered} for s in surveys]


def _ancestors(organisation: Organisation) -> list[int]:
    return [int(p) for p in organisation.path.split(".") if p]


def choice_label(survey: Survey, question: dict, value: str) -> str:
    for option in survey.choices.get(question.get("list"), []):
        if option["name"] == value:
            return localized(option, "label")
    return value


def answer_questions(survey: Survey) -> list[dict]:
    return [q for q in survey.questions if q["type"] in ("text", "integer", "decimal", "date", "select_one", "select_multiple")]


def results(survey: Survey) -> dict:
    """Counts of every question: choices with counts and shares, numbers with mean/median
    and a histogram, dates' range, free text's number of answers and a few of them.

    One grouped query over the answer index, whatever the number of answers; answers are only
    ever added, so the result is kept (in the cache) for as long as their number is the same."""
    total = Response.objects.filter(survey=survey).count()
    key = f"survey:results:{survey.pk}:{total}:{get_language()}"
    cached = cache.get(key)
    if cached is None:
        cached = compute_results(survey, total)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def compute_results(survey: Survey, total: int) -> dict:
    tally: dict[str, dict[str, int]] = defaultdict(dict)
    for question, value, n in Answer.objects.filter(survey=survey).values_list("question", "value").annotate(n=Count("*")).order_by():
        tally[question][value] = n
    out = []
    for q in answer_questions(survey):
        counts = dict(tally.get(q["name"], {}))
        answered = counts.pop("", None)  # the "answered" marker of multiple choice and text
        item = {"name": q["name"], "type": q["type"], "label": localized(q, "label"), "group": q.get("group", "")}
        if q["type"] in CROSSABLE:
            base = (answered or 0) if q["type"] == "select_multiple" else sum(counts.values())
            item["answered"] = base
            item["rows"] = [
                {
                    "value": o["name"],
                    "label": localized(o, "label"),
                    "count": counts.get(o["name"], 0),
                    "share": _share(counts.get(o["name"], 0), base),
                }
                for o in survey.choices.get(q["list"], [])
            ]
        elif q["type"] in NUMERIC:
            item.update(_numeric(counts))
        elif q["type"] == "date":
            item["answered"] = sum(counts.values())
            item["first"], item["last"] = (min(counts), max(counts)) if counts else ("", "")
        else:
            item["answered"] = answered or 0
            item["samples"] = list(
                Response.objects.filter(survey=survey, data__has_key=q["name"]).values_list(f"data__{q['name']}", flat=True)[:10]
            )
        out.append(item)
    return {"total": total, "questions": out}


def _share(n: int, base: int) -> float:
    return round(100.0 * n / base, 1) if base else 0.0


def _numeric(counts: dict[str, int]) -> dict:
    pairs = sorted(((float(v), n) for v, n in counts.items()), key=lambda p: p[0])
    n = sum(c for _v, c in pairs)
    if not n:
        return {"answered": 0, "mean": None, "median": None, "min": None, "max": None, "bins": []}
    mean = sum(v * c for v, c in pairs) / n
    lo, hi = pairs[0][0], pairs[-1][0]
    median = _weighted_median(pairs, n)
    bins = []
    if hi > lo:
        width = (hi - lo) / 6
        edges = [lo + i * width for i in range(7)]
        counts_by_bin = [0] * 6
        for v, c in pairs:
            counts_by_bin[min(int((v - lo) / width), 5)] += c
        bins = [{"label": f"{_fmt(edges[i])}–{_fmt(edges[i + 1])}", "count": counts_by_bin[i]} for i in range(6)]
    else:
        bins = [{"label": _fmt(lo), "count": n}]
    return {"answered": n, "mean": round(mean, 1), "median": median, "min": lo, "max": hi, "bins": bins}


def _weighted_median(pairs, n) -> float:
    """The median of values given as sorted (value, count) pairs, without expanding them."""

    def at(k):  # the k-th value (0-based) in sorted order
        seen = 0
        for v, c in pairs:
            seen += c
            if seen > k:
                return v
        return pairs[-1][0]

    return statistics.mean([at((n - 1) // 2), at(n // 2)])


def _fmt(v: float) -> str:
    return str(int(round(v))) if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def crosstab(survey: Survey, row: str, col: str) -> dict:
    """Answers to ``row`` against answers to ``col`` (both choice questions): counts, and the
    share of each row. One join of the answer index with itself."""
    rq, cq = survey.question(row), survey.question(col)
    for name, q in (("row", rq), ("col", cq)):
        if not q or q["type"] not in CROSSABLE:
            from core.errors import Invalid

            raise Invalid("crosstab_question", _("交叉分析只能用单选题或多选题"), field=name)
    total = Response.objects.filter(survey=survey).count()
    key = f"survey:crosstab:{survey.pk}:{total}:{row}:{col}:{get_language()}"
    cached = cache.get(key)
    if cached is None:
        cached = compute_crosstab(survey, rq, cq)
        cache.set(key, cached, CACHE_SECONDS)
    return cached


def compute_crosstab(survey: Survey, rq: dict, cq: dict) -> dict:
    row, col = rq["name"], cq["name"]
    table = Answer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.value, b.value, COUNT(*) FROM {table} a JOIN {table} b ON b.response_id = a.response_id "  # noqa: S608 (table name from the model)
            "WHERE a.survey_id = %s AND a.question = %s AND b.survey_id = %s AND b.question = %s AND a.value <> '' AND b.value <> '' "
            "GROUP BY a.value, b.value",
            [survey.pk, row, survey.pk, col],
        )
        cells = {(a, b): n for a, b, n in cursor.fetchall()}
    rows_opts = survey.choices.get(rq["list"], [])
    cols_opts = survey.choices.get(cq["list"], [])
    body = []
    for r in rows_opts:
        counts = [cells.get((r["name"], c["name"]), 0) for c in cols_opts]
        total = sum(counts)
        body.append({"label": localized(r, "label"), "counts": counts, "total": total, "shares": [_share(n, total) for n in counts]})
    table = {
        "row": {"name": row, "label": localized(rq, "label")},
        "col": {"name": col, "label": localized(cq, "label")},
        "columns": [localized(c, "label") for c in cols_opts],
        "rows": body,
        "column_totals": [sum(b["counts"][i] for b in body) for i in range(len(cols_opts))],
    }
    return table


def waves(survey: Survey) -> list[Survey]:
    return list(Survey.objects.filter(owner=survey.owner, series=survey.series).order_by("wave").defer("definition"))


def trend(survey: Survey, question: str) -> dict | None:
    """A question across the waves of the survey's series: each choice's share per wave (or the
    mean per wave for a number). None when the series has one wave."""
    series = [w for w in Survey.objects.filter(owner=survey.owner, series=survey.series).order_by("wave")]
    q = survey.question(question)
    if len(series) < 2 or not q or q["type"] not in (*CROSSABLE, *NUMERIC):
        return None
    grouped = defaultdict(dict)
    for survey_id, value, n in (
        Answer.objects.filter(survey__in=series, question=question).values_list("survey_id", "value").annotate(n=Count("id")).order_by()
    ):
        grouped[survey_id][value] = n
    labels = [_("第%(n)s轮") % {"n": w.wave} for w in series]
    if q["type"] in NUMERIC:
        means = [_numeric(grouped.get(w.pk, {}))["mean"] for w in series]
        return {"question": localized(q, "label"), "waves": labels, "lines": [{"label": _("平均值"), "values": means}]}
    if q["type"] == "select_multiple":
        bases = {w.pk: grouped.get(w.pk, {}).get("", 0) for w in series}  # the "answered" marker
    else:
        bases = {w.pk: sum(grouped.get(w.pk, {}).values()) for w in series}
    lines = [
        {"label": localized(o, "label"), "values": [_share(grouped.get(w.pk, {}).get(o["name"], 0), bases[w.pk]) for w in series]}
        for o in survey.choices.get(q["list"], [])
    ]
    return {"question": localized(q, "label"), "waves": labels, "lines": lines}


def share_of(result: dict, question: str, values: tuple[str, ...]) -> float:
    """The share (%) of respondents to ``question`` who picked any of ``values`` (a select_one,
    or a single value of a select_multiple)."""
    for item in result["questions"]:
        if item["name"] == question and "rows" in item:
            return round(sum(r["share"] for r in item["rows"] if r["value"] in values), 1)
    return 0.0


def question_result(result: dict, question: str) -> dict | None:
    return next((item for item in result["questions"] if item["name"] == question), None)
