"""Writes of the quiz engine: filling a bank, starting an attempt, answering a question.

The engine names no programme: the caller says which programme owns a bank (``owner``) and
which ledger reason its credits carry (``ledger_reason``); the credit's source is
``"<owner>.answer:<answer id>"``, so a ledger entry leads back to its answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sql as core_sql
from core.db import Statement, one_round_trip_transaction, prepared_cursor
from core.errors import ApiError, Conflict, Forbidden, Invalid, NotFound
from core.models import ApiToken, Member
from engines.ledger.services import entry_post
from engines.ledger.sql import credit_ctes
from engines.quiz.models import Answer, Attempt, Campaign, Difficulty, Question, QuestionBank, validate_question

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
QUESTION_FIELDS = ("kind", "text", "options", "correct", "explanation", "topic", "difficulty", "marks")


# ---------------------------------------------------------------- banks


def bank_get_or_create(*, owner: str, name: str, description: str = "") -> QuestionBank:
    bank, _created = QuestionBank.objects.get_or_create(owner=owner, name=name, defaults={"description": description})
    return bank


def questions_upsert(*, bank: QuestionBank, items: list[dict]) -> dict:
    """Create or update the bank's questions from ``items`` (dicts with ``key``, ``kind``, ``text``,
    ``options``, ``correct`` and optionally ``explanation``), matched by ``key``: loading the same
    items twice changes nothing. Every item is checked before anything is written."""
    existing = {q.key: q for q in Question.objects.filter(bank=bank, key__in=[item.get("key") for item in items])}
    to_create, to_update = [], []
    for position, item in enumerate(items, start=1):
        kind, options, correct = item.get("kind"), item.get("options"), item.get("correct")
        if kind not in Question.Kind.values or not item.get("key") or not item.get("text"):
            raise Invalid("question_invalid", _("第 %(n)s 题无效") % {"n": position}, field="questions")
        try:
            validate_question(kind=kind, options=options, correct=correct)
        except ValidationError as error:
            raise Invalid(
                "question_invalid", _("第 %(n)s 题无效：%(reason)s") % {"n": position, "reason": error}, field="questions"
            ) from error
        difficulty, marks = item.get("difficulty", Difficulty.MEDIUM), item.get("marks", 1)
        if difficulty not in Difficulty.values or not isinstance(marks, int) or not 1 <= marks <= 100:
            raise Invalid(
                "question_invalid", _("第 %(n)s 题无效：难度应为 1–3，分值应为 1–100 的整数") % {"n": position}, field="questions"
            )
        values = {
            "kind": kind,
            "text": item["text"],
            "options": options,
            "correct": correct,
            "explanation": item.get("explanation", ""),
            "topic": (item.get("topic") or "")[:40],
            "difficulty": difficulty,
            "marks": marks,
        }
        question = existing.get(item["key"])
        if question is None:
            to_create.append(Question(bank=bank, key=item["key"], **values))
        elif any(getattr(question, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(question, key, value)
            to_update.append(question)
    with transaction.atomic():
        Question.objects.bulk_create(to_create)
        if to_update:
            Question.objects.bulk_update(to_update, list(QUESTION_FIELDS))
    return {
        "bank": bank.pk,
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": len(items) - len(to_create) - len(to_update),
    }


# ---------------------------------------------------------------- attempts


def attempt_day(campaign: Campaign, now: dt.datetime) -> dt.date:
    """A daily quiz has an attempt a day; a contest has one attempt in all (dated by its start)."""
    if campaign.kind == Campaign.Kind.CONTEST:
        return timezone.localdate(campaign.starts_at)
    return timezone.localdate(now)


def attempt_start(*, campaign: Campaign, member: Member, now: dt.datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """Start (or resume) the member's attempt; the server fixes the start and the deadline.

    Starting twice returns the first attempt, so the questions drawn for the day never change
    and the clock never restarts.
    """
    now = now or timezone.now()
    if member is None or member.status != Member.Status.ACTIVE:
        raise Forbidden("not_a_member", _("只有在册会员可以参加答题"))
    day = attempt_day(campaign, now)
    found = Attempt.objects.filter(campaign=campaign, member=member, day=day).first()
    if found is not None:
        found.campaign = campaign  # in hand: ``passed()`` and the pages read it without a second query
        return found
    if not campaign.is_active or now < campaign.starts_at:
        raise Conflict("campaign_not_started", _("活动尚未开始"), field="campaign")
    if campaign.ends_at is not None and now >= campaign.ends_at:
        raise Conflict("campaign_ended", _("活动已结束"), field="campaign")
    drawn, max_score = draw_questions(campaign, rng or random.SystemRandom())
    deadline = _deadline(campaign, now, day)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                campaign=campaign,
                member=member,
                organisation_id=member.organisation_id,
                day=day,
                question_ids=drawn,
                max_score=max_score,
                started_at=now,
                deadline=deadline,
            )
    except IntegrityError:
        # Two starts raced (two tabs): the first one wins, the second gets it.
        return Attempt.objects.get(campaign=campaign, member=member, day=day)
    return attempt


def draw_questions(campaign: Campaign, rng: random.Random) -> tuple[list[int], int]:
    """The candidate's questions, in the candidate's own order, and their total marks.

    Each draw rule takes ``count`` questions of its topic and difficulty (blank = any) not yet
    drawn; without rules ``questions_per_attempt`` come from the whole bank. The order is then
    shuffled, and the attempt keeps it, so a reload shows the same questions in the same order
    while the next candidate sees another order.
    """
    rows = list(Question.objects.filter(bank_id=campaign.bank_id, is_active=True).values_list("id", "topic", "difficulty", "marks"))
    if not rows:
        raise Conflict("bank_empty", _("题库暂无题目，请联系工会工作人员"), field="campaign")
    marks = {row[0]: row[3] for row in rows}
    if not campaign.draw_rules:
        drawn = rng.sample([row[0] for row in rows], min(campaign.questions_per_attempt, len(rows)))
    else:
        drawn, taken = [], set()
        for rule in campaign.draw_rules:
            topic, difficulty = rule.get("topic") or "", rule.get("difficulty") or None
            pool = [r[0] for r in rows if r[0] not in taken and (not topic or r[1] == topic) and (not difficulty or r[2] == difficulty)]
            count = int(rule.get("count") or 0)
            if len(pool) < count:
                raise Conflict("bank_short", _("题库中符合抽题规则的题目不足，请联系工会工作人员"), field="campaign")
            picked = rng.sample(pool, count)
            taken.update(picked)
            drawn.extend(picked)
        rng.shuffle(drawn)
    return drawn, sum(marks[q] for q in drawn)


def draw_rules_clean(rules, questions) -> list[dict]:
    """Draw rules checked against a bank's questions (``questions``: (topic, difficulty) pairs)."""
    if not isinstance(rules, list) or not rules:
        raise Invalid("draw_rules_invalid", _("请至少填写一条抽题规则"), field="draw_rules")
    available = list(questions)
    cleaned = []
    for n, rule in enumerate(rules, start=1):
        try:
            count = int(rule.get("count") or 0)
            difficulty = int(rule.get("difficulty") or 0) or None
        except (TypeError, ValueError, AttributeError):
            raise Invalid("draw_rules_invalid", _("第 %(n)s 条抽题规则无效") % {"n": n}, field="draw_rules") from None
        topic = str(rule.get("topic") or "").strip()[:40]
        if not 1 <= count <= 50 or (difficulty is not None and difficulty not in Difficulty.values):
            raise Invalid("draw_rules_invalid", _("第 %(n)s 条抽题规则无效：题数应为 1–50，难度应为 1–3") % {"n": n}, field="draw_rules")
        fitting = [q for q in available if (not topic or q[0] == topic) and (difficulty is None or q[1] == difficulty)]
        if len(fitting) < count:
            raise Invalid(
                "bank_short",
                _("第 %(n)s 条抽题规则要 %(count)s 道题，题库中符合的只有 %(have)s 道") % {"n": n, "count": count, "have": len(fitting)},
                field="draw_rules",
            )
        for q in fitting[:count]:
            available.remove(q)
        cleaned.append({"topic": topic, "difficulty": difficulty, "count": count})
    if sum(r["count"] for r in cleaned) > 50:
        raise Invalid("draw_rules_invalid", _("每次答题最多 50 道题"), field="draw_rules")
    return cleaned


