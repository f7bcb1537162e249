"""Pages of the learning programme: the worker's phone pages (contests, essays, the library),
the judge's anonymous scoring, and the staff desk (banks, contests, calls, sessions, figures)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, scoping
from core.audit import audit
from core.errors import ApiError, NotFound
from core.models import Member, Organisation, RoleAssignment, User
from engines.quiz.models import Difficulty
from modules.learning import reports, rules, selectors, services
from modules.learning.models import Award, Contest, Essay, EssayCall, Material, Question, QuestionBank, StudySession

PAGE_SIZE = 30


def _staff_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


def _file(response_bytes: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(response_bytes, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _when(raw: str | None):
    """A datetime-local field (``2026-05-01T09:00``) in Beijing time; None when blank or bad."""
    value = parse_datetime((raw or "").strip()) if raw else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _int(raw, default=None):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return default


def _year(request) -> int:
    """The year asked for, or this year when it is missing or out of range."""
    year = _int(request.GET.get("year"))
    return year if year is not None and 2000 <= year <= 2100 else timezone.localdate().year


def _my_unions(user) -> list[Organisation]:
    """The unions a staff user may run activities for (their own roles' unions)."""
    return [a.organisation for a in scoping.role_assignments(user) if a.role in scoping.STAFF_ROLES]


# ---------------------------------------------------------------- the worker's pages


def home(request):
    """What there is to learn and take part in, for a phone."""
    user = request.user
    now = timezone.now()
    contests = list(selectors.contests_for(user)[:20])
    calls = list(selectors.calls_for(user)[:20])
    return render(
        request,
        "learning/home.html",
        {
            "contests": contests,
            "running": [c for c in contests if c.campaign.is_running(now)],
            "calls": calls,
            "topics": selectors.material_topics(user),
            "member": scoping.member_for(user),
            "now": now,
        },
    )


def contest_detail(request, pk):
    contest = selectors.contest_for(request.user, pk)
    if contest is None:
        raise Http404
    campaign = contest.campaign
    now = timezone.now()
    attempt = selectors.my_attempt(request.user, contest)
    state = "running" if campaign.is_running(now) else ("upcoming" if now < campaign.starts_at else "ended")
    return render(
        request,
        "learning/contest.html",
        {
            "contest": contest,
            "campaign": campaign,
            "attempt": attempt,
            "state": state,
            "eligible": rules.may_take_contest(request.user, contest),
            "member": scoping.member_for(request.user),
            "figures": selectors.contest_figures(contest),
        },
    )


@login_required
@require_POST
def contest_start(request, pk):
    contest = selectors.contest_for(request.user, pk)
    if contest is None:
        raise Http404
    try:
        services.contest_start(actor=request.user, contest=contest)
    except ApiError as error:
        messages.error(request, str(error.message))
        return redirect("learning:contest", pk)
    return redirect("learning:contest_take", pk)


@login_required
def contest_take(request, pk):
    """The next unanswered question of the member's attempt, in the member's own order."""
    contest = selectors.contest_for(request.user, pk)
    attempt = selectors.my_attempt(request.user, contest) if contest else None
    if attempt is None:
        raise Http404
    answered = set(attempt.answers.values_list("question_id", flat=True))
    remaining = [q for q in attempt.question_ids if q not in answered]
    now = timezone.now()
    question = Question.objects.filter(pk=remaining[0]).first() if remaining and attempt.is_open(now) else None
    left = max(0, int((attempt.deadline - now).total_seconds())) if attempt.deadline else None
    return render(
        request,
        "learning/take.html",
        {
            "contest": contest,
            "attempt": attempt,
            "question": question,
            "number": len(answered) + 1,
            "total": len(attempt.question_ids),
            "seconds_left": left,
            "client_key": uuid.uuid4().hex,
            "finished": not remaining or not attempt.is_open(now),
            "passed": attempt.passed(),
        },
    )


@login_required
@require_POST
def contest_answer(request, pk):
    """One answer from the contest page. The member's attempt at this contest is found (and
    locked) by the engine itself: a member without one, or a visitor, gets a 404 as before."""
    if scoping.member_for(request.user) is None:
        raise Http404
    try:
        services.contest_answer(
            actor=request.user,
            contest_id=pk,
            question_id=request.POST.get("question"),
            chosen=request.POST.getlist("choice"),
            client_key=request.POST.get("client_key", ""),
        )
    except NotFound:
        raise Http404 from None
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("learning:contest_take", pk)


@login_required
def certificate(request, pk):
    contest = selectors.contest_for(request.user, pk)
    attempt = selectors.my_attempt(request.user, contest) if contest else None
    if attempt is None or not attempt.passed():
        raise Http404
    return _file(reports.certificate_pdf(contest, attempt), "application/pdf", f"certificate-{contest.pk}.pdf")


def contest_ranking(request, pk):
    contest = selectors.contest_for(request.user, pk)
    if contest is None:
        raise Http404
    return render(
        request,
        "learning/ranking.html",
        {
            "contest": contest,
            "rows": selectors.team_ranking(contest),
            "can_export": rules.may_manage_contest(request.user, contest),
            # The table is kept rendered (per language) as long as the rows are: a hundred rows
            # of numbers localised one by one cost more than the rest of the page.
            "ranking_seconds": selectors.RANKING_SECONDS,
        },
    )


@login_required
def contest_ranking_xlsx(request, pk):
    contest = selectors.contest_for(request.user, pk)
    if contest is None or not rules.may_manage_contest(request.user, contest):
        raise Http404
    audit(actor=request.user, action="learning.ranking_export", obj=contest)
    return _file(reports.ranking_xlsx(contest), reports.XLSX, f"contest-{contest.pk}-ranking.xlsx")


def call_detail(request, pk):
    call = selectors.call_for(request.user, pk)
    if call is None:
        raise Http404
    essay = selectors.my_essay(request.user, call)
    return render(
        request,
        "learning/call.html",
        {
            "call": call,
            "essay": essay,
            "open": call.is_open(),
            "eligible": rules.member_in_reach(scoping.member_for(request.user), call.organisation),
            "member": scoping.member_for(request.user),
            "attachments": attachments.attachments_of(essay) if essay else [],
            "can_attach": essay is not None and rules.may_change_essay(request.user, essay),
            "upload_url": reverse("learning:essay_attach", args=[pk]),
            "awarded": selectors.awarded(call) if call.status == EssayCall.Status.PUBLISHED else [],
        },
    )


@login_required
@require_POST
def essay_submit(request, pk):
    call = selectors.call_for(request.user, pk)
    if call is None:
        raise Http404
    try:
        services.essay_submit(
            actor=request.user,
            call=call,
            topic=request.POST.get("topic", ""),
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
        messages.success(request, _("作品已提交，截止前可以修改。"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("learning:call", pk)


@login_required
@require_POST
def essay_attach(request, pk):
    call = selectors.call_for(request.user, pk)
    essay = selectors.my_essay(request.user, call) if call else None
    if essay is None:
        raise Http404
    try:
        attachments.attachment_add(actor=request.user, owner=essay, upload=request.FILES.get("file"))
        messages.success(request, _("附件已上传"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("learning:call", pk)


def collection(request, pk):
    call = selectors.call_for(request.user, pk)
    if call is None or call.status != EssayCall.Status.PUBLISHED:
        raise Http404
    return _file(reports.collection_pdf(call), "application/pdf", f"essays-{call.pk}.pdf")


def materials(request):
    topic = request.GET.get("topic", "")[:60]
    page = Paginator(selectors.materials_for(request.user, topic), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/materials.html",
        {"page": page, "topic": topic, "topics": selectors.material_topics(request.user), "query": f"topic={topic}" if topic else ""},
    )


def material_detail(request, pk):
    material = selectors.materials_for(request.user).filter(pk=pk).first()
    if material is None:
        raise Http404
    return render(
        request,
        "learning/material.html",
        {
            "material": material,
            "attachments": attachments.attachments_of(material),
            "can_attach": rules.may_change_material(request.user, material),
        },
    )


# ---------------------------------------------------------------- judges


@login_required
def judge_inbox(request):
    return render(request, "learning/judge_inbox.html", {"essays": selectors.judge_inbox(request.user)})


@login_required
def judge_essay(request, pk):
    """One entry, anonymous: code, topic, title and text. Other judges' totals appear only once
    this judge's own marks are in."""
    essay = selectors.essay_for_judge(request.user, pk)
    if essay is None:
        raise Http404
    items = list(essay.call.rubric.items.all())
    if request.method == "POST":
        try:
            services.essay_score(
                actor=request.user,
                essay=essay,
                scores={item.code: request.POST.get(f"score_{item.code}", "") for item in items},
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("评分已保存"))
            return redirect("learning:judge_essay", pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    sheet = selectors.own_sheet(request.user, essay)
    mine = {s.item.code: s.value for s in sheet.scores.all()} if sheet else {}
    return render(
        request,
        "learning/judge_essay.html",
        {
            "essay": essay,
            "items": [(item, mine.get(item.code, "")) for item in items],
            "sheet": sheet,
            "others": selectors.other_judges_sheets(request.user, essay),
            "judging": essay.call.status == EssayCall.Status.JUDGING,
        },
    )


# ---------------------------------------------------------------- the staff desk


@login_required
def staff_home(request):
    _staff_only(request.user)
    user = request.user
    year = _year(request)
    contests = [c for c in Contest.objects.select_related("campaign", "organisation").filter(
        Q(organisation__isnull=True) | scoping.organisation_scope_q(user, "organisation"))[:30]]  # fmt: skip
    calls = EssayCall.objects.filter(Q(organisation__isnull=True) | scoping.organisation_scope_q(user, "organisation"))[:30]
    return render(
        request,
        "learning/staff_home.html",
        {
            "contests": contests,
            "calls": calls,
            "sessions": selectors.sessions_visible_to(user)[:30],
            "banks": QuestionBank.objects.all()[:50],
            "year": year,
            "by_org": selectors.participation(year, user, "organisation")[:50],
            "by_street": selectors.participation(year, user, "street"),
            "is_district": scoping.is_district_staff(user),
        },
    )


@login_required
def participation_xlsx(request):
    _staff_only(request.user)
    year = _year(request)
    by = "street" if request.GET.get("by") == "street" else "organisation"
    audit(actor=request.user, action="learning.participation_export", changes={"year": year, "by": by})
    return _file(reports.participation_xlsx(year, request.user, by), reports.XLSX, f"learning-{by}-{year}.xlsx")


@login_required
def bank_import(request):
    _staff_only(request.user)
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise services.Invalid("file_required", _("请选择题库文件（xlsx 或 CSV）"), field="file")
            result = services.bank_import_file(
                actor=request.user, name=request.POST.get("name", ""), filename=upload.name, data=upload.read(bank_import_limit())
            )
            messages.success(request, _("导入完成：新增 %(c)s 题，更新 %(u)s 题，未变 %(n)s 题") % {
                "c": result["created"], "u": result["updated"], "n": result["unchanged"]})  # fmt: skip
        except ApiError as error:
            return render(
                request, "learning/bank_import.html", {"error": error, "rows": getattr(error, "extra", {}).get("rows", [])}, status=422
            )
    return render(request, "learning/bank_import.html", {"result": result})


def bank_import_limit() -> int:
    from modules.learning.bank_import import MAX_BYTES

    return MAX_BYTES + 1


def _unions_field(request) -> tuple[Organisation | None, bool]:
    """The union chosen on a form ("" = the whole district); False when it is not the user's to choose."""
    raw = request.POST.get("organisation", "")
    if not raw:
        return None, True
    org = Organisation.objects.filter(pk=_int(raw, 0)).first()
    return org, org is not None


@login_required
def contest_new(request):
    _staff_only(request.user)
    banks = list(QuestionBank.objects.all())
    topics = sorted({t for t in Question.objects.values_list("topic", flat=True) if t})
    if request.method == "POST":
        organisation, ok = _unions_field(request)
        rules_in = []
        for n in range(1, 6):
            count = _int(request.POST.get(f"count_{n}"), 0)
            if count:
                rules_in.append(
                    {
                        "topic": request.POST.get(f"topic_{n}", ""),
                        "difficulty": _int(request.POST.get(f"difficulty_{n}"), 0),
                        "count": count,
                    }
                )
        try:
            if not ok:
                raise services.Invalid("organisation_invalid", _("主办工会无效"), field="organisation")
            contest = services.contest_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                topic=request.POST.get("topic", ""),
                description=request.POST.get("description", ""),
                bank=next((b for b in banks if str(b.pk) == request.POST.get("bank")), None),
                starts_at=_when(request.POST.get("starts_at")),
                ends_at=_when(request.POST.get("ends_at")),
                time_limit_seconds=_int(request.POST.get("minutes"), 0) * 60,
                draw_rules=rules_in,
                pass_mark=_int(request.POST.get("pass_mark")),
                points_per_correct=_int(request.POST.get("points"), 0),
                organisation=organisation,
            )
            messages.success(request, _("竞赛已发布"))
            return redirect("learning:contest", contest.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "learning/contest_form.html",
        {"banks": banks, "topics": topics, "difficulties": Difficulty.choices, "unions": _my_unions(request.user),
         "is_district": scoping.is_district_staff(request.user), "rule_rows": range(1, 6), "post": request.POST},
    )  # fmt: skip


@login_required
def call_new(request):
    _staff_only(request.user)
    if request.method == "POST":
        organisation, ok = _unions_field(request)
        try:
            if not ok:
                raise services.Invalid("organisation_invalid", _("主办工会无效"), field="organisation")
            call = services.call_create(
                actor=request.user,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                topics=request.POST.get("topics", "").splitlines(),
                deadline=_when(request.POST.get("deadline")),
                organisation=organisation,
            )
            messages.success(request, _("征文已发布"))
            return redirect("learning:call_manage", call.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "learning/call_form.html",
        {"unions": _my_unions(request.user), "is_district": scoping.is_district_staff(request.user), "post": request.POST},
    )


def _managed_call(user, pk) -> EssayCall:
    call = get_object_or_404(EssayCall, pk=pk)
    if not rules.may_manage_call(user, call):
        raise Http404
    return call


@login_required
def call_manage(request, pk):
    call = _managed_call(request.user, pk)
    essays = list(selectors.essays_visible_to(request.user, call).order_by("code"))
    return render(
        request,
        "learning/call_manage.html",
        {
            "call": call,
            "essays": essays,
            "judges": call.judges.all(),
            "experts": User.objects.filter(roles__role=RoleAssignment.Role.EXPERT).distinct().order_by("display_name"),
            "awards": Award.choices,
            "award_labels": dict(Award.choices),
        },
    )


@login_required
@require_POST
def call_action(request, pk):
    call = _managed_call(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "judges":
            ids = [_int(i, 0) for i in request.POST.getlist("judges")]
            judges = list(User.objects.filter(pk__in=ids, roles__role=RoleAssignment.Role.EXPERT).distinct())
            services.call_judges_set(actor=request.user, call=call, judges=judges)
            messages.success(request, _("评委已更新"))
        elif action == "close":
            services.call_close(actor=request.user, call=call)
            messages.success(request, _("征文已截止，评委可以开始评审"))
        elif action == "award":
            essay = get_object_or_404(Essay, pk=_int(request.POST.get("essay"), 0), call=call)
            services.essay_award(actor=request.user, essay=essay, award=request.POST.get("award", ""))
            messages.success(request, _("奖项已更新"))
        elif action == "publish":
            services.call_publish(actor=request.user, call=call)
            messages.success(request, _("评审结果和作品集已发布"))
        else:
            messages.error(request, _("未知操作"))
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("learning:call_manage", pk)


@login_required
def call_essays_xlsx(request, pk):
    call = _managed_call(request.user, pk)
    audit(actor=request.user, action="learning.essays_export", obj=call)
    return _file(reports.essays_xlsx(call, request.user), reports.XLSX, f"essays-{call.pk}.xlsx")


@login_required
def material_new(request):
    _staff_only(request.user)
    if request.method == "POST":
        organisation, ok = _unions_field(request)
        try:
            if not ok:
                raise services.Invalid("organisation_invalid", _("发布工会无效"), field="organisation")
            material = services.material_create(
                actor=request.user,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", ""),
                topic=request.POST.get("topic", ""),
                summary=request.POST.get("summary", ""),
                url=request.POST.get("url", ""),
                organisation=organisation,
            )
            if request.FILES.get("file"):
                attachments.attachment_add(actor=request.user, owner=material, upload=request.FILES["file"])
            messages.success(request, _("学习资料已发布"))
            return redirect("learning:material", material.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "learning/material_form.html",
        {"kinds": Material.Kind.choices, "unions": _my_unions(request.user), "is_district": scoping.is_district_staff(request.user),
         "post": request.POST},
    )  # fmt: skip


@login_required
def session_new(request):
    _staff_only(request.user)
    unions = _my_unions(request.user) or list(scoping.organisations_visible_to(request.user)[:1])
    if request.method == "POST":
        organisation = scoping.organisations_visible_to(request.user).filter(pk=_int(request.POST.get("organisation"), 0)).first()
        try:
            session = services.session_create(
                actor=request.user,
                organisation=organisation,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", StudySession.Kind.CENTRE_GROUP),
                topic=request.POST.get("topic", ""),
                held_at=_when(request.POST.get("held_at")),
                place=request.POST.get("place", ""),
                notes=request.POST.get("notes", ""),
            )
            messages.success(request, _("学习活动已登记，请登记参加人员"))
            return redirect("learning:session", session.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(request, "learning/session_form.html", {"unions": unions, "kinds": StudySession.Kind.choices, "post": request.POST})


@login_required
def session_detail(request, pk):
    session = selectors.session_for(request.user, pk)
    if session is None:
        raise Http404
    if request.method == "POST":
        try:
            added = services.attendance_record(actor=request.user, session=session, member_ids=request.POST.getlist("members"))
            messages.success(request, _("已登记 %(n)s 人") % {"n": added})
        except ApiError as error:
            messages.error(request, str(error.message))
        return redirect("learning:session", pk)
    import segno

    present = set(session.attendances.values_list("member_id", flat=True))
    checkin_url = request.build_absolute_uri(reverse("learning:checkin", args=[session.pk]))
    qr = segno.make(checkin_url, error="m").svg_inline(scale=4, title=_("扫码签到"))
    roster = Member.objects.filter(organisation__path__startswith=session.organisation.path, status=Member.Status.ACTIVE).order_by(
        "organisation_id", "pk"
    )
    page = Paginator(roster, 100).get_page(request.GET.get("page"))
    return render(
        request, "learning/session.html", {"session": session, "page": page, "present": present, "qr": qr, "checkin_url": checkin_url}
    )


@login_required
def checkin(request, pk):
    """A member signs in to a study session of their union by scanning the code shown at the session."""
    session = get_object_or_404(StudySession.objects.select_related("organisation"), pk=pk)
    member = scoping.member_for(request.user)
    if not rules.member_in_reach(member, session.organisation):
        raise Http404
    if request.method == "POST":
        try:
            created = services.attendance_checkin(actor=request.user, session=session)
            messages.success(request, _("签到成功") if created else _("您已签到"))
        except ApiError as error:
            messages.error(request, str(error.message))
        return redirect("learning:checkin", pk)
    signed = session.attendances.filter(member=member).exists()
    return render(request, "learning/checkin.html", {"session": session, "signed": signed})
