"""Pages of the prize shop: the worker's shop (phone), the pickup desk, and staff management and reports."""

from __future__ import annotations

import uuid
from functools import wraps
from io import BytesIO
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import scoping
from core.errors import ApiError
from core.privacy import mask_name
from core.replica import lag_tolerant
from core.validators import year_filter
from engines.ledger.selectors import balance_of
from modules.prizes import selectors, services
from modules.prizes.exports import report_workbook
from modules.prizes.forms import (
    CancelForm,
    PeriodForm,
    PickupForm,
    PlaceForm,
    PrizeForm,
    RedeemForm,
    RedemptionFilterForm,
    apply_error,
)
from modules.prizes.models import Redemption

PAGE_SIZE = 20


def worker_required(view):
    """Phone pages: a logged-in member (others go to the phone login, staff to their own pages)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("core:worker_login"))
        member = scoping.member_for(request.user)
        if member is None:
            if scoping.is_staff_member(request.user):
                return redirect("prizes:manage_prizes")
            if request.user.has_perm("prizes.use_pickup"):
                return redirect("prizes:pickup")
            raise PermissionDenied
        request.member = member
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("prizes.manage"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- worker ------------------------------------------------------------------------------------


@worker_required
def home(request):
    member = request.member
    page = _page(request, selectors.prizes_for_member(member))
    return render(
        request,
        "prizes/home.html",
        {
            "page": page,
            "balance": balance_of(member.pk),
            "is_operator": request.user.has_perm("prizes.use_pickup"),
            "pending": Redemption.objects.filter(member=member, status=Redemption.Status.PENDING).count(),
        },
    )


@worker_required
def prize_detail(request, prize_id: int):
    member = request.member
    prize = selectors.prize_for_member(member, prize_id)
    if prize is None:
        raise Http404
    places = list(prize.places.all())
    form = RedeemForm(places=places, initial={"place": places[0].pk if len(places) == 1 else None})
    return render(request, "prizes/detail.html", _detail_context(request, prize, places, form))


def _detail_context(request, prize, places, form):
    member = request.member
    balance = balance_of(member.pk)
    taken = selectors.live_count(member, prize)
    today = timezone.localdate()
    blocker = ""
    if not prize.is_open_on(today):
        blocker = _("未到兑换时间") if prize.is_active and today < prize.valid_from else _("已过兑换期或已下架")
    elif prize.stock <= 0:
        blocker = _("已兑完")
    elif taken >= prize.per_person_limit:
        blocker = _("已达每人限兑数量")
    elif balance < prize.points_price:
        blocker = _("积分不足（还差 %(n)s 分）") % {"n": prize.points_price - balance}
    elif not places:
        blocker = _("暂无可用取货点")
    return {"prize": prize, "places": places, "form": form, "balance": balance, "taken": taken, "blocker": blocker}


@worker_required
@require_http_methods(["GET", "POST"])
def redeem(request, prize_id: int):
    """GET: the confirmation (what it costs, where to collect, until when). POST: redeem."""
    member = request.member
    prize = selectors.prize_for_member(member, prize_id)
    if prize is None:
        raise Http404
    places = list(prize.places.all())
    data = request.POST if request.method == "POST" else request.GET.copy()
    if request.method == "GET":
        data["idempotency_key"] = uuid.uuid4().hex
    form = RedeemForm(data, places=places)
    if form.is_valid():
        if request.method == "POST":
            try:
                result = services.redemption_create(
                    actor=request.user,
                    member=member,
                    prize_id=prize.pk,
                    place_id=form.cleaned_data["place"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except ApiError as error:
                apply_error(form, error, {"place_id": "place", "prize_id": None, "idempotency_key": None})
            else:
                if result.created:
                    messages.success(request, _("兑换成功！请凭取货码到取货点领取"))
                return redirect("prizes:my_detail", redemption_id=result.redemption.pk)
        else:
            place = next(p for p in places if p.pk == form.cleaned_data["place"])
            balance = balance_of(member.pk)
            now = timezone.now()
            return render(
                request,
                "prizes/confirm.html",
                {
                    "prize": prize,
                    "place": place,
                    "form": form,
                    "balance": balance,
                    "after": balance - prize.points_price,
                    "deadline": Redemption.expiry_for(prize, now),
                },
            )
    context = _detail_context(request, prize, places, form)
    return render(request, "prizes/detail.html", context, status=200 if request.method == "GET" else 400)


@worker_required
def my_redemptions(request):
    member = request.member
    status = request.GET.get("status", "")
    queryset = selectors.redemptions_of_member(member)
    if status in Redemption.Status.values:
        queryset = queryset.filter(status=status)
    return render(
        request,
        "prizes/my_list.html",
        {
            "page": _page(request, queryset),
            "status": status,
            "statuses": Redemption.Status.choices,
            "balance": balance_of(member.pk),
            "query": _query_without_page(request),
        },
    )


def _own_redemption(request, redemption_id: int) -> Redemption:
    return get_object_or_404(Redemption.objects.select_related("prize", "place"), pk=redemption_id, member=request.member)


@worker_required
def my_detail(request, redemption_id: int):
    redemption = _own_redemption(request, redemption_id)
    return render(request, "prizes/my_detail.html", {"r": redemption})


@worker_required
def my_qr(request, redemption_id: int):
    """The pickup code as a QR image (SVG): it carries the same 8 characters a person can type."""
    redemption = _own_redemption(request, redemption_id)
    buffer = BytesIO()
    segno.make_qr(redemption.display_code, error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True, title=_("取货码 %(code)s") % {"code": redemption.display_code}
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the pickup desk -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def pickup(request):
    """A text box for a handheld scanner (it types the code and Enter) and a camera button for phones."""
    if not request.user.has_perm("prizes.use_pickup"):
        raise PermissionDenied
    places = list(selectors.places_for_pickup(request.user))
    chosen = request.POST.get("place") or request.GET.get("place") or (places[0].pk if places else None)
    form = PickupForm(request.POST or None, places=places, initial={"place": chosen})
    done, rejected = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            done = services.redemption_hand_over(actor=request.user, place_id=form.cleaned_data["place"], code=form.cleaned_data["code"])
        except ApiError as error:
            # Empty the box for the next scan (a scanner types into it); the refused code is shown with the error.
            rejected = form.cleaned_data["code"].strip()[:64]
            apply_error(form, error, {"place_id": "place"})
            form.data = form.data.copy()
            form.data["code"] = ""
        else:
            form = PickupForm(places=places, initial={"place": form.cleaned_data["place"]})
    place = next((p for p in places if str(p.pk) == str(chosen)), None)
    recent = selectors.pickups_recent(request.user, place) if place else []
    return render(
        request,
        "prizes/pickup.html",
        {
            "form": form,
            "places": places,
            "done": done,
            "rejected": rejected,
            "done_name": mask_name(done.member.name) if done else "",
            "recent": recent,
            "place": place,
        },
        status=400 if request.method == "POST" and done is None else 200,
    )


# --- staff: prizes, places, redemptions ------------------------------------------------------------


@staff_required
def manage_prizes(request):
    queryset = selectors.prizes_visible_to(request.user).order_by("-is_active", "name", "id")
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:40]
    if q:
        queryset = queryset.filter(name__icontains=q)
    if request.GET.get("alert") == "1":
        queryset = selectors.stock_alerts(request.user)
    return render(
        request, "prizes/manage/prize_list.html", {"page": _page(request, queryset), "q": q, "query": _query_without_page(request)}
    )


def _prize_values(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("image", None)
    return data


@staff_required
@require_http_methods(["GET", "POST"])
def prize_create(request):
    form = PrizeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            values = _prize_values(form)
            prize = services.prize_create(actor=request.user, image=form.cleaned_data.get("image") or None, **values)
        except ApiError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("奖品「%(name)s」已上架") % {"name": prize.name})
            return redirect("prizes:manage_prizes")
    return render(request, "prizes/manage/prize_form.html", {"form": form, "prize": None}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def prize_edit(request, prize_id: int):
    prize = get_object_or_404(selectors.prizes_visible_to(request.user), pk=prize_id)
    if not request.user.has_perm("prizes.change_prize", prize):
        raise PermissionDenied
    form = PrizeForm(request.POST or None, request.FILES or None, instance=prize, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = _prize_values(form)
        image = form.cleaned_data.get("image")
        try:
            services.prize_update(actor=request.user, prize=prize, image=image if image and image != prize.image else None, **values)
        except ApiError as error:
            prize.refresh_from_db()
            apply_error(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("prizes:manage_prizes")
    return render(request, "prizes/manage/prize_form.html", {"form": form, "prize": prize}, status=400 if form.errors else 200)


@staff_required
def manage_places(request):
    queryset = selectors.places_visible_to(request.user).prefetch_related("operators").order_by("-is_active", "name", "id")
    return render(request, "prizes/manage/place_list.html", {"page": _page(request, queryset), "query": _query_without_page(request)})


@staff_required
@require_http_methods(["GET", "POST"])
def place_form(request, place_id: int | None = None):
    place = get_object_or_404(selectors.places_visible_to(request.user), pk=place_id) if place_id else None
    if place is not None and not request.user.has_perm("prizes.change_pickupplace", place):
        raise PermissionDenied
    form = PlaceForm(request.POST or None, instance=place, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            operators = services.operators_resolve(data.pop("operators"))
            if place is None:
                place = services.place_create(actor=request.user, operators=operators, **data)
            else:
                services.place_update(actor=request.user, place=place, operators=operators, **data)
        except ApiError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("取货点「%(name)s」已保存") % {"name": place.name})
            return redirect("prizes:manage_places")
    return render(request, "prizes/manage/place_form.html", {"form": form, "place": place}, status=400 if form.errors else 200)


@staff_required
def manage_redemptions(request):
    form = RedemptionFilterForm(request.GET or None)
    queryset = selectors.redemptions_visible_to(request.user).order_by("-created_at", "-id")
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        q = form.cleaned_data["q"].strip()
        if q:
            code = "".join(ch for ch in q.upper() if ch.isalnum())
            queryset = queryset.filter(Q(code=code) | Q(prize__name__icontains=q))
    prize_id = request.GET.get("prize")
    if prize_id and prize_id.isdigit() and len(prize_id) <= 18:
        queryset = queryset.filter(prize_id=int(prize_id))
    # the annual review links its figures here: prizes handed over in one year (else ordered in it)
    year = year_filter(request)
    if year:
        queryset = queryset.filter(Q(handed_over_at__year=year) | Q(handed_over_at__isnull=True, created_at__year=year))
    return render(
        request,
        "prizes/manage/redemption_list.html",
        {
            "form": form,
            "page": _page(request, queryset),
            "query": _query_without_page(request),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def redemption_cancel(request, redemption_id: int):
    redemption = get_object_or_404(selectors.redemptions_visible_to(request.user), pk=redemption_id)
    if not request.user.has_perm("prizes.cancel_redemption", redemption):
        raise PermissionDenied
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.redemption_cancel(actor=request.user, redemption_id=redemption.pk, reason=form.cleaned_data["reason"])
        except ApiError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("已取消，%(n)s 积分已退还给职工") % {"n": redemption.points})
            return redirect("prizes:manage_redemptions")
    return render(request, "prizes/manage/cancel.html", {"form": form, "r": redemption}, status=400 if form.errors else 200)


# --- reports -----------------------------------------------------------------------------------


def _period(request) -> tuple[PeriodForm, selectors.Period]:
    form = PeriodForm(request.GET or None)
    if form.is_valid():
        return form, selectors.Period(form.cleaned_data.get("start"), form.cleaned_data.get("end"))
    return form, selectors.Period()


@staff_required
def reports(request):
    if not request.user.has_perm("prizes.view_reports"):
        raise PermissionDenied
    form, period = _period(request)
    by_org = Paginator(selectors.report_by_organisation(request.user, period), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "prizes/reports.html",
        {
            "form": form,
            "totals": selectors.report_totals(request.user, period),
            "by_prize": selectors.report_by_prize(request.user, period),
            "by_place": selectors.report_by_place(request.user, period),
            "by_org": by_org,
            "alerts": list(selectors.stock_alerts(request.user)[:50]),
            "export_query": urlencode({k: v for k, v in request.GET.items() if k in ("start", "end") and v}),
            "query": _query_without_page(request),
        },
    )


@staff_required
@lag_tolerant
def reports_export(request):
    if not request.user.has_perm("prizes.view_reports"):
        raise PermissionDenied
    _form, period = _period(request)
    content = report_workbook(request.user, period)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f"attachment; filename=\"prizes-report-{stamp}.xlsx\"; filename*=UTF-8''%E7%A7%AF%E5%88%86%E5%85%91%E6%8D%A2%E6%8A%A5%E8%A1%A8-{stamp}.xlsx"
    )
    return response


def dashboard_cards(request):
    """The staff dashboard: redemptions this month and prizes running low, in the viewer's scope."""
    user = request.user
    if not scoping.is_staff_member(user):
        return []
    alerts = selectors.stock_alerts(user).count()
    return [
        {
            "title": _("本月积分兑换"),
            "value": selectors.redemptions_this_month(user),
            "url": reverse("prizes:reports"),
            "hint": _("件（不含已取消、已过期）"),
        },
        {
            "title": _("奖品库存预警"),
            "value": alerts,
            "url": reverse("prizes:manage_prizes") + "?alert=1",
            "hint": _("种奖品低于预警线") if alerts else _("库存充足"),
        },
    ]
