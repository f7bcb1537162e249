"""Pages of 树榜样 · 抓创新: the staff's nomination desk with the live quota panel, the public
notice and roll of honour, training (courses, sessions, QR check-in, certificates), the worker's
phone pages (enrol, my places and QR, online lessons, my honours), the craftsman alliance and
skills competitions."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments, scoping
from core.errors import ApiError
from core.models import Member, Organisation, User
from core.validators import year_filter
from engines.workflow import selectors as workflow_selectors
from modules.honours import reports, rules, selectors, services, services_craft
from modules.honours.forms import (
    CourseForm,
    CraftsmanForm,
    EnrolForm,
    HonourForm,
    LessonForm,
    NeedForm,
    NominationForm,
    SessionForm,
    WorkForm,
)
from modules.honours.models import (
    Appeal,
    Certificate,
    Certification,
    Competition,
    Course,
    Craftsman,
    Enrolment,
    Entrant,
    Honour,
    HonourLevel,
    Lesson,
    Need,
    NeedResponse,
    Objection,
    Session,
)

PAGE_SIZE = 30


def _act(request, action, done: str, back: str):
    """A button's POST: do it, say so (or say why not) and go back."""
    try:
        action()
        messages.success(request, done)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect(back)


def _staff_only(user) -> None:
    if not scoping.is_staff_member(user):
        raise PermissionDenied


def _district_only(user) -> None:
    if not scoping.is_district_staff(user):
        raise PermissionDenied


def _refuse(code: str, message: str, field: str):
    raise services.Invalid(code, message, field=field)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- nominations: the staff desk ------------------------------------------------------------------


