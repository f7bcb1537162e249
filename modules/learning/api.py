"""JSON API of the learning programme (/api/v1/learning/): contests (start, questions without
answers, answers checked on the server, the team ranking), essays (submit, judge anonymously),
study sessions with attendance, and participation figures."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError

from core import scoping
from core.api import ErrorOut
from core.errors import Forbidden, Invalid, NotFound
from modules.learning import selectors, services
from modules.learning.models import Question

router = Router(tags=["learning"])


class LearningContestOut(Schema):
    id: int
    name: str
    topic: str
    organisation: str | None
    starts_at: datetime
    ends_at: datetime | None
    time_limit_seconds: int | None
    questions: int
    pass_mark: int | None


def _contest_out(contest) -> dict:
    c = contest.campaign
    return {
        "id": contest.pk, "name": c.name, "topic": contest.topic,
        "organisation": contest.organisation.name if contest.organisation else None,
        "starts_at": c.starts_at, "ends_at": c.ends_at, "time_limit_seconds": c.time_limit_seconds,
        "questions": c.questions_per_attempt, "pass_mark": c.pass_mark,
    }  # fmt: skip


class LearningQuestionOut(Schema):
    id: int
    kind: str
    text: str
    options: list[str]
    marks: int


class LearningAttemptOut(Schema):
    id: int
    started_at: datetime
    deadline: datetime | None
    seconds_left: int | None
    answered: int
    score: int
    max_score: int
    finished: bool
    passed: bool
    questions: list[LearningQuestionOut]


def _attempt_out(attempt) -> dict:
    by_id = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    now = timezone.now()
    return {
        "id": attempt.pk, "started_at": attempt.started_at, "deadline": attempt.deadline,
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds())) if attempt.deadline else None,
        "answered": attempt.answered, "score": attempt.score, "max_score": attempt.max_score,
        "finished": attempt.finished, "passed": attempt.passed(),
        # The member's own order, the same on every reload; never the right answers.
        "questions": [
            {"id": q.pk, "kind": q.kind, "text": q.text, "options": q.options, "marks": q.marks}
            for q in (by_id[i] for i in attempt.question_ids if i in by_id)
        ],
    }  # fmt: skip


def _contest(request, contest_id: int):
    contest = selectors.contest_for(request.user, contest_id)
    if contest is None and not request.user.is_authenticated:
        # A union's own contest is not public: a visitor is asked to sign in (it may be theirs).
        raise AuthenticationError()
    if contest is None:
        raise NotFound("contest_not_found", _("找不到这个竞赛"), field="contest_id")
    return contest


@router.get("/contests", auth=None, response=list[LearningContestOut], summary="知识竞赛列表")
def contest_list(request):
    return [_contest_out(c) for c in selectors.contests_for(request.user)[:100]]


@router.post(
    "/contests/{contest_id}/start",
    response={200: LearningAttemptOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="开始（或继续）答题：服务器计时",
)
def contest_start(request, contest_id: int):
    attempt = services.contest_start(actor=request.user, contest=_contest(request, contest_id))
    return _attempt_out(attempt)


@router.get(
    "/contests/{contest_id}/attempt",
    response={200: LearningAttemptOut, 401: ErrorOut, 404: ErrorOut},
    summary="我的答卷（题目顺序不变，不含答案）",
)
def contest_attempt(request, contest_id: int):
    attempt = selectors.my_attempt(request.user, _contest(request, contest_id))
    if attempt is None:
        raise NotFound("attempt_not_found", _("还没有开始答题"), field="contest_id")
    return _attempt_out(attempt)


class LearningAnswerIn(Schema):
    question_id: int
    chosen: list[int] = Field(max_length=6)
    client_key: str = Field(max_length=64)


class LearningAnswerOut(Schema):
    question_id: int
    is_correct: bool
    in_time: bool
    points: int
    score: int
    answered: int
    finished: bool
    replayed: bool


@router.post(
    "/attempts/{attempt_id}/answers",
    response={200: LearningAnswerOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="提交一题答案（服务器判分、计时；同一提交编号重试不重复计分）",
)
def answer_submit(request, attempt_id: int, payload: LearningAnswerIn):
    result = services.contest_answer(
        actor=request.user, attempt_id=attempt_id, question_id=payload.question_id, chosen=payload.chosen, client_key=payload.client_key
    )
    return answer_out(result)


def answer_out(result) -> dict:
    """``LearningAnswerOut`` of an answer (here and at the WSGI door, modules/learning/hot_path.py)."""
    attempt = result.answer.attempt  # the engine's own row, counted in its transaction (no second read)
    return {
        "question_id": result.question.pk, "is_correct": result.answer.is_correct, "in_time": result.answer.in_time,
        "points": result.answer.points, "score": attempt.score, "answered": attempt.answered,
        "finished": attempt.answered >= len(attempt.question_ids), "replayed": not result.created,
    }  # fmt: skip


class LearningTeamRowOut(Schema):
    rank: int
    organisation_id: int
    name: str
    street: str
    participants: int
    average: float
    passed: int


@router.get(
    "/contests/{contest_id}/ranking", auth=None, response={200: list[LearningTeamRowOut], 404: ErrorOut}, summary="团体排名（按工会）"
)
def contest_ranking(request, contest_id: int, limit: int = 50):
    return selectors.team_ranking(_contest(request, contest_id), limit=max(1, min(limit, 500)))


class LearningCallOut(Schema):
    id: int
    title: str
    topics: list[str]
    status: str
    deadline: datetime


@router.get("/essays/calls", auth=None, response=list[LearningCallOut], summary="征文活动列表")
def call_list(request):
    return list(selectors.calls_for(request.user)[:100])


class LearningEssayIn(Schema):
    topic: str = Field(max_length=60)
    title: str = Field(max_length=120)
    body: str = Field(max_length=40000)


class LearningEssayOut(Schema):
    id: int
    code: str
    topic: str
    title: str
    body: str
    submitted_at: datetime


@router.post(
    "/essays/calls/{call_id}/essay",
    response={200: LearningEssayOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="投稿或修改我的作品（截止前）",
)
def essay_submit(request, call_id: int, payload: LearningEssayIn):
    call = selectors.call_for(request.user, call_id)
    if call is None:
        raise NotFound("call_not_found", _("找不到这个征文活动"), field="call_id")
    return services.essay_submit(actor=request.user, call=call, topic=payload.topic, title=payload.title, body=payload.body)


class LearningJudgeEssayOut(Schema):
    id: int
    code: str
    topic: str
    title: str
    scored: bool


@router.get("/judge/essays", response={200: list[LearningJudgeEssayOut], 401: ErrorOut}, summary="待我评审的作品（匿名）")
def judge_list(request):
    return selectors.judge_inbox(request.user)


class LearningScoresIn(Schema):
    scores: dict[str, float | str]
    comment: str = Field("", max_length=2000)


class LearningScoresOut(Schema):
    total: str | None
    others: list[dict]


@router.post(
    "/judge/essays/{essay_id}/scores",
    response={200: LearningScoresOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="评委评分；提交后可见其他评委的总分",
)
def judge_score(request, essay_id: int, payload: LearningScoresIn):
    essay = selectors.essay_for_judge(request.user, essay_id)
    if essay is None:
        raise NotFound("not_found", _("找不到该作品"), field="essay_id")
    sheet = services.essay_score(actor=request.user, essay=essay, scores=payload.scores, comment=payload.comment)
    others = selectors.other_judges_sheets(request.user, essay) or []
    return {"total": str(sheet.total), "others": [{"judge": o.judge, "total": str(o.total)} for o in others]}


class LearningAttendanceIn(Schema):
    member_ids: list[int] = Field(max_length=2000)


class LearningAttendanceOut(Schema):
    added: int
    present: int


@router.post(
    "/sessions/{session_id}/attendance",
    response={200: LearningAttendanceOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="登记学习活动的参加人员",
)
def attendance(request, session_id: int, payload: LearningAttendanceIn):
    session = selectors.session_for(request.user, session_id)
    if session is None:
        raise NotFound("session_not_found", _("找不到该学习活动"), field="session_id")
    added = services.attendance_record(actor=request.user, session=session, member_ids=payload.member_ids)
    return {"added": added, "present": session.attendances.count()}


class LearningParticipationOut(Schema):
    id: int | None
    name: str
    sessions: int
    attendances: int
    contest: int
    essays: int
    total: int


@router.get(
    "/participation",
    response={200: list[LearningParticipationOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="学习参与情况（按工会或街道）",
)
def participation(request, year: int | None = None, by: str = "organisation"):
    if not scoping.is_staff_member(request.user):
        raise Forbidden("forbidden", _("只有工会工作人员可以查看"))
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2100:
        raise Invalid("year_invalid", _("年份应在 2000 到 2100 之间"), field="year")
    if by not in ("organisation", "street"):
        raise Invalid("by_invalid", _("分组方式只能是 organisation 或 street"), field="by")
    return selectors.participation(year, request.user, by)
