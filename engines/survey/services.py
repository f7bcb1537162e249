"""Changes to questionnaires and answers: import, open/close, quotas, and an answer's submission."""

from __future__ import annotations

import contextlib
import json

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from engines.survey import answering, owners, rules, selectors, xlsform
from engines.survey.models import Answer, Participation, Quota, Response, Survey

COUNTED_TYPES = ("select_one", "select_multiple", "integer", "decimal", "date", "text")
MARKED_TYPES = ("select_multiple", "text")


def survey_import(
    *,
    actor,
    owner: str,
    organisation,
    data: bytes,
    filename: str = "",
    series: str = "",
    anonymous: bool = True,
    opens_on=None,
    closes_on=None,
) -> Survey:
    """A new survey (the next wave of ``series``) from an XLSForm workbook; WorkbookInvalid
    lists every problem of the workbook in Chinese, naming sheet, row and column."""
    if owner not in owners.OWNERS:
        raise Invalid("survey_owner_unknown", _("未知的所属项目"), field="owner")
    if not rules.may_manage_organisation(actor, organisation):
        raise Forbidden("forbidden", _("无权为该工会发起问卷"), field="organisation")
    if opens_on and closes_on and closes_on < opens_on:
        raise Invalid("survey_dates", _("截止日期不能早于开始日期"), field="closes_on")
    form = xlsform.read(data)
    series = (series or form.form_id)[:40]
    with transaction.atomic():
        last = Survey.objects.select_for_update().filter(owner=owner, series=series).aggregate(m=Max("wave"))["m"]
        survey = Survey.objects.create(
            owner=owner,
            organisation=organisation,
            series=series,
            wave=(last or 0) + 1,
            title=form.title,
            form_id=form.form_id,
            version=form.version,
            anonymous=anonymous,
            opens_on=opens_on,
            closes_on=closes_on,
            definition=form.as_definition(),
            source_name=filename[:200],
            created_by=actor,
        )
        audit(actor=actor, action="survey.import", obj=survey, organisation=organisation, changes={"file": filename, "wave": survey.wave})
    return survey


def survey_set_status(*, actor, survey: Survey, status: str) -> Survey:
    if not rules.may_manage(actor, survey):
        raise Forbidden("forbidden", _("无权管理该问卷"))
    if status not in Survey.Status.values:
        raise Invalid("survey_status", _("无效的状态"), field="status")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status == Survey.Status.CLOSED and status == Survey.Status.DRAFT:
            raise Conflict("survey_closed", _("已结束的问卷不能改回未发布"))
        audit(
            actor=actor, action="survey.status", obj=locked, organisation=locked.organisation, changes={"status": [locked.status, status]}
        )
        locked.status = status
        locked.save(update_fields=["status"])
    return locked


def quota_set(*, actor, survey: Survey, question: str = "", value: str = "", limit: int) -> Quota:
    """A quota on the answers with ``question`` = ``value`` (a select_one), or on all answers."""
    if not rules.may_manage(actor, survey):
        raise Forbidden("forbidden", _("无权管理该问卷"))
    if limit is None or limit < 1 or limit > 10_000_000:
        raise Invalid("quota_limit", _("配额应为 1 到 10000000 之间的整数"), field="limit")
    if question:
        q = survey.question(question)
        if not q or q["type"] != "select_one":
            raise Invalid("quota_question", _("配额只能设在单选题上"), field="question")
        if value not in {o["name"] for o in survey.choices.get(q["list"], [])}:
            raise Invalid("quota_value", _("该题没有这个选项"), field="value")
    elif value:
        raise Invalid("quota_value", _("总配额不需要选项"), field="value")
    with transaction.atomic():
        # a quota set while answers come in starts from what has been received
        received = (
            Answer.objects.filter(survey=survey, question=question, value=value).count()
            if question
            else Response.objects.filter(survey=survey).count()
        )
        quota, _created = Quota.objects.select_for_update().get_or_create(
            survey=survey, question=question, value=value, defaults={"limit": max(limit, received), "filled": received}
        )
        if quota.filled > limit:
            raise Invalid("quota_below_filled", _("配额不能少于已收答卷数（%(n)s）") % {"n": quota.filled}, field="limit")
        quota.limit = limit
        quota.save(update_fields=["limit"])
        Survey.objects.filter(pk=survey.pk).update(has_quotas=True)
        survey.has_quotas = True
        audit(actor=actor, action="survey.quota", obj=survey, organisation=survey.organisation, changes={"quota": [question, value, limit]})
    return quota


def already_answered(*, user, survey: Survey) -> bool:
    if survey.anonymous:
        return Participation.objects.filter(survey=survey, user=user).exists()
    return Response.objects.filter(survey=survey, respondent=user).exists()


def response_submit_to(*, actor, survey_id: int, answers: dict) -> Survey:
    """An answer to the survey ``survey_id`` (``POST /api/v1/surveys/{id}/responses``, through the
    API and at the WSGI door alike): NotFound when there is no such survey or the person may not
    answer it (its existence is not told), then ``response_submit``."""
    return response_submit_read(actor=actor, survey=selectors.survey_to_answer(survey_id), answers=answers)