@login_required
def home(request):
    _staff_only(request.user)
    visible = selectors.with_state(selectors.nominations_visible_to(request.user)).select_related("organisation", "honour")
    state = request.GET.get("state", "")
    if state in {s.key for s in selectors.PROCESS.states}:
        visible = visible.filter(state=state)
    else:
        state = ""
    # the annual review links each nomination figure here: one year's honours of one level and kind
    year = year_filter(request)
    level = request.GET.get("level", "") if request.GET.get("level") in HonourLevel.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in Honour.Kind.values else ""
    if year:
        visible = visible.filter(honour__year=year)
    if level:
        visible = visible.filter(honour__level=level)
    if kind:
        visible = visible.filter(honour__kind=kind)
    page = Paginator(visible.order_by("-created_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    for nomination in page.object_list:
        nomination.state_label = selectors.state_label(nomination.state)
    honours = list(Honour.objects.all()[:20])
    return render(
        request,
        "honours/home.html",
        {
            "page": page,
            "honours": honours,
            "open_honours": [h for h in honours if h.is_open()],
            "is_district": scoping.is_district_staff(request.user),
            "states": selectors.PROCESS.states,
            "state": state,
            "year": year or "",
            "query": urlencode({k: v for k, v in (("state", state), ("year", year), ("level", level), ("kind", kind)) if v}),
        },
    )


@login_required
def honour_new(request):
    _district_only(request.user)
    form = HonourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            honour = services.honour_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("评优项目已设置，请分配各街道/行业名额"))
            return redirect("honours:honour", honour.pk)
        except ApiError as error:
            form.apply_error(error)
    return render(request, "honours/form.html", {"form": form, "title": _("设置评优项目")})


def _honour_for_office(user, pk) -> Honour:
    _staff_only(user)
    return get_object_or_404(Honour, pk=pk)


@login_required
def honour_detail(request, pk):
    """The honour's desk: the live quota panel of every unit the viewer sees, its nominations."""
    honour = _honour_for_office(request.user, pk)
    nominations = (
        selectors.with_state(selectors.nominations_visible_to(request.user).filter(honour=honour))
        .select_related("organisation", "unit")
        .order_by("unit__path", "-created_at")
    )
    page = Paginator(nominations, 50).get_page(request.GET.get("page"))
    for nomination in page.object_list:
        nomination.state_label = selectors.state_label(nomination.state)
    is_district = scoping.is_district_staff(request.user)
    units = (
        Organisation.objects.filter(level__in=(Organisation.Level.STREET, Organisation.Level.INDUSTRY)).order_by("path")
        if is_district
        else []
    )
    return render(
        request,
        "honours/honour.html",
        {"honour": honour, "panel": selectors.quota_panel(honour, request.user), "page": page, "is_district": is_district, "units": units},
    )


@login_required
def honour_panel(request, pk):
    """The live quota panel alone (htmx refreshes it while staff decide)."""
    honour = _honour_for_office(request.user, pk)
    return render(request, "honours/_panel.html", {"honour": honour, "panel": selectors.quota_panel(honour, request.user)})


@login_required
@require_POST
def quota_set(request, pk):
    _district_only(request.user)
    honour = get_object_or_404(Honour, pk=pk)
    unit = Organisation.objects.filter(pk=_int(request.POST.get("unit"))).first()
    places = _int(request.POST.get("places"))

    def action():
        if unit is None or places is None:
            raise services.Invalid("honours_quota_form", _("请选择单位并填写名额（整数）"), field="places")
        services.quota_set(actor=request.user, honour=honour, unit=unit, places=places)

    return _act(request, action, _("名额已保存"), reverse("honours:honour", args=[honour.pk]))


@login_required
def honour_export(request, pk):
    honour = _honour_for_office(request.user, pk)
    body = reports.nominations_xlsx(honour, request.user)
    response = HttpResponse(body, content_type=reports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="honour-{honour.pk}-nominations.xlsx"'
    return response


@login_required
def nomination_new(request):
    _staff_only(request.user)
    honour = Honour.objects.filter(pk=_int(request.GET.get("honour"))).first()
    if honour is None:
        raise Http404
    unions = list(scoping.organisations_visible_to(request.user).filter(level=Organisation.Level.GRASSROOTS).order_by("path")[:200])
    if not unions and not scoping.is_district_staff(request.user):
        unions = [a.organisation for a in scoping.role_assignments(request.user)]
    form = NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        union = next((u for u in unions if str(u.pk) == request.POST.get("organisation")), None)
        member = None
        if union is not None and request.POST.get("member_phone"):
            member = Member.objects.filter(phone=request.POST["member_phone"].strip(), organisation__path__startswith=union.path).first()
            if member is None:
                form.add_error(None, _("本单位没有该手机号的会员"))
        data = {k: v for k, v in form.cleaned_data.items() if k != "updated_at"}
        if union is None:
            form.add_error(None, _("请选择推荐单位"))
        elif not form.errors:
            try:
                nomination = services.nomination_create(actor=request.user, honour=honour, organisation=union, data=data, member=member)
                messages.success(request, _("推荐表已保存。检查无误后请提交。"))
                return redirect("honours:nomination", nomination.pk)
            except ApiError as error:
                form.apply_error(error)
    return render(request, "honours/nomination_form.html", {"form": form, "honour": honour, "unions": unions})


def _nomination_or_404(user, pk):
    nomination = selectors.nomination_for(user, pk)
    if nomination is None or not scoping.is_staff_member(user):
        raise Http404
    return nomination


@login_required
def nomination_detail(request, pk):
    nomination = _nomination_or_404(request.user, pk)
    case = services.case_of(nomination)
    return render(
        request,
        "honours/nomination.html",
        {
            "n": nomination,
            "case": case,
            "state_label": selectors.state_label(case.state),
            "timeline": workflow_selectors.timeline(case),
            "deadline": workflow_selectors.open_deadline(case),
            "transitions": workflow_selectors.available_transitions(case, request.user),
            "can_edit": (case.state in ("draft", "returned") and rules.is_nominating_staff(request.user, case))
            or (case.state in ("submitted", "recommended", "reviewed") and rules.is_reviewer(request.user, case)),
            "problems": services.submission_problems(nomination) if case.state in ("draft", "returned") else [],
            "objections": nomination.objections.all() if scoping.is_district_staff(request.user) else [],
            "is_district": scoping.is_district_staff(request.user),
            "attachments": attachments.attachments_of(nomination),
            "can_attach": rules.may_change_attachments(request.user, nomination),
            "panel": selectors.quota_panel(nomination.honour, request.user),
            "honour": nomination.honour,
        },
    )


@login_required
def nomination_edit(request, pk):
    nomination = _nomination_or_404(request.user, pk)
    case = services.case_of(nomination)
    if not (rules.is_nominating_staff(request.user, case) or rules.is_reviewer(request.user, case)):
        raise PermissionDenied
    initial = {k: getattr(nomination, k) for k in services.EDITABLE} | {"updated_at": nomination.updated_at.isoformat()}
    form = NominationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "updated_at"}
        try:
            expected = datetime.fromisoformat(form.cleaned_data["updated_at"]) if form.cleaned_data["updated_at"] else None
            services.nomination_update(actor=request.user, nomination=nomination, data=data, expected_updated_at=expected)
            messages.success(request, _("已保存"))
            return redirect("honours:nomination", nomination.pk)
        except ValueError:
            form.add_error(None, _("表单已过期，请刷新后再编辑"))
        except ApiError as error:
            form.apply_error(error)
    return render(request, "honours/nomination_form.html", {"form": form, "honour": nomination.honour, "nomination": nomination})


@login_required
@require_POST
def nomination_transition(request, pk):
    nomination = _nomination_or_404(request.user, pk)
    return _act(
        request,
        lambda: services.nomination_transition(
            actor=request.user,
            nomination=nomination,
            name=request.POST.get("transition", ""),
            comment=request.POST.get("comment", "")[:2000],
            expected_state=request.POST.get("expected_state") or None,
        ),
        _("已办理"),
        reverse("honours:nomination", args=[nomination.pk]),
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    nomination = _nomination_or_404(request.user, pk)
    upload = request.FILES.get("file")

    def action():
        if upload is None:
            raise services.Invalid("attachment_missing", _("请选择文件"), field="file")
        attachments.attachment_add(actor=request.user, owner=nomination, upload=upload)

    return _act(request, action, _("附件已上传"), reverse("honours:nomination", args=[nomination.pk]))


@login_required
@require_POST
def objection_resolve(request, pk):
    _district_only(request.user)
    objection = get_object_or_404(Objection, pk=pk)
    back = (
        reverse("honours:objections")
        if request.POST.get("back") == "desk"
        else reverse("honours:nomination", args=[objection.nomination_id])
    )
    return _act(
        request,
        lambda: services.objection_resolve(
            actor=request.user, objection=objection, outcome=request.POST.get("outcome", ""), resolution=request.POST.get("resolution", "")
        ),
        _("异议已处理"),
        back,
    )


@login_required
def objections(request):
    """The district's desk of objections taken during the public notice, each with its decision form."""
    if not rules.may_resolve_objection(request.user):
        raise PermissionDenied
    rows = Paginator(selectors.open_objections(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "honours/objections.html", {"page": rows})


# --- public: notice and roll of honour ---------------------------------------------------------------


def notice(request):
    """社会公示: the people proposed, and a form to object (logged-in, in their own name)."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('core:worker_login')}?next={request.path}")
        nomination = selectors.in_notice().filter(pk=_int(request.POST.get("nomination"))).first()
        if nomination is None:
            messages.error(request, _("该人选不在公示中"))
        else:
            try:
                services.objection_lodge(actor=request.user, nomination=nomination, text=request.POST.get("text", ""))
                messages.success(request, _("异议已提交，区总工会将核实处理"))
            except ApiError as error:
                messages.error(request, str(error.message))
        return redirect("honours:notice")
    rows = list(selectors.in_notice().order_by("honour__level", "honour__name", "nominee_name")[:300])
    return render(request, "honours/notice.html", {"rows": rows})


def roll(request):
    year = _int(request.GET.get("year"))
    rows = Paginator(selectors.roll_of_honour(year), 100).get_page(request.GET.get("page"))
    return render(request, "honours/roll.html", {"page": rows, "year": year or "", "query": f"year={year}" if year else ""})


# --- the worker's own pages -------------------------------------------------------------------------


@login_required
def me(request):
    member = scoping.member_for(request.user)
    if member is None:
        raise PermissionDenied
    nominations = list(selectors.my_nominations(member))
    for nomination in nominations:
        nomination.state_label = selectors.state_label(nomination.state)
    return render(
        request,
        "honours/me.html",
        {
            "nominations": nominations,
            "history": selectors.honour_history(member),
            "enrolments": list(selectors.my_enrolments(request.user)[:50]),
            "certificates": Certificate.objects.filter(member=member).select_related("course"),
        },
    )


# --- training: staff -----------------------------------------------------------------------------------


@login_required
def courses(request):
    _staff_only(request.user)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = scoping.scope_roots(request.user)
        organisation = organisation[0] if organisation else Organisation.objects.filter(level=Organisation.Level.DISTRICT).first()
        try:
            course = services.course_create(actor=request.user, organisation=organisation, **form.cleaned_data)
            return redirect("honours:course", course.pk)
        except ApiError as error:
            form.apply_error(error)
    rows = selectors.courses_visible_to(request.user).select_related("organisation")
    # the annual review links its training figures here: the courses with a session in one year
    year = year_filter(request)
    if year:
        rows = rows.filter(sessions__starts_on__year=year).distinct()
    return render(request, "honours/courses.html", {"courses": rows[:100], "form": form, "year": year or ""})


def _course_for_staff(user, pk) -> Course:
    _staff_only(user)
    course = get_object_or_404(Course, pk=pk)
    if not scoping.can_view_organisation(user, course.organisation):
        raise Http404
    return course


@login_required
def course_detail(request, pk):
    course = _course_for_staff(request.user, pk)
    session_form = SessionForm(prefix="s")
    lesson_form = LessonForm(prefix="l")
    if request.method == "POST":
        try:
            if "s-place" in request.POST:
                session_form = SessionForm(request.POST, prefix="s")
                if session_form.is_valid():
                    services.session_create(actor=request.user, course=course, **session_form.cleaned_data)
                    return redirect("honours:course", course.pk)
            else:
                lesson_form = LessonForm(request.POST, prefix="l")
                if lesson_form.is_valid():
                    services.lesson_create(actor=request.user, course=course, **lesson_form.cleaned_data)
                    return redirect("honours:course", course.pk)
        except ApiError as error:
            (session_form if "s-place" in request.POST else lesson_form).apply_error(error)
    sessions = list(course.sessions.all())
    for session in sessions:
        session.figures = selectors.session_figures(session)
    return render(
        request,
        "honours/course.html",
        {
            "course": course,
            "sessions": sessions,
            "lessons": selectors.lesson_rows(course),
            "figures": selectors.course_figures(course),
            "session_form": session_form,
            "lesson_form": lesson_form,
        },
    )


def _session_for_staff(user, pk) -> Session:
    _staff_only(user)
    session = get_object_or_404(Session.objects.select_related("course__organisation"), pk=pk)
    if not scoping.can_view_organisation(user, session.course.organisation):
        raise Http404
    return session


@login_required
def session_detail(request, pk):
    """The session's desk: the roster, the waiting list in order, the QR check-in and certificates."""
    session = _session_for_staff(request.user, pk)
    checked = None
    if request.method == "POST":
        try:
            checked = services.check_in(actor=request.user, session=session, code=request.POST.get("code", ""))
            messages.success(request, _("%(name)s 签到成功") % {"name": checked.name})
        except ApiError as error:
            messages.error(request, str(error.message))
        return redirect("honours:session", session.pk)
    enrolments = list(session.enrolments.exclude(status=Enrolment.Status.DECLINED).select_related("certificate"))
    confirmed = [e for e in enrolments if e.status == Enrolment.Status.CONFIRMED]
    waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITING]
    return render(
        request,
        "honours/session.html",
        {"session": session, "confirmed": confirmed, "waiting": waiting, "figures": selectors.session_figures(session)},
    )


@login_required
@require_POST
def session_capacity(request, pk):
    session = _session_for_staff(request.user, pk)
    capacity = _int(request.POST.get("capacity"))

    def action():
        if capacity is None:
            raise services.Invalid("honours_capacity_invalid", _("请填写名额（整数）"), field="capacity")
        services.session_capacity_set(actor=request.user, session=session, capacity=capacity)

    return _act(request, action, _("名额已更新，候补已按顺序递补"), reverse("honours:session", args=[session.pk]))


@login_required
@require_POST
def certificate_issue(request, pk):
    enrolment = get_object_or_404(Enrolment.objects.select_related("session__course__organisation"), pk=pk)
    _session_for_staff(request.user, enrolment.session_id)
    return _act(
        request,
        lambda: services.certificate_issue(actor=request.user, enrolment=enrolment),
        _("证书已发放"),
        reverse("honours:session", args=[enrolment.session_id]),
    )


@login_required
@require_POST
def certificate_revoke(request, pk):
    certificate = get_object_or_404(Certificate.objects.select_related("course__organisation"), pk=pk)
    _course_for_staff(request.user, certificate.course_id)
    back = reverse("honours:session", args=[certificate.enrolment.session_id]) if certificate.enrolment_id else reverse("honours:courses")
    return _act(
        request,
        lambda: services.certificate_revoke(actor=request.user, certificate=certificate, reason=request.POST.get("reason", "")),
        _("证书已撤销"),
        back,
    )


@login_required
def certificate_pdf(request, pk):
    """The printed certificate: its holder, or staff of the course's organisation."""
    certificate = get_object_or_404(Certificate.objects.select_related("course__organisation"), pk=pk)
    member = scoping.member_for(request.user)
    staff = scoping.is_staff_member(request.user) and scoping.can_view_organisation(request.user, certificate.course.organisation)
    if not staff and (member is None or certificate.member_id != member.pk):
        raise Http404
    url = request.build_absolute_uri(reverse("honours:certificate_check", args=[certificate.token]))
    response = HttpResponse(reports.certificate_pdf(certificate, url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    return response


def certificate_check(request, token):
    """Where a certificate's QR leads: valid, expired or revoked (no personal data beyond a masked name)."""
    certificate = selectors.certificate_by_token(token)
    if certificate is None:
        raise Http404
    return render(request, "honours/certificate_check.html", {"c": certificate, "status": certificate.status()})


# --- training: the worker's phone pages ------------------------------------------------------------------


@login_required
def worker_courses(request):
    today = selectors.timezone_today()
    rows = Course.objects.filter(sessions__ends_on__gte=today).distinct() | Course.objects.filter(lessons__isnull=False).distinct()
    return render(request, "honours/worker_courses.html", {"courses": rows.distinct().order_by("-created_at")[:50]})


@login_required
def worker_course(request, pk):
    course = get_object_or_404(Course, pk=pk)
    sessions = list(course.sessions.filter(ends_on__gte=selectors.timezone_today()))
    for session in sessions:
        session.figures = selectors.session_figures(session)
    member = scoping.member_for(request.user)
    initial = {"people": f"{member.name} {member.phone}"} if member and member.phone else {}
    return render(
        request,
        "honours/worker_course.html",
        {"course": course, "sessions": sessions, "lessons": course.lessons.all(), "form": EnrolForm(initial=initial)},
    )


@login_required
@require_POST
def enrol(request, pk):
    session = get_object_or_404(Session.objects.select_related("course"), pk=pk)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("honours:worker_course", session.course_id)
    try:
        created = services.enrol(actor=request.user, session=session, people=form.cleaned_data["people"])
    except ApiError as error:
        messages.error(request, str(error.message))
        return redirect("honours:worker_course", session.course_id)
    confirmed = sum(e.status == Enrolment.Status.CONFIRMED for e in created)
    waiting = len(created) - confirmed
    messages.success(request, _("报名成功：%(c)s 人获得名额，%(w)s 人进入候补") % {"c": confirmed, "w": waiting})
    return redirect("honours:me")


def enrolment_token(request, token):
    """What the enrolment link shows (the QR to show at the door) and its decline button."""
    enrolment = Enrolment.objects.select_related("session__course").filter(token=token).first()
    if enrolment is None:
        raise Http404
    if request.method == "POST":
        try:
            services.enrolment_decline(token=token)
            messages.success(request, _("已放弃，名额将让给候补的下一位"))
        except ApiError as error:
            messages.error(request, str(error.message))
        return redirect("honours:enrolment", token)
    import segno

    qr = segno.make(token, error="m").svg_inline(scale=6, title=_("签到二维码"))
    return render(
        request,
        "honours/enrolment.html",
        {"e": enrolment, "qr": qr, "position": services.waiting_position(enrolment), "masked": selectors.mask_name(enrolment.name)},
    )


@login_required
def lesson(request, pk):
    """An online lesson: opening it counts a view and enrols the member online."""
    item = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
    try:
        view = services.lesson_view(actor=request.user, lesson=item)
    except ApiError as error:
        messages.error(request, str(error.message))
        return redirect("honours:worker_courses")
    return render(request, "honours/lesson.html", {"lesson": item, "view": view})


# --- craftsman alliance --------------------------------------------------------------------------------


def craft(request):
    """The alliance's public showcase: works with pictures, exchange posts, open needs."""
    from modules.honours.models import ExchangePost

    works = selectors.works_showcase()
    # the annual review links its works figure here: the works published in one year
    year = year_filter(request)
    if year:
        works = works.filter(published_at__year=year)
    works = list(works[:60])
    for work in works:
        work.author = selectors.public_craftsman_name(work.craftsman)
    posts = list(ExchangePost.objects.select_related("craftsman__member")[:20])
    for post in posts:
        post.author = selectors.public_craftsman_name(post.craftsman)
    return render(
        request,
        "honours/craft.html",
        {"works": works, "posts": posts, "needs": selectors.open_needs()[:30], "craftsmen": Craftsman.objects.count(), "year": year or ""},
    )


@login_required
def craft_me(request):
    """A member's own alliance page: profile, publish a work, post, apply for certification."""
    member = scoping.member_for(request.user)
    if member is None:
        raise PermissionDenied
    craftsman = Craftsman.objects.filter(member=member).first()
    profile = CraftsmanForm(
        request.POST if request.POST.get("form") == "profile" else None,
        initial={k: getattr(craftsman, k) for k in ("skill", "level", "honours", "bio", "public_name_consent")} if craftsman else None,
    )
    work_form = WorkForm(request.POST if request.POST.get("form") == "work" else None, request.FILES or None)
    if request.method == "POST":
        kind = request.POST.get("form")
        try:
            if kind == "profile" and profile.is_valid():
                services_craft.craftsman_join(actor=request.user, **profile.cleaned_data)
                messages.success(request, _("工匠档案已保存"))
                return redirect("honours:craft_me")
            if kind == "work" and work_form.is_valid():
                services_craft.work_publish(
                    actor=request.user,
                    title=work_form.cleaned_data["title"],
                    description=work_form.cleaned_data["description"],
                    picture=work_form.cleaned_data.get("picture"),
                )
                messages.success(request, _("作品已发布"))
                return redirect("honours:craft_me")
            if kind == "post":
                services_craft.post_create(actor=request.user, title=request.POST.get("title", ""), body=request.POST.get("body", ""))
                messages.success(request, _("已发布"))
                return redirect("honours:craft_me")
            if kind == "certification":
                services_craft.certification_apply(
                    actor=request.user,
                    skill=request.POST.get("skill", ""),
                    level=request.POST.get("level", ""),
                    statement=request.POST.get("statement", ""),
                )
                messages.success(request, _("认定申请已提交"))
                return redirect("honours:craft_me")
        except ApiError as error:
            (work_form if kind == "work" else profile).apply_error(error)
    return render(
        request,
        "honours/craft_me.html",
        {
            "craftsman": craftsman,
            "profile": profile,
            "work_form": work_form,
            "works": craftsman.works.all() if craftsman else [],
            "certifications": craftsman.certifications.all() if craftsman else [],
            "responses": craftsman.responses.select_related("need") if craftsman else [],
        },
    )


@login_required
def needs(request):
    """Needs: staff post their organisation's needs and match a craftsman; craftsmen respond."""
    member = scoping.member_for(request.user)
    craftsman = Craftsman.objects.filter(member=member).first() if member else None
    is_staff = scoping.is_staff_member(request.user)
    if not (craftsman or is_staff):
        raise PermissionDenied
    form = NeedForm(request.POST or None) if is_staff else None
    if request.method == "POST" and form is not None and form.is_valid():
        roots = scoping.scope_roots(request.user)
        organisation = roots[0] if roots else Organisation.objects.filter(level=Organisation.Level.DISTRICT).first()
        try:
            services_craft.need_post(actor=request.user, organisation=organisation, **form.cleaned_data)
            messages.success(request, _("需求已发布"))
            return redirect("honours:needs")
        except ApiError as error:
            form.apply_error(error)
    mine = []
    if is_staff:
        scope = (
            Need.objects.all()
            if scoping.is_district_staff(request.user)
            else Need.objects.filter(scoping.organisation_scope_q(request.user, "organisation"))
        )
        # the annual review links its matches figure here: the needs matched in one year
        year = year_filter(request)
        if year:
            scope = scope.filter(responses__matched_at__year=year).distinct()
        mine = list(scope.prefetch_related("responses__craftsman__member")[:50])
        for need in mine:
            for response in need.responses.all():
                response.author = selectors.public_craftsman_name(response.craftsman)
    return render(request, "honours/needs.html", {"form": form, "mine": mine, "open": selectors.open_needs()[:50], "craftsman": craftsman})


@login_required
@require_POST
def need_respond(request, pk):
    need = get_object_or_404(Need, pk=pk)
    return _act(
        request,
        lambda: services_craft.need_respond(actor=request.user, need=need, message=request.POST.get("message", "")),
        _("已响应，等待需求单位确认"),
        reverse("honours:needs"),
    )


@login_required
@require_POST
def match(request, pk):
    _staff_only(request.user)
    response = get_object_or_404(NeedResponse.objects.select_related("need__organisation"), pk=pk)
    if not scoping.can_view_organisation(request.user, response.need.organisation):
        raise Http404
    return _act(
        request, lambda: services_craft.match_record(actor=request.user, response=response), _("对接已记录"), reverse("honours:needs")
    )


@login_required
def certifications(request):
    _district_only(request.user)
    if request.method == "POST":
        certification = get_object_or_404(Certification, pk=_int(request.POST.get("certification")))
        return _act(
            request,
            lambda: services_craft.certification_decide(
                actor=request.user, certification=certification, passed=request.POST.get("passed") == "1", note=request.POST.get("note", "")
            ),
            _("已评定"),
            reverse("honours:certifications"),
        )
    rows = Certification.objects.select_related("craftsman__member").order_by("status", "-applied_at")[:100]
    return render(request, "honours/certifications.html", {"rows": rows})


# --- competitions ----------------------------------------------------------------------------------------


@login_required
def competitions(request):
    _staff_only(request.user)
    if request.method == "POST":
        _district_only(request.user)
        try:
            competition = services_craft.competition_create(
                actor=request.user,
                title=request.POST.get("title", ""),
                year=_int(request.POST.get("year")) or selectors.timezone_today().year,
                theory_weight=_int(request.POST.get("theory_weight")) if _int(request.POST.get("theory_weight")) is not None else -1,
                theory_cap=_int(request.POST.get("theory_cap")),
            )
            return redirect("honours:competition", competition.pk)
        except ApiError as error:
            messages.error(request, str(error.message))
    return render(
        request,
        "honours/competitions.html",
        {"rows": Competition.objects.all()[:50], "is_district": scoping.is_district_staff(request.user)},
    )


@login_required
def my_competitions(request):
    """The entrant's phone page: their place and score in each competition, and an appeal (申诉)."""
    member = scoping.member_for(request.user)
    if member is None:
        raise PermissionDenied
    if request.method == "POST":
        entrant = get_object_or_404(Entrant, pk=_int(request.POST.get("entrant")), member=member)
        return _act(
            request,
            lambda: services_craft.appeal_lodge(actor=request.user, entrant=entrant, text=request.POST.get("text", "")),
            _("申诉已提交，区总工会将复核处理"),
            reverse("honours:my_competitions"),
        )
    return render(request, "honours/my_competitions.html", {"entries": services_craft.my_results(member)})


@login_required
def competition_detail(request, pk):
    """Ranking, entrants and appeals for staff; the scoring sheet for a judge."""
    competition = get_object_or_404(Competition, pk=pk)
    judge = competition.judges.filter(user=request.user).first()
    if not (scoping.is_district_staff(request.user) or judge):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        entrant = Entrant.objects.filter(pk=_int(request.POST.get("entrant")), competition=competition).first()
        back = reverse("honours:competition", args=[competition.pk])
        if action == "score" and entrant:
            return _act(
                request,
                lambda: services_craft.score_submit(
                    actor=request.user,
                    entrant=entrant,
                    theory=request.POST.get("theory") or None,
                    practice=request.POST.get("practice", ""),
                ),
                _("评分已保存"),
                back,
            )
        if action == "recuse" and entrant:
            return _act(
                request,
                lambda: services_craft.recuse(actor=request.user, entrant=entrant, reason=request.POST.get("reason", "")),
                _("已回避"),
                back,
            )
        if action == "entrant" and scoping.is_district_staff(request.user):
            member = Member.objects.filter(phone=request.POST.get("phone", "").strip()).first()
            return _act(
                request,
                lambda: (
                    services_craft.entrant_add(actor=request.user, competition=competition, member=member)
                    if member
                    else _refuse("honours_member_unknown", _("没有该手机号的会员"), "phone")
                ),
                _("选手已报名"),
                back,
            )
        if action == "judge" and scoping.is_district_staff(request.user):
            user = User.objects.filter(username=request.POST.get("username", "").strip()).first()
            return _act(
                request,
                lambda: (
                    services_craft.judge_add(actor=request.user, competition=competition, user=user)
                    if user
                    else _refuse("honours_user_unknown", _("没有该用户"), "username")
                ),
                _("裁判已添加"),
                back,
            )
        if action == "appeal" and scoping.is_district_staff(request.user):
            return _appeal_decide(request, competition, judge)
        messages.error(request, _("无法办理"))
        return redirect(back)
    return _competition_page(request, competition, judge)


def _appeal_decide(request, competition, judge):
    """The district's decision on an appeal; a bad corrected score (or a missing reason) comes back on
    the page beside its field, with what was typed kept."""
    appeal = get_object_or_404(Appeal, pk=_int(request.POST.get("appeal")), entrant__competition=competition)
    try:
        services_craft.appeal_resolve(
            actor=request.user,
            appeal=appeal,
            upheld=request.POST.get("upheld") == "1",
            resolution=request.POST.get("resolution", ""),
            score=request.POST.get("score", ""),
        )
    except ApiError as error:
        if error.field in ("score", "resolution"):
            failed = {"appeal": appeal.pk, "field": error.field, "message": str(error.message), "posted": request.POST}
            return _competition_page(request, competition, judge, failed=failed, status=400)
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("申诉已处理"))
    return redirect("honours:competition", competition.pk)


def _competition_page(request, competition, judge, *, failed=None, status=200):
    return render(
        request,
        "honours/competition.html",
        {
            "competition": competition,
            "ranking": services_craft.ranking(competition),
            "judge": judge,
            "judges": competition.judges.select_related("user"),
            "appeals": Appeal.objects.filter(entrant__competition=competition)
            .select_related("entrant__member")
            .order_by("lodged_at", "pk"),
            "is_district": scoping.is_district_staff(request.user),
            "failed": failed or {},
        },
        status=status,
    )