def _deadline(campaign: Campaign, now: dt.datetime, day: dt.date) -> dt.datetime | None:
    limits = []
    if campaign.time_limit_seconds:
        limits.append(now + dt.timedelta(seconds=campaign.time_limit_seconds))
    if campaign.ends_at is not None:
        limits.append(campaign.ends_at)
    if campaign.kind == Campaign.Kind.DAILY:
        # Today's questions are today's: the credit day is the attempt's day.
        next_midnight = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
        limits.append(next_midnight)
    return min(limits) if limits else None


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer
    question: Question
    created: bool  # False when the same client key was submitted before (a retry)


def answer_submit(
    *,
    owner: str,
    ledger_reason: str,
    member: Member | None = None,
    question_id,
    chosen,
    client_key: str,
    attempt_id: int | None = None,
    attempt_where: Q | None = None,
    actor=None,
    now: dt.datetime | None = None,
    user=None,
) -> AnswerResult:
    """Check one answer on the server and credit points once.

    The answerer is a ``member``, or a ``user`` whose member the engine finds itself (on
    PostgreSQL in the statement that locks the attempt, no look-up of its own; a user who is no
    member is refused as a member None would be). The attempt is named by ``attempt_id`` or, for a
    programme that knows it by something else (a contest page knows its contest), by
    ``attempt_where``; either way only the member's own attempt at one of ``owner``'s campaigns is
    answered. A retry with the same ``client_key`` returns the first result; the attempt row is
    locked so two simultaneous submissions are serialised; points go through the ledger under
    ``ledger_reason`` with the answer as its idempotency key, and a question earns a member points
    at most once a day (a partial unique constraint), whatever campaign it comes from.

    On PostgreSQL an answer named by its attempt is two prepared statements (``_sql``): the
    facts — the member (by its user or its device token), the attempt locked with its campaign and
    the question, the earlier answers that matter — and the answer inserted with the attempt's
    counts and the ledger's credit (``engines.ledger.sql.credit_ctes``). The decision between
    them is Python's alone (``_decide``), the same on every database.
    """
    now = now or timezone.now()
    if user is not None and (attempt_where is not None or not _prepares()):
        member, user = _member_of(user), None
    if member is None and user is None:
        raise Forbidden("not_a_member", _("只有在册会员可以参加答题"))
    try:
        client_key, question_id = _checked_request(client_key, question_id, attempt_id, attempt_where)
    except (Invalid, NotFound):
        if user is not None and _member_of(user) is None:
            raise Forbidden("not_a_member", _("只有在册会员可以参加答题")) from None
        raise
    who = ("user", user.pk) if user is not None else ("member", member)
    try:
        return _answer_retried(owner, ledger_reason, who, question_id, chosen, client_key, attempt_id, attempt_where, actor, now)
    except _NoFacts:
        if user is not None and _member_of(user) is None:
            raise Forbidden("not_a_member", _("只有在册会员可以参加答题")) from None
        raise NotFound("attempt_not_found", _("找不到这次答题"), field="attempt") from None


