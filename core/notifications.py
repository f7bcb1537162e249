"""The in-platform inbox: services write messages to users, users read them at /notifications/.

An SMS or WeChat push can be added behind ``notify`` later without changing its callers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from core.models import Notification, User

TITLE_MAX = 120


def _link_of(subject) -> str:
    get_url = getattr(subject, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


def notify(*, recipients: Iterable[User], title: str, body: str = "", subject=None, url: str = "") -> int:
    """One message to each distinct recipient, in one statement; returns how many were written."""
    unique = {user.pk: user for user in recipients if user is not None and user.pk is not None}
    if not unique:
        return 0
    link = url or (_link_of(subject) if subject is not None else "")
    object_type = subject._meta.label_lower if subject is not None else ""
    object_id = str(subject.pk) if subject is not None else ""
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            title=str(title)[:TITLE_MAX],
            body=str(body),
            url=link,
            object_type=object_type,
            object_id=object_id,
            created_at=now,
        )
        for pk in unique
    )
    return len(unique)


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own messages read (all of them when ``ids`` is None); others' are untouched."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