# The respondent's union not read yet (``response_submit``'s ``respondent_union``).
UNREAD = object()


def response_submit_read(*, actor, survey: Survey | None, answers: dict, respondent_union=UNREAD) -> Survey:
    """``response_submit_to`` for a survey already read (``selectors.survey_to_answer`` or, at the
    WSGI door, ``selectors.token_and_survey``; None when there is none)."""
    if survey is None or not rules.may_answer(actor, survey):
        raise NotFound("not_found", _("找不到该问卷"))
    response_submit(actor=actor, survey=survey, answers=answers, respondent_union=respondent_union)
    return survey


def response_submit(*, actor, survey: Survey, answers: dict, respondent_union=UNREAD) -> Response:
    """Stores one person's answers. Invalid (422) with ``errors`` {question: message} when an
    answer is wrong; Conflict when the person has answered already or a quota is full.

    Identified: one answer per person is the database's unique constraint (a double submit or
    two phones at once: one is stored, the other told). Anonymous: the person's participation
    is claimed first in its own transaction, and the answer written in another, so no row links
    the answer to the person; if the answer then fails, the claim is taken back. (The order of
    the writes — PostgreSQL's xmin, heap positions — still pairs a claim with its answer for
    whoever reads the database's internals: docs/architecture.md, "Survey".)

    ``respondent_union``: the id of the union of the actor's member record (None without one),
    when the caller read it with something else (``selectors.token_and_survey``); an identified
    answer keeps it. Left ``UNREAD``, it is read here."""
    if not rules.may_answer(actor, survey):
        raise Forbidden("forbidden", _("您不在该问卷的调查范围内"))
    if not survey.is_accepting():
        raise Conflict("survey_closed", _("该问卷不在收集期内"))
    checked = answering.check(survey, answers)
    if checked.errors:
        first = next(iter(checked.errors))
        raise Invalid("survey_answer_invalid", _("有 %(n)s 题需要修改") % {"n": len(checked.errors)}, field=first, errors=checked.errors)
    if survey.anonymous:
        if not _claim_participation(survey, actor):
            raise Conflict("survey_already_answered", _("您已经填写过这份问卷"))
        try:
            return _store(actor=None, survey=survey, data=checked.data)
        except BaseException:
            Participation.objects.filter(survey=survey, user=actor).delete()
            raise
    try:
        return _store(actor=actor, survey=survey, data=checked.data, respondent_union=respondent_union)
    except IntegrityError:
        raise Conflict("survey_already_answered", _("您已经填写过这份问卷")) from None


def _claim_participation(survey: Survey, user) -> bool:
    """Marks that ``user`` has answered ``survey``; False when that was marked already (a second
    answer, or two phones at once: the unique constraint lets one through). One statement: out of
    any transaction it is a transaction of its own, never the answer's (prepared on PostgreSQL).

    On PostgreSQL, out of a caller's transaction, the claim's own commit does not wait for the disk
    (``synchronous_commit`` off for that one transaction, ``_CLAIM_SQL_UNWAITED``): the answer's
    commit that follows does, and the WAL is flushed in order, so an answer on disk always has its
    claim on disk. A crash between the two loses the claim with no answer written — the person may
    answer again, as if the request never came. A claim taken back (the answer refused) is a
    waited-for DELETE. Every answer used to wait for two disk flushes, one of them the claim's."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [survey.pk, user.pk])
            return cursor.fetchone() is not None
    sql = _CLAIM_SQL if connection.in_atomic_block else _CLAIM_SQL_UNWAITED
    with _cursor() as cursor:
        cursor.execute(sql, [survey.pk, user.pk], prepare=True)
        return cursor.fetchone() is not None


_CLAIM_SQL = (
    "INSERT INTO survey_participation (survey_id, user_id) VALUES (%s, %s) ON CONFLICT (survey_id, user_id) DO NOTHING RETURNING id"
)
# The same claim, its transaction's commit not waiting for the disk (set_config(…, true) lasts for
# the statement's own transaction only; the connection keeps its setting).
_CLAIM_SQL_UNWAITED = (
    "INSERT INTO survey_participation (survey_id, user_id) SELECT %s, %s "
    "WHERE set_config('synchronous_commit', 'off', true) IS NOT NULL "
    "ON CONFLICT (survey_id, user_id) DO NOTHING RETURNING id"
)


def _cursor():
    """A cursor that prepares on PostgreSQL (``core.db.prepared_cursor``), Django's elsewhere."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from core.db import prepared_cursor

    return prepared_cursor()


