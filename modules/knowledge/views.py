"""Pages: the guide (public), reasons, articles, the daily quiz and contests (workers), staff results."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import scoping
from core.errors import ApiError
from core.validators import year_filter
from modules.knowledge import selectors, services
from modules.knowledge.constants import CATEGORY_COLOURS, Category
from modules.knowledge.models import Article, Attempt, Campaign, GuideItem


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _login_redirect(request):
    return redirect(f"{reverse('core:worker_login')}?{urlencode({'next': request.get_full_path()})}")


def _worker(request):
    """The member behind the request, or a response sending them to log in / explaining why not."""
    if not request.user.is_authenticated:
        return None, _login_redirect(request)
    member = scoping.member_for(request.user)
    if member is None:
        return None, render(request, "knowledge/not_member.html", status=403)
    return member, None


# ---------------------------------------------------------------- guide & knowledge (public)


def guide(request):
    q = (request.GET.get("q") or "").strip()[:40]
    category = request.GET.get("category") or ""
    if category not in Category.values:
        category = ""
    hits = selectors.guide_search(q, category=category or None) if q else []
    context = {"q": q, "category": category, "hits": hits, "categories": Category.choices, "colours": CATEGORY_COLOURS}
    if _is_htmx(request):
        return render(request, "knowledge/_guide_results.html", context)
    if not q:
        context["groups"] = selectors.guide_by_category()
    return render(request, "knowledge/guide.html", context)


def guide_item(request, pk: int):
    item = get_object_or_404(GuideItem, pk=pk, is_active=True)
    related = [h for h in selectors.guide_search(item.name, category=item.category, limit=7) if h.entry.id != item.pk][:6]
    return render(request, "knowledge/guide_item.html", {"item": item, "related": related, "colours": CATEGORY_COLOURS})


def reason(request, code: str):
    try:
        detail = selectors.reason_detail(code)
    except ApiError:
        raise Http404 from None
    return render(request, "knowledge/reason.html", {"reason": detail, "colours": CATEGORY_COLOURS})


def articles(request):
    page = Paginator(selectors.articles_published(), 10).get_page(request.GET.get("page"))
    return render(request, "knowledge/articles.html", {"page": page})


def article(request, pk: int):
    item = get_object_or_404(Article, pk=pk, is_published=True)
    return render(request, "knowledge/article.html", {"article": item})


# ---------------------------------------------------------------- quizzes (workers)


def daily(request):
    member, response = _worker(request)
    if response:
        return response
    campaign = selectors.daily_campaign()
    attempt = selectors.attempt_of(member, campaign) if campaign else None
    return _quiz_page(request, campaign, attempt)


def _seconds_left(attempt) -> int | None:
    if attempt is None or attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - timezone.now()).total_seconds()))


def _quiz_page(request, campaign, attempt, template="knowledge/daily.html", extra=None):
    now = timezone.now()
    questions = selectors.attempt_questions(attempt) if attempt else []
    context = {
        "campaign": campaign,
        "attempt": attempt,
        "questions": [(q, uuid.uuid4().hex) for q in questions],
        "open": attempt.is_open(now) if attempt else False,
        "seconds_left": _seconds_left(attempt),
        **(extra or {}),
    }
    return render(request, template, context)


@require_POST
def daily_start(request):
    member, response = _worker(request)
    if response:
        return response
    campaign = selectors.daily_campaign()
    if campaign is None:
        messages.error(request, _("今天没有答题活动"))
        return redirect("knowledge:daily")
    try:
        services.attempt_start(campaign=campaign, member=member, actor=request.user)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("knowledge:daily")


@require_POST
def answer(request, attempt_id: int):
    member, response = _worker(request)
    if response:
        return response
    attempt = Attempt.objects.select_related("campaign").filter(pk=attempt_id, member=member).first()
    if attempt is None:
        raise Http404
    back = (
        reverse("knowledge:daily")
        if attempt.campaign.kind == Campaign.Kind.DAILY
        else reverse("knowledge:contest", args=[attempt.campaign_id])
    )
    question_id = request.POST.get("question")
    error = None
    try:
        services.answer_submit(
            attempt_id=attempt.pk,
            member=member,
            question_id=question_id,
            chosen=request.POST.getlist("choice"),
            client_key=request.POST.get("client_key", ""),
            actor=request.user,
        )
    except ApiError as exc:
        error = str(exc.message)
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(f"{back}#q{question_id}")
    attempt.refresh_from_db()
    view = next((q for q in selectors.attempt_questions(attempt) if str(q.id) == str(question_id)), None)
    if view is None:
        return render(request, "knowledge/_message.html", {"message": error or _("题目无效")}, status=422)
    return render(
        request,
        "knowledge/_question.html",
        {
            "q": view,
            "key": uuid.uuid4().hex,
            "attempt": attempt,
            "open": attempt.is_open(),
            "error": error,
            "oob": True,
            "seconds_left": _seconds_left(attempt),
        },
        status=200 if error is None else 422,
    )


def contests(request):
    return render(request, "knowledge/contests.html", selectors.contests_for_workers())


def contest(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind=Campaign.Kind.CONTEST, is_active=True)
    member = scoping.member_for(request.user)
    attempt = selectors.attempt_of(member, campaign)
    now = timezone.now()
    state = "upcoming" if now < campaign.starts_at else ("ended" if now >= campaign.ends_at else "running")
    return _quiz_page(request, campaign, attempt, "knowledge/contest.html", {"state": state, "member": member})


@require_POST
def contest_start(request, pk: int):
    member, response = _worker(request)
    if response:
        return response
    campaign = get_object_or_404(Campaign, pk=pk, kind=Campaign.Kind.CONTEST, is_active=True)
    try:
        services.attempt_start(campaign=campaign, member=member, actor=request.user)
    except ApiError as error:
        messages.error(request, str(error.message))
    return redirect("knowledge:contest", pk=campaign.pk)


def contest_ranking(request, pk: int):
    campaign = get_object_or_404(Campaign, pk=pk, kind=Campaign.Kind.CONTEST, is_active=True)
    ranking = selectors.contest_ranking(campaign, viewer_member=scoping.member_for(request.user))
    return render(request, "knowledge/ranking.html", {"campaign": campaign, **ranking})


# ---------------------------------------------------------------- staff


def _staff(request):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?{urlencode({'next': request.get_full_path()})}")
    if not request.user.has_perm("knowledge.view_results"):
        raise PermissionDenied
    return None


def staff_home(request):
    response = _staff(request)
    if response:
        return response
    campaigns = selectors.campaigns_for_staff(request.user)
    # the annual review links its quiz figures here: the campaigns that ran in one year
    year = year_filter(request)
    if year:
        campaigns = campaigns.filter(starts_at__year__lte=year).filter(Q(ends_at__isnull=True) | Q(ends_at__year__gte=year))
    page = Paginator(campaigns, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "year": year or "",
        "today": selectors.today_participation(request.user),
        "guide_count": GuideItem.objects.filter(is_active=True).count(),
        "article_count": Article.objects.filter(is_published=True).count(),
        "can_manage": request.user.has_perm("knowledge.manage"),
        "now": timezone.now(),
    }
    return render(request, "knowledge/staff_home.html", context)


def staff_campaign(request, pk: int):
    response = _staff(request)
    if response:
        return response
    campaign = get_object_or_404(Campaign, pk=pk)
    day, day_error = None, None
    if campaign.kind == Campaign.Kind.DAILY:
        raw = request.GET.get("day") or timezone.localdate().isoformat()
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            day, day_error = timezone.localdate(), _("日期格式应为 2026-11-24")
    figures = selectors.campaign_participation(viewer=request.user, campaign=campaign, day=day)
    page = Paginator(figures["rows"], 30).get_page(request.GET.get("page"))
    ranking = selectors.contest_ranking(campaign, limit=20) if campaign.kind == Campaign.Kind.CONTEST else None
    return render(
        request,
        "knowledge/staff_campaign.html",
        {"campaign": campaign, "figures": figures, "page": page, "day": day, "day_error": day_error, "ranking": ranking},
    )