@dataclass(frozen=True)
class TokenAnswer:
    """An answer sent with a device token: the token's user and the answer, or its refusal."""

    user_id: int
    result: AnswerResult | None
    refused: ApiError | None


def answer_submit_by_token(
    *, owner: str, ledger_reason: str, token_hash: str, attempt_id: int, question_id, chosen, client_key: str, now=None
) -> TokenAnswer | None:
    """``answer_submit`` for a device token (``core.api.DeviceTokenAuth``'s), resolved with its
    member in the statement that locks the attempt (PostgreSQL only). None when the statement
    cannot tell the answer — a request to refuse before it, an unknown token, no member, no such
    attempt — for the caller to answer the ordinary way (token first, then ``answer_submit``)."""
    if not _prepares():
        return None
    now = now or timezone.now()
    try:
        client_key, question_id = _checked_request(client_key, question_id, attempt_id, None)
    except ApiError:
        return None
    who = ("token", token_hash)
    try:
        result = _answer_retried(owner, ledger_reason, who, question_id, chosen, client_key, attempt_id, None, None, now)
    except _NoFacts:
        return None
    except _Refused as refused:
        ApiToken.mark_used(*refused.token, now)
        return TokenAnswer(refused.user_id, None, refused.error)
    if not result.created:  # a replay writes nothing: the use is marked on its own
        ApiToken.mark_used(*result.answer._token, now)
    return TokenAnswer(result.answer._user_id, result, None)


