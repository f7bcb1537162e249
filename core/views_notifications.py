"""My messages: what the platform told me (a step of my application, a deadline), newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import notifications, scoping
from core.models import Notification

PAGE_SIZE = 20


@login_required
def inbox(request):
    page = Paginator(notifications.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    layout = "base.html" if scoping.is_staff_member(request.user) else "base_mobile.html"
    return render(
        request,
        "core/notifications.html",
        {"page": page, "layout": layout, "unread": notifications.unread_count(request.user)},
    )


@login_required
@require_POST
def open_message(request, pk):
    """Mark one message read and go to what it is about (only to a link inside the platform)."""
    message = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(user=request.user, ids=[message.pk])
    if message.url and url_has_allowed_host_and_scheme(message.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(message.url)
    return redirect("core:notifications")


@login_required
@require_POST
def mark_all_read(request):
    notifications.mark_read(user=request.user)
    return redirect("core:notifications")