def _store(*, actor, survey: Survey, data: dict, respondent_union=UNREAD) -> Response:
    """The answer and its counting rows: with quotas (or not on PostgreSQL) through the ORM, in a
    transaction; otherwise one prepared statement whose parameters are the values themselves (the
    rows are not built as model instances only to take their values back: a third of an
    answer's Python)."""
    now = timezone.now()
    if actor is None:
        respondent_union = None
    elif respondent_union is UNREAD:
        member = getattr(actor, "member", None)
        respondent_union = member.organisation_id if member else None  # the id only: no read of the union
    response = Response(
        survey=survey,
        respondent=actor,
        organisation_id=respondent_union,
        submitted_at=now if actor is not None else None,
        submitted_on=timezone.localdate(now),
        version=survey.version,
        data=data,
    )
    if survey.has_quotas or connection.vendor != "postgresql":
        with transaction.atomic():
            _take_quotas(survey, data)
            response.save(force_insert=True)
            Answer.objects.bulk_create(_answer_rows(survey, response, data))
        return response
    values = _answer_values(survey, data)
    params = {
        "id": response.pk,
        "survey": survey.pk,
        "respondent": response.respondent_id,
        "organisation": response.organisation_id,
        "at": response.submitted_at,
        "on": response.submitted_on,
        "version": response.version,
        "data": json.dumps(data),
        "questions": [q for q, _v in values],
        "values": [v for _q, v in values],
    }
    # Without quotas the answer and its rows are one statement, so a transaction of its own (in a
    # caller's transaction, a savepoint keeps a refused one from breaking it).
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext(), _cursor() as cursor:
        cursor.execute(_STORE_SQL, params, prepare=True)
    return response


# The response and its counting rows in one statement (PostgreSQL): an answer is written without
# the round trips of a transaction's BEGIN and COMMIT, and the ORM's statement building.
_STORE_SQL = """
WITH response AS (
    INSERT INTO survey_response (id, survey_id, respondent_id, organisation_id, submitted_at, submitted_on, version, data)
    VALUES (%(id)s, %(survey)s, %(respondent)s, %(organisation)s, %(at)s, %(on)s, %(version)s, %(data)s::jsonb)
)
INSERT INTO survey_answer (response_id, survey_id, question, value)
SELECT %(id)s, %(survey)s, a.question, a.value FROM unnest(%(questions)s::text[], %(values)s::text[]) AS a(question, value)
"""


def _take_quotas(survey: Survey, data: dict) -> None:
    """Counts the answer against the quotas it falls in, or refuses it when one is full."""
    if not survey.has_quotas:
        return
    cells = Q(question="", value="")
    for name, value in data.items():
        cells |= Q(question=name, value=value)
    for quota in Quota.objects.filter(Q(survey=survey) & cells).order_by("pk"):
        taken = Quota.objects.filter(pk=quota.pk, filled__lt=F("limit")).update(filled=F("filled") + 1)
        if not taken:
            label = _("本问卷") if not quota.question else f"{quota.question} = {quota.value}"
            raise Conflict("survey_quota_full", _("%(cell)s 的样本已收满，感谢参与") % {"cell": label})


def responses_enter(*, actor, survey: Survey, rows: list[dict], submitted_on=None) -> int:
    """Paper questionnaires typed in by staff (couriers often answer on paper at a rest station):
    each row is checked like a form, stored without a respondent, counted against quotas.
    Invalid names the first wrong row; nothing is stored then."""
    if not rules.may_manage(actor, survey):
        raise Forbidden("forbidden", _("无权管理该问卷"))
    checked = []
    for number, row in enumerate(rows, start=1):
        result = answering.check(survey, row)
        if result.errors:
            name, message = next(iter(result.errors.items()))
            raise Invalid("survey_answer_invalid", _("第 %(n)s 份：%(q)s %(m)s") % {"n": number, "q": name, "m": message}, field=name)
        checked.append(result.data)
    day = submitted_on or timezone.localdate()
    with transaction.atomic():
        responses, answers = [], []
        for data in checked:
            _take_quotas(survey, data)
            response = Response(survey=survey, submitted_on=day, version=survey.version, data=data)
            responses.append(response)
            answers += _answer_rows(survey, response, data)
        Response.objects.bulk_create(responses, batch_size=1000)
        Answer.objects.bulk_create(answers, batch_size=5000)
        audit(actor=actor, action="survey.enter", obj=survey, organisation=survey.organisation, changes={"responses": len(responses)})
    return len(responses)


def _answer_rows(survey: Survey, response: Response, data: dict) -> list[Answer]:
    return [Answer(response=response, survey=survey, question=q, value=v) for q, v in _answer_values(survey, data)]


def _answer_values(survey: Survey, data: dict) -> list[tuple[str, str]]:
    """The answer's rows for counting, as (question, value): one per choice or number, and an
    empty value marking that a multiple-choice or free-text question was answered (its base; the
    text itself stays in the response)."""
    rows = []
    for q in survey.questions:
        value = data.get(q["name"])
        if not value or q["type"] not in COUNTED_TYPES:
            continue
        if q["type"] in MARKED_TYPES:
            rows.append((q["name"], ""))
        if q["type"] == "text":
            continue
        for v in value.split() if q["type"] == "select_multiple" else [value]:
            rows.append((q["name"], v[:64]))
    return rows