class _NoFacts(Exception):
    """The facts statement found no attempt for the answerer (or no answerer)."""


class _Refused(Exception):
    def __init__(self, error: ApiError, facts):
        self.error, self.user_id, self.token = error, facts.user_id, facts.token


def _checked_request(client_key, question_id, attempt_id, attempt_where) -> tuple[str, int]:
    client_key = (client_key or "").strip()
    if not CLIENT_KEY.match(client_key):
        raise Invalid("invalid_client_key", _("提交编号无效，请刷新页面后重试"), field="client_key")
    try:
        question_id = int(question_id)
    except (TypeError, ValueError):
        raise Invalid("invalid_question", _("题目无效"), field="question_id") from None
    if not 0 < question_id < 2**63:
        # No row has such an id; in the locking statement it would make the attempt vanish too.
        raise Invalid("invalid_question", _("这道题不在本次答题中"), field="question_id")
    if attempt_id is None and attempt_where is None:
        raise NotFound("attempt_not_found", _("找不到这次答题"), field="attempt")
    return client_key, question_id


def _member_of(user) -> Member | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None


def _answer_retried(owner, ledger_reason, who, question_id, chosen, client_key, attempt_id, attempt_where, actor, now):
    # An IntegrityError is a race the attempt's lock does not cover: the same question credited in
    # another campaign at the same moment, one client key sent for two attempts at once — or, on
    # PostgreSQL, an answer committed while this one waited for the attempt's lock (the facts
    # statement reads the earlier answers as they were when it started). The whole answer was
    # rolled back; once more, the facts show the winner (the answer is then kept without a credit,
    # or it is a replay, already answered or refused). The unique constraints decide; every retry
    # starts after the row it collided with was committed.
    for tries_left in (2, 1, 0):
        try:
            return _answer_in_transaction(owner, ledger_reason, who, question_id, chosen, client_key, attempt_id, attempt_where, actor, now)
        except IntegrityError:
            if not tries_left:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Facts:
    attempt: Attempt  # with ``campaign`` and ``asked`` (the question, None when not in the bank)
    earlier: list[Answer]
    member_id: int
    user_id: int | None = None
    token: tuple | None = None  # (token id, last used) of a device token


def _answer_in_transaction(owner, ledger_reason, who, question_id, chosen, client_key, attempt_id, attempt_where, actor, now):
    with _answer_transaction(attempt_where):
        facts = _facts(owner, who, question_id, client_key, attempt_id, attempt_where)
        try:
            answer = _decide(facts, question_id, chosen, client_key, now)
        except ApiError as error:
            if who[0] == "token":
                raise _Refused(error, facts) from None
            raise
        if not answer._state.adding:  # a replay
            return _result(answer, facts, False)
        actor_id = facts.user_id if who[0] != "member" else (actor.pk if getattr(actor, "is_authenticated", False) else None)
        # A device token's use (``ApiToken.mark_used``'s rule) is written with the answer, in its
        # transaction: no second statement and commit after it.
        token_id = facts.token[0] if facts.token and ApiToken.use_to_mark(facts.token[1], now) else None
        recorded = _answer_record(facts.attempt, answer, owner, ledger_reason, actor, actor_id, now, token_id)
    if recorded is not None:  # the answer's id, read once it is committed
        answer.pk = recorded.fetchone()[0]
        answer._state.adding, answer._state.db = False, DEFAULT_DB_ALIAS
    return _result(answer, facts, True)


def _answer_transaction(attempt_where):
    """On PostgreSQL the answer named by its attempt is two prepared statements, sent as one
    transaction in two round trips (``core.db.one_round_trip_transaction``: the facts read with a
    Flush, the record sent with the Sync that commits it). The ORM's path (``attempt_where``, or
    another database) is an ordinary ``atomic`` block."""
    if attempt_where is None and _prepares():
        return one_round_trip_transaction()
    return transaction.atomic()


def _result(answer: Answer, facts: _Facts, created: bool) -> AnswerResult:
    answer._user_id, answer._token = facts.user_id, facts.token
    return AnswerResult(answer, answer.question, created)


