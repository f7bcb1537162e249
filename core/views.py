"""Kernel pages: home, logins (staff password, worker phone code), dashboard, health."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import scoping, wechat
from core.errors import ApiError
from core.forms import OtpForm, PhoneForm
from core.registry import registry
from core.replica import lag_tolerant
from core.services import otp_request, otp_verify


def _safe_next(request, fallback: str = "core:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def home(request):
    user = request.user
    if user.is_authenticated:
        if scoping.is_staff_member(user):
            return redirect("core:dashboard")
        if scoping.member_for(user) is not None:
            return redirect(registry_worker_home())
        if scoping.has_role(user, scoping.Role.COLLECTOR, scoping.Role.INSPECTOR):
            return render(request, "core/field_home.html")
    return render(request, "core/home.html")


def registry_worker_home() -> str:
    """The first worker navigation entry is the worker's home (the bag platform's 'my points')."""
    for item in registry.nav_items:
        if item.audience == "worker":
            return item.url_name
    return "core:home"


class StaffLoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@never_cache
def worker_login(request):
    """Phone + one-time code: step 1 sends the code, step 2 checks it and logs the worker in."""
    next_url = _safe_next(request, "")
    phone_form = PhoneForm(request.POST or None)
    otp_form = OtpForm(request.POST or None) if request.POST.get("code") is not None else None
    sent_to = None
    if request.method == "POST":
        try:
            if otp_form is not None and otp_form.is_valid():
                user = otp_verify(phone=otp_form.cleaned_data["phone"], code=otp_form.cleaned_data["code"])
                if wechat.bind_pending(request.session, user) is not None:  # came from a first WeChat login
                    messages.success(request, _("已绑定微信，以后在微信中可直接登录"))
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url or "core:home")
            if otp_form is None and phone_form.is_valid():
                otp_request(phone=phone_form.cleaned_data["phone"], ip=request.META.get("REMOTE_ADDR"))
                sent_to = phone_form.cleaned_data["phone"]
                otp_form = OtpForm(initial={"phone": sent_to})
                messages.success(request, _("验证码已发送，请查收短信"))
        except ApiError as error:
            form = otp_form if otp_form is not None else phone_form
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
            if otp_form is not None:
                sent_to = otp_form.data.get("phone")
    return render(
        request,
        "core/worker_login.html",
        {
            "phone_form": phone_form,
            "otp_form": otp_form,
            "sent_to": sent_to,
            "next": next_url,
            "login_note": _login_note(request, next_url),
            "wechat_login": wechat.enabled() and wechat.is_wechat(request),
            "wechat_pending": wechat.PENDING_KEY in request.session,
        },
    )


@never_cache
@require_GET
def wechat_start(request):
    """Step 1 of the WeChat web login: to WeChat's authorize page with a one-time state."""
    if not wechat.enabled():
        raise Http404
    state = secrets.token_urlsafe(16)
    request.session[wechat.STATE_KEY] = {"state": state, "next": _safe_next(request, "")}
    callback = (
        settings.WECHAT_REDIRECT_BASE.rstrip("/") + reverse("core:wechat_callback")
        if settings.WECHAT_REDIRECT_BASE
        else request.build_absolute_uri(reverse("core:wechat_callback"))
    )
    return redirect(wechat.authorize_url(callback, state))


@never_cache
@require_GET
def wechat_callback(request):
    """Step 2: WeChat's code → openid; a bound worker is logged in, a new one checks their phone once."""
    if not wechat.enabled():
        raise Http404
    started = request.session.pop(wechat.STATE_KEY, None) or {}
    next_url = started.get("next", "")
    login_url = reverse("core:worker_login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    if not started or not state or not secrets.compare_digest(state, started.get("state", "")):
        messages.error(request, _("微信登录已失效，请重新进入或用手机号登录"))
        return redirect(login_url)
    if not code:  # the worker declined on WeChat's page
        messages.info(request, _("未授权微信登录，可用手机号登录"))
        return redirect(login_url)
    try:
        identity = wechat.exchange_code(code)
    except wechat.WechatError:
        messages.error(request, _("微信登录暂时不可用，请用手机号登录"))
        return redirect(login_url)
    user = wechat.user_for(identity)
    if user is not None:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url or "core:home")
    wechat.remember_pending(request.session, identity)
    messages.info(request, _("首次使用微信登录，请验证一次手机号，之后在微信中可直接登录"))
    return redirect(login_url)


def _login_note(request, next_url: str) -> dict | None:
    """Why the worker is asked to log in, from the page they are headed to (a programme's note)."""
    if not next_url:
        return None
    for note in registry.resolved(registry.login_notes):
        answer = note(request, next_url)
        if answer:
            return answer
    return None


@login_required
@lag_tolerant
def dashboard(request):
    if not request.user.has_perm("core.view_dashboard"):
        raise PermissionDenied
    cards = []
    for card in registry.resolved(registry.dashboard_cards):
        result = card(request)
        if result:
            cards.extend(result if isinstance(result, list) else [result])
    roots = scoping.scope_roots(request.user)
    return render(request, "core/dashboard.html", {"cards": cards, "scope_roots": roots})


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the database being down is exactly what this reports
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require_GET
def public_media(request, path):
    """The demo's media route (DEBUG): the public pictures only, never a worker's photo or a job file."""
    import posixpath

    from django.conf import settings
    from django.http import Http404
    from django.views.static import serve

    clean = posixpath.normpath(path).lstrip("/")
    if clean.startswith("..") or not clean.startswith(tuple(settings.PUBLIC_MEDIA_PREFIXES)):
        raise Http404
    return serve(request, clean, document_root=settings.MEDIA_ROOT)
