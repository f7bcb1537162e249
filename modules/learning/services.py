"""Writes of the learning programme: contests on ``engines/quiz``, essay calls judged on
``engines/review``, the study library and study sessions with attendance."""

from __future__ import annotations

import datetime as dt
import random

import nh3
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Member, Organisation, User
from engines.quiz import services as quiz
from engines.review import selectors as review_selectors
from engines.review import services as review
from modules.learning import bank_import, rules
from modules.learning.models import (
    OWNER,
    Attempt,
    Attendance,
    Award,
    Campaign,
    Contest,
    Essay,
    EssayCall,
    Material,
    QuestionBank,
    StudySession,
)

LEDGER_REASON = "learning.contest"
ESSAY_RUBRIC_KEY = "learning.essay"
ESSAY_MAX_CHARS = 20000
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote", "h3", "h4"}


def _as(proxy, obj):
    obj.__class__ = proxy
    return obj


# ---------------------------------------------------------------- contests


def bank_import_file(*, actor, name: str, filename: str, data: bytes) -> dict:
    """Import (or refresh) a bank from an xlsx/CSV file; refused as a whole if any row is bad."""
    if not scoping.is_staff_member(actor):
        raise Forbidden("forbidden", _("只有工会工作人员可以导入题库"))
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise Invalid("bank_name_required", _("请填写题库名称（80 字以内）"), field="name")
    items, errors = bank_import.parse(bank_import.read_rows(filename, data))
    if errors:
        shown = errors[:20]
        more = _("……另有 %(n)s 行有误") % {"n": len(errors) - 20} if len(errors) > 20 else ""
        raise Invalid("bank_rows_invalid", "；".join(shown) + more, field="file", rows=errors)
    if not items:
        raise Invalid("bank_file_empty", _("题库文件中没有题目"), field="file")
    bank = quiz.bank_get_or_create(owner=OWNER, name=name)
    with transaction.atomic():
        result = quiz.questions_upsert(bank=bank, items=items)
        audit(actor=actor, action="learning.bank_import", obj=bank, changes=result)
    return result


def contest_create(
    *,
    actor,
    name: str,
    topic: str,
    bank: QuestionBank,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_limit_seconds: int,
    draw_rules: list[dict],
    pass_mark: int | None = None,
    points_per_correct: int = 0,
    organisation: Organisation | None = None,
    description: str = "",
) -> Contest:
    """A contest of ``organisation``'s members (None: the whole district)."""
    if not rules.may_run_for(actor, organisation):
        raise Forbidden("forbidden", _("没有权限为该工会举办竞赛"))
    name, topic = (name or "").strip(), (topic or "").strip()
    if not name or len(name) > 80:
        raise Invalid("name_required", _("请填写竞赛名称（80 字以内）"), field="name")
    if not topic or len(topic) > 60:
        raise Invalid("topic_required", _("请填写竞赛主题（60 字以内）"), field="topic")
    if bank is None or bank.owner != OWNER:
        raise Invalid("bank_required", _("请选择题库"), field="bank")
    if not starts_at or not ends_at or ends_at <= starts_at:
        raise Invalid("ends_before_start", _("结束时间必须晚于开始时间"), field="ends_at")
    if not 60 <= int(time_limit_seconds or 0) <= 4 * 3600:
        raise Invalid("time_limit_invalid", _("答题限时应在 1 到 240 分钟之间"), field="time_limit_seconds")
    if not 0 <= int(points_per_correct or 0) <= 100:
        raise Invalid("points_invalid", _("每题积分应在 0 到 100 之间"), field="points_per_correct")
    cleaned = quiz.draw_rules_clean(draw_rules, bank.questions.filter(is_active=True).values_list("topic", "difficulty"))
    if pass_mark is not None and pass_mark < 0:
        raise Invalid("pass_mark_invalid", _("及格分不能为负数"), field="pass_mark")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            kind=Campaign.Kind.CONTEST,
            bank=bank,
            questions_per_attempt=sum(r["count"] for r in cleaned),
            points_per_correct=int(points_per_correct or 0),
            starts_at=starts_at,
            ends_at=ends_at,
            time_limit_seconds=int(time_limit_seconds),
            draw_rules=cleaned,
            pass_mark=pass_mark,
            created_by=actor,
        )
        contest = Contest.objects.create(
            campaign=campaign, topic=topic, description=description, organisation=organisation, created_by=actor
        )
        audit(actor=actor, action="learning.contest_create", obj=contest, organisation=organisation, changes={"name": name})
    return contest