def _decide(facts: _Facts, question_id: int, chosen, client_key: str, now) -> Answer:
    """The answer to record (``_state.adding``) or the earlier one to replay, or the refusal: the
    one decision of every database."""
    attempt = facts.attempt
    question = getattr(attempt, "asked", None)  # unset when the bank has no such question
    if question is None or question_id not in attempt.question_ids:
        raise Invalid("invalid_question", _("这道题不在本次答题中"), field="question_id")
    earlier = facts.earlier
    replay = next((a for a in earlier if a.client_key == client_key), None)
    if replay is not None:
        if replay.attempt_id != attempt.pk or replay.question_id != question_id:
            raise Conflict("client_key_reused", _("提交编号已用于另一道题，请刷新页面"), field="client_key")
        replay.attempt, replay.question = attempt, question
        return replay
    if any(a.attempt_id == attempt.pk and a.question_id == question_id for a in earlier):
        raise Conflict("already_answered", _("这道题已经作答过了"), field="question_id")
    credited_today = any(a.credited and a.day == attempt.day for a in earlier)
    chosen = _clean_chosen(question, chosen)
    # Credited when right, in time and the question's first credit today.
    in_time = attempt.is_open(now)
    is_correct = sorted(chosen) == sorted(question.correct)
    points = attempt.campaign.points_per_correct if (in_time and is_correct) else 0
    credited = points > 0 and not credited_today
    return Answer(
        attempt=attempt,
        question=question,
        member_id=facts.member_id,
        day=attempt.day,
        client_key=client_key,
        chosen=chosen,
        is_correct=is_correct,
        in_time=in_time,
        credited=credited,
        points=points if credited else 0,
        answered_at=now,
    )


def _facts(owner: str, who, question_id: int, client_key: str, attempt_id, attempt_where) -> _Facts:
    """The member's attempt, locked, with its campaign and the asked question, and the member's
    answers that decide this one: one with the same client key (a retry), one to this question in
    this attempt (answered already), one to this question credited on the attempt's day (no second
    credit); each part is a unique index. Only the attempt row is locked (locking the campaign too
    would queue every candidate of a contest behind one row)."""
    kind, whom = who
    if attempt_where is None and _prepares():
        params = {"attempt": attempt_id, "owner": owner, "question": question_id, "key": client_key, kind: getattr(whom, "pk", whom)}
        rows = _fetch_all(f"facts_by_{kind}", params)
        if not rows:
            raise _NoFacts
        first = rows[0]
        extra = 3 if kind == "token" else 0
        attempt, campaign, question = _split_row(first[extra:], Attempt, Campaign, Question)
        attempt.campaign, attempt.asked = campaign, question
        at = extra + sum(len(m._meta.concrete_fields) for m in (Attempt, Campaign, Question))
        earlier = [a for row in rows if (a := _split_row(row[at:], Answer)[0]) is not None]
        if kind == "token":
            return _Facts(attempt, earlier, attempt.member_id, first[0], (first[1], first[2]))
        return _Facts(attempt, earlier, attempt.member_id, whom if kind == "user" else None)
    attempts = (
        Attempt.objects.select_for_update(of=("self",))
        .annotate(asked=FilteredRelation("campaign__bank__questions", condition=Q(campaign__bank__questions__pk=question_id)))
        .select_related("campaign", "asked")
        .filter(member=whom, campaign__owner=owner)
    )
    if attempt_id is not None:
        attempts = attempts.filter(pk=attempt_id)
    if attempt_where is not None:
        attempts = attempts.filter(attempt_where)
    attempt = attempts.order_by().first()
    if attempt is None:
        raise NotFound("attempt_not_found", _("找不到这次答题"), field="attempt")
    # Read after the lock is held: a read in the locking statement sees the rows as they were
    # before the wait (PostgreSQL's path then relies on the unique indexes and the retry).
    earlier = list(
        Answer.objects.filter(
            Q(member=whom, client_key=client_key)
            | Q(attempt=attempt, question_id=question_id)
            | Q(member=whom, question_id=question_id, day=attempt.day, credited=True)
        )
    )
    return _Facts(attempt, earlier, whom.pk)


def _answer_record(attempt: Attempt, answer: Answer, owner: str, ledger_reason: str, actor, actor_id, now, token_id=None):
    """Save the answer, count it on the attempt and credit its points (and, on PostgreSQL, mark
    the use of the device token ``token_id``). On PostgreSQL the statement is sent and its cursor
    returned, for the answer's id to be read once the transaction is over (in a pipeline, reading
    it inside would cost a round trip of its own); None elsewhere, the answer saved.

    No savepoint of its own: should another campaign's answer take today's credit at the same
    moment, the partial unique constraint refuses this insert and ``answer_submit`` runs the
    answer once more, when ``credited_today`` is seen."""
    fields = _attempt_count(attempt, answer, now)
    memo = attempt.campaign.name[:200]
    if not _prepares():
        answer.save(force_insert=True)
        attempt.save(update_fields=fields)
        if answer.credited:
            source = f"{owner}.answer:{answer.pk}"
            # The key names the answer just inserted in this transaction: it cannot have been posted.
            entry_post(
                member_id=answer.member_id,
                amount=answer.points,
                reason=ledger_reason,
                source=source,
                idempotency_key=source,
                memo=memo,
                actor=actor,
                key_is_new=True,
            )
        return None
    # One statement: the answer inserted, the attempt's counts written (the row is locked, so the
    # counts just computed are the row's) and the credit posted by the ledger's own SQL.
    connection = _connection()
    params = {f"answer_{f.attname}": f.get_db_prep_save(getattr(answer, f.attname), connection) for f in _answer_fields()}
    params.update({f"attempt_{name}": getattr(attempt, name) for name in _COUNTED})
    params.update(
        {
            "attempt_id": attempt.pk,
            "source": f"{owner}.answer:",
            "reason": ledger_reason,
            "memo": memo,
            "actor": actor_id,
            "now": now,
            "token": token_id,
        }
    )
    return _send("answer_record", params)


# What an answer changes on its attempt (``_attempt_count``), written with the answer.
_COUNTED = ("answered", "correct", "score", "points", "last_answer_at", "elapsed_ms")


def _attempt_count(attempt: Attempt, answer: Answer, now: dt.datetime) -> list[str]:
    """Count the answer on the attempt (in memory); the names of the fields it changed."""
    attempt.answered += 1
    fields = ["answered"]
    if answer.in_time:
        attempt.correct += int(answer.is_correct)
        attempt.score += answer.question.marks if answer.is_correct else 0
        attempt.points += answer.points
        attempt.last_answer_at = now
        attempt.elapsed_ms = max(0, int((now - attempt.started_at).total_seconds() * 1000))
        fields += ["correct", "score", "points", "last_answer_at", "elapsed_ms"]
    return fields


def _clean_chosen(question: Question, chosen) -> list[int]:
    if isinstance(chosen, (int, str)):
        chosen = [chosen]
    if not isinstance(chosen, (list, tuple)) or not chosen:
        raise Invalid("answer_required", _("请选择答案"), field="chosen")
    try:
        values = sorted({int(c) for c in chosen})
    except (TypeError, ValueError):
        raise Invalid("answer_invalid", _("答案选项无效"), field="chosen") from None
    if any(v < 0 or v >= len(question.options) for v in values):
        raise Invalid("answer_invalid", _("答案选项无效"), field="chosen")
    if question.kind != Question.Kind.MULTIPLE and len(values) != 1:
        raise Invalid("answer_single", _("这道题只能选一个答案"), field="chosen")
    return values


# ---------------------------------------------------------------- the answer's statements on PostgreSQL


def _prepares() -> bool:
    return _connection().vendor == "postgresql"


def _connection():
    return connections[DEFAULT_DB_ALIAS]


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


@functools.cache
def _answer_fields() -> tuple:
    return tuple(f for f in Answer._meta.concrete_fields if not f.primary_key)