def contest_start(*, actor, contest: Contest, now: dt.datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """Start (or resume) the member's one attempt: two tabs or two taps get the same attempt."""
    member = scoping.member_for(actor)
    if not rules.member_in_reach(member, contest.organisation):
        raise Forbidden("not_eligible", _("只有本次竞赛范围内的在册会员可以参加"))
    return _as(Attempt, quiz.attempt_start(campaign=contest.campaign, member=member, now=now, rng=rng))


def contest_answer(
    *, actor, question_id, chosen, client_key: str, attempt_id: int | None = None, contest_id: int | None = None, now=None
) -> quiz.AnswerResult:
    """One answer, checked and timed on the server; points (if the contest gives any) credited once.

    The API names the attempt (``attempt_id``), the contest page its contest (``contest_id``):
    either way the engine finds the member's own attempt in the statement that locks it, so the
    page needs no look-up of the contest and the attempt before answering; named by its attempt,
    the engine finds the actor's member in that statement too."""
    if (attempt_id is None) == (contest_id is None):
        raise ValueError("name the attempt or the contest, not both")
    if contest_id is not None:
        member = scoping.member_for(actor)
        if member is None:
            raise Forbidden("not_a_member", _("只有在册会员可以参加答题"))
        who = {"member": member, "attempt_where": Q(campaign__learning_contest__pk=contest_id)}
    elif not getattr(actor, "is_authenticated", False):
        raise Forbidden("not_a_member", _("只有在册会员可以参加答题"))
    else:
        who = {"user": actor, "attempt_id": attempt_id}
    return quiz.answer_submit(
        owner=OWNER,
        ledger_reason=LEDGER_REASON,
        question_id=question_id,
        chosen=chosen,
        client_key=client_key,
        actor=actor,
        now=now,
        **who,
    )


def contest_answer_by_token(*, token_hash: str, attempt_id: int, question_id, chosen, client_key: str):
    """``contest_answer`` from the app, its device token resolved in the engine's statement
    (``quiz.answer_submit_by_token``): a ``quiz.TokenAnswer``, or None for the ordinary way."""
    return quiz.answer_submit_by_token(
        owner=OWNER,
        ledger_reason=LEDGER_REASON,
        token_hash=token_hash,
        attempt_id=attempt_id,
        question_id=question_id,
        chosen=chosen,
        client_key=client_key,
    )


# ---------------------------------------------------------------- essay calls


def essay_rubric(*, actor):
    """The standard essay rubric (created once; later calls use its newest version)."""
    found = review_selectors.latest_rubric(ESSAY_RUBRIC_KEY)
    if found is not None:
        return found
    return review.rubric_create(
        actor=actor,
        key=ESSAY_RUBRIC_KEY,
        name=_("征文评审标准"),
        items=[
            {"code": "theme", "title": _("主题鲜明、切合征文要求"), "weight": 30, "max_score": 10},
            {"code": "content", "title": _("内容真实、感情真挚"), "weight": 30, "max_score": 10},
            {"code": "structure", "title": _("结构完整、层次清楚"), "weight": 20, "max_score": 10},
            {"code": "language", "title": _("语言流畅、文字规范"), "weight": 20, "max_score": 10},
        ],
    )


def call_create(
    *,
    actor,
    title: str,
    topics: list[str],
    deadline: dt.datetime,
    opens_at: dt.datetime | None = None,
    organisation: Organisation | None = None,
    description: str = "",
    judges: list[User] | None = None,
) -> EssayCall:
    if not rules.may_run_for(actor, organisation):
        raise Forbidden("forbidden", _("没有权限为该工会发布征文"))
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise Invalid("title_required", _("请填写征文标题（120 字以内）"), field="title")
    topics = [t.strip()[:60] for t in topics or [] if t and t.strip()]
    if not topics:
        raise Invalid("topics_required", _("请至少填写一个征文主题"), field="topics")
    opens_at = opens_at or timezone.now()
    if deadline is None or deadline <= opens_at:
        raise Invalid("deadline_invalid", _("截止时间必须晚于开始时间"), field="deadline")
    with transaction.atomic():
        call = EssayCall.objects.create(
            title=title,
            description=description,
            topics=topics,
            organisation=organisation,
            opens_at=opens_at,
            deadline=deadline,
            rubric=essay_rubric(actor=actor),
            created_by=actor,
        )
        if judges:
            call.judges.set(judges)
        audit(actor=actor, action="learning.call_create", obj=call, organisation=organisation, changes={"title": title})
    return call


def call_judges_set(*, actor, call: EssayCall, judges: list[User]) -> EssayCall:
    if not rules.may_manage_call(actor, call):
        raise Forbidden("forbidden", _("没有权限管理该征文"))
    call.judges.set(judges)
    audit(actor=actor, action="learning.call_judges", obj=call, changes={"judges": [j.pk for j in judges]})
    return call


def clean_body(raw: str) -> str:
    """Rich text kept to a safe subset (no scripts, styles, links or images)."""
    cleaned = nh3.clean(raw or "", tags=ALLOWED_TAGS, attributes={}, link_rel=None).strip()
    if "<" not in cleaned:
        paragraphs = [p.strip() for p in cleaned.replace("\r\n", "\n").split("\n\n") if p.strip()]
        cleaned = "".join(f"<p>{p}</p>" for p in paragraphs)
    return cleaned


def essay_submit(
    *, actor, call: EssayCall, topic: str, title: str, body: str, now: dt.datetime | None = None, expected_updated_at=None
) -> Essay:
    """Submit (or, before the deadline, revise) the member's one entry to the call."""
    now = now or timezone.now()
    member = scoping.member_for(actor)
    if not rules.member_in_reach(member, call.organisation):
        raise Forbidden("not_eligible", _("只有本次征文范围内的在册会员可以投稿"))
    if not call.is_open(now):
        raise Conflict("call_closed", _("征文已截止或尚未开始"), field="call")
    title, topic = (title or "").strip(), (topic or "").strip()
    if not title or len(title) > 120:
        raise Invalid("title_required", _("请填写作品题目（120 字以内）"), field="title")
    if topic not in call.topics:
        raise Invalid("topic_invalid", _("请选择本次征文的主题"), field="topic")
    body = clean_body(body)
    text_length = len(nh3.clean(body, tags=set()).strip())
    if text_length < 50:
        raise Invalid("body_too_short", _("正文至少 50 字"), field="body")
    if len(body) > ESSAY_MAX_CHARS:
        raise Invalid("body_too_long", _("正文不能超过 %(n)s 字") % {"n": ESSAY_MAX_CHARS}, field="body")
    with transaction.atomic():
        EssayCall.objects.select_for_update().filter(pk=call.pk).exists()  # codes are numbered one at a time
        essay = Essay.objects.filter(call=call, member=member).first()
        if essay is not None:
            if expected_updated_at is not None and essay.updated_at != expected_updated_at:
                raise Conflict("stale", _("作品已在别处修改，请刷新后再改"), field="body")
            essay.topic, essay.title, essay.body = topic, title, body
            essay.save(update_fields=["topic", "title", "body", "updated_at"])
            audit(actor=actor, action="learning.essay_revise", obj=essay)
            return essay
        count = Essay.objects.filter(call=call).count()
        try:
            with transaction.atomic():
                essay = Essay.objects.create(
                    call=call,
                    code=f"Z{call.pk:03d}-{count + 1:04d}",
                    member=member,
                    organisation=member.organisation,
                    topic=topic,
                    title=title,
                    body=body,
                    submitted_at=now,
                )
        except IntegrityError:
            raise Conflict("already_submitted", _("您已投稿，请刷新页面修改原稿"), field="call") from None
        audit(actor=actor, action="learning.essay_submit", obj=essay, organisation=member.organisation)
    return essay


def call_close(*, actor, call: EssayCall) -> EssayCall:
    """End the submissions and open an anonymous evaluation of every entry for the judges."""
    if not rules.may_manage_call(actor, call):
        raise Forbidden("forbidden", _("没有权限管理该征文"))
    with transaction.atomic():
        call = EssayCall.objects.select_for_update().get(pk=call.pk)
        if call.status != EssayCall.Status.OPEN:
            raise Conflict("call_not_open", _("征文已进入评审"), field="status")
        if not call.judges.exists():
            raise Conflict("no_judges", _("请先指定评委"), field="judges")
        for essay in call.essays.filter(evaluation__isnull=True):
            # The evaluation's title is the entry's code: the engine never holds the author's name.
            essay.evaluation = review.evaluation_open(actor=actor, rubric=call.rubric, subject=essay, title=essay.code)
            essay.save(update_fields=["evaluation"])
        call.status = EssayCall.Status.JUDGING
        call.save(update_fields=["status"])
        audit(actor=actor, action="learning.call_close", obj=call)
    from core.notifications import notify

    notify(recipients=list(call.judges.all()), title=_("征文待评审：%(t)s") % {"t": call.title}, subject=call, url="/learning/judge/")
    return call


def essay_score(*, actor, essay: Essay, scores: dict, comment: str = ""):
    """A judge's marks for one entry (a judge may revise them until the results are published)."""
    call = essay.call
    if not rules.is_judge(actor, call):
        raise NotFound("not_found", _("找不到该作品"))
    if call.status != EssayCall.Status.JUDGING or essay.evaluation is None:
        raise Conflict("not_judging", _("该征文不在评审阶段"), field="status")
    return review.scores_submit(actor=actor, evaluation=essay.evaluation, scores=scores, comment=(comment or "")[:2000])


def essay_award(*, actor, essay: Essay, award: str) -> Essay:
    if not rules.may_manage_call(actor, essay.call):
        raise Forbidden("forbidden", _("没有权限管理该征文"))
    if award not in Award.values:
        raise Invalid("award_invalid", _("奖项无效"), field="award")
    if essay.call.status == EssayCall.Status.PUBLISHED:
        raise Conflict("call_published", _("结果已发布，不能再改奖项"), field="award")
    essay.award = award
    essay.save(update_fields=["award", "updated_at"])
    audit(actor=actor, action="learning.essay_award", obj=essay, changes={"award": award})
    return essay


def call_publish(*, actor, call: EssayCall) -> EssayCall:
    """Lock every scored evaluation and publish the awards and the collection."""
    if not rules.may_manage_call(actor, call):
        raise Forbidden("forbidden", _("没有权限管理该征文"))
    with transaction.atomic():
        call = EssayCall.objects.select_for_update().get(pk=call.pk)
        if call.status != EssayCall.Status.JUDGING:
            raise Conflict("not_judging", _("只有评审中的征文可以发布结果"), field="status")
        if not call.essays.exclude(award="").exists():
            raise Conflict("no_awards", _("请先评定奖项"), field="award")
        for essay in call.essays.select_related("evaluation").filter(evaluation__scorer_count__gt=0, evaluation__status="open"):
            review.evaluation_approve(actor=actor, evaluation=essay.evaluation)
        call.status, call.published_at = EssayCall.Status.PUBLISHED, timezone.now()
        call.save(update_fields=["status", "published_at"])
        audit(actor=actor, action="learning.call_publish", obj=call)
    return call


# ---------------------------------------------------------------- the library and sessions


def material_create(
    *, actor, title: str, kind: str, topic: str, summary: str = "", url: str = "", organisation: Organisation | None = None
) -> Material:
    if not rules.may_run_for(actor, organisation):
        raise Forbidden("forbidden", _("没有权限发布学习资料"))
    title, topic = (title or "").strip(), (topic or "").strip()
    if not title or len(title) > 120:
        raise Invalid("title_required", _("请填写标题（120 字以内）"), field="title")
    if not topic or len(topic) > 60:
        raise Invalid("topic_required", _("请填写专题（60 字以内）"), field="topic")
    if kind not in Material.Kind.values:
        raise Invalid("kind_invalid", _("请选择资料类型"), field="kind")
    url = (url or "").strip()
    if kind in (Material.Kind.VIDEO, Material.Kind.LINK) and not url.startswith(("https://", "http://")):
        raise Invalid("url_required", _("视频和链接须填写以 http:// 或 https:// 开头的地址"), field="url")
    material = Material.objects.create(
        title=title, kind=kind, topic=topic, summary=(summary or "")[:300], url=url[:200], organisation=organisation, created_by=actor
    )
    audit(actor=actor, action="learning.material_create", obj=material, organisation=organisation)
    return material


def session_create(
    *, actor, organisation: Organisation, title: str, held_at: dt.datetime, kind: str = StudySession.Kind.CENTRE_GROUP,
    topic: str = "", place: str = "", notes: str = "", materials=(),
) -> StudySession:  # fmt: skip
    if organisation is None or not (scoping.is_staff_member(actor) and scoping.can_view_organisation(actor, organisation)):
        raise Forbidden("forbidden", _("没有权限为该工会登记学习活动"))
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise Invalid("title_required", _("请填写学习主题（120 字以内）"), field="title")
    if kind not in StudySession.Kind.values:
        raise Invalid("kind_invalid", _("请选择学习形式"), field="kind")
    if held_at is None:
        raise Invalid("held_at_required", _("请填写学习时间"), field="held_at")
    with transaction.atomic():
        session = StudySession.objects.create(
            organisation=organisation, kind=kind, title=title, topic=(topic or "")[:60], held_at=held_at,
            place=(place or "")[:120], notes=notes or "", created_by=actor,
        )  # fmt: skip
        if materials:
            session.materials.set(materials)
        audit(actor=actor, action="learning.session_create", obj=session, organisation=organisation)
    return session


def attendance_record(*, actor, session: StudySession, member_ids) -> int:
    """Mark members present (members of the session's union subtree); marking twice changes nothing."""
    if not rules.may_manage_session(actor, session):
        raise Forbidden("forbidden", _("没有权限登记该学习活动"))
    try:
        ids = {int(i) for i in member_ids}
    except (TypeError, ValueError):
        raise Invalid("member_invalid", _("参加人员无效"), field="members") from None
    members = list(
        Member.objects.filter(
            pk__in=ids, status=Member.Status.ACTIVE, organisation__path__startswith=session.organisation.path
        ).values_list("pk", "organisation_id")
    )
    if len(members) != len(ids):
        raise Invalid("member_out_of_scope", _("只能登记本工会的在册会员"), field="members")
    rows = [Attendance(session=session, member_id=pk, organisation_id=org, recorded_by=actor) for pk, org in members]
    before = Attendance.objects.filter(session=session).count()
    Attendance.objects.bulk_create(rows, ignore_conflicts=True)
    added = Attendance.objects.filter(session=session).count() - before
    audit(actor=actor, action="learning.attendance_record", obj=session, organisation=session.organisation, changes={"added": added})
    return added


def attendance_checkin(*, actor, session: StudySession, now: dt.datetime | None = None) -> bool:
    """A member signs in to a session of their own union on the day; twice is once."""
    now = now or timezone.now()
    member = scoping.member_for(actor)
    if not rules.member_in_reach(member, session.organisation):
        raise Forbidden("not_eligible", _("只有本工会会员可以签到"))
    if abs((now - session.held_at).total_seconds()) > 12 * 3600:
        raise Conflict("checkin_closed", _("只能在学习当天签到"), field="session")
    _row, created = Attendance.objects.get_or_create(
        session=session, member=member, defaults={"organisation_id": member.organisation_id, "recorded_by": actor}
    )
    return created