@functools.cache
def _sql(name: str) -> Statement:
    """The answer's statements, written once from the models' columns (the question joined by its
    campaign's bank, as the ORM's ``FilteredRelation`` does)."""
    attempt, campaign, question, answer = (m._meta.db_table for m in (Attempt, Campaign, Question, Answer))
    if name.startswith("facts_by_"):
        # The answerer: a member, a user's member, or a device token's (``core.sql.live_token``).
        kind = name.removeprefix("facts_by_")
        who, columns = {
            "member": (f"{attempt} a", ""),
            "user": (f"{Member._meta.db_table} m JOIN {attempt} a ON a.member_id = m.id AND m.user_id = %(user)s::bigint", ""),
            "token": (
                f"(SELECT u.id AS user_id, t.id AS token_id, t.last_used_at FROM {core_sql.live_token('%(token)s::text')}) w "
                f"JOIN {Member._meta.db_table} m ON m.user_id = w.user_id JOIN {attempt} a ON a.member_id = m.id",
                "w.user_id, w.token_id, w.last_used_at, ",
            ),
        }[kind]
        member = "a.member_id = %(member)s::bigint AND " if kind == "member" else ""
        # The earlier answers ride on the locked row (none: one row with NULLs). Read in the same
        # statement, they are as they were when it started: an answer committed while it waited
        # for the lock is found by the unique indexes instead (``_answer_retried``).
        sql = (
            f"SELECT {columns}{_columns(Attempt, 'a')}, {_columns(Campaign, 'c')}, {_columns(Question, 'q')}, {_columns(Answer, 'x')} "
            f"FROM {who} JOIN {campaign} c ON c.id = a.campaign_id "
            f"LEFT JOIN {question} q ON q.bank_id = c.bank_id AND q.id = %(question)s::bigint "
            f"LEFT JOIN {answer} x ON (x.member_id = a.member_id AND x.client_key = %(key)s::varchar) "
            "OR (x.attempt_id = a.id AND x.question_id = %(question)s::bigint) "
            "OR (x.member_id = a.member_id AND x.question_id = %(question)s::bigint AND x.day = a.day AND x.credited) "
            f"WHERE {member}a.id = %(attempt)s::bigint AND c.owner = %(owner)s::varchar "
            "FOR UPDATE OF a"
        )
    elif name == "answer_record":
        fields = _answer_fields()
        columns = ", ".join(f'"{f.column}"' for f in fields)
        values = ", ".join(f"%(answer_{f.attname})s::{f.db_type(_connection())}" for f in fields)
        counts = ", ".join(f'"{Attempt._meta.get_field(n).column}" = %(attempt_{n})s' for n in _COUNTED)
        ctes = [
            ("answer", f"INSERT INTO {answer} ({columns}) VALUES ({values}) RETURNING id, member_id, credited, points"),
            ("counted", f"UPDATE {attempt} SET {counts} FROM answer WHERE {attempt}.id = %(attempt_id)s::bigint RETURNING answer.id"),
            *credit_ctes(
                rows="SELECT member_id, CASE WHEN credited THEN points ELSE 0 END AS amount, "
                "%(source)s::varchar || id::text AS key FROM answer",
                reason="%(reason)s::varchar",
                actor="%(actor)s::bigint",
                now="%(now)s::timestamptz",
                memo="%(memo)s::varchar",
            ),
        ]
        # The token's use (NULL: none to mark); a data-modifying CTE runs whether or not it is read.
        used = f'"{ApiToken._meta.get_field("last_used_at").column}"'
        ctes.append(
            ("used", f"UPDATE {ApiToken._meta.db_table} SET {used} = %(now)s::timestamptz WHERE id = %(token)s::bigint RETURNING id")
        )
        sql = "WITH " + ", ".join(f"{n} AS ({body})" for n, body in ctes) + " SELECT id FROM counted"
        sql = " ".join(sql.split())
    else:
        raise KeyError(name)
    return Statement.of(sql)


def _send(name: str, params: dict):
    """Execute a statement, its rows left on the (kept) cursor that is returned."""
    statement = _sql(name)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params), prepare=True)
        return cursor


def _fetch_all(name: str, params: dict) -> list:
    statement = _sql(name)
    with prepared_cursor(raw=True) as cursor:
        cursor.execute(statement.text, statement.args(params), prepare=True)
        return cursor.fetchall()


def _split_row(row, *models) -> list:
    """The instances of ``models`` whose columns follow one another in ``row``, converted as the
    ORM converts them (a JSON column is text until its field reads it); an instance whose primary
    key is NULL (a LEFT JOIN that found nothing) is None."""
    instances, at = [], 0
    connection = _connection()
    for model in models:
        fields = model._meta.concrete_fields
        values = list(row[at : at + len(fields)])
        at += len(fields)
        if values[0] is None:
            instances.append(None)
            continue
        for n, field in enumerate(fields):
            if values[n] is not None and hasattr(field, "from_db_value"):
                values[n] = field.from_db_value(values[n], field, connection)
        instances.append(model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values))
    return instances
