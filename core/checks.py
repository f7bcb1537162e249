"""System checks of UnionHub's own configuration (``manage.py check``, ``check --deploy``, and the
WSGI start-up: gunicorn runs no checks itself, so ``config/wsgi.py`` calls ``refuse_to_start``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

TAG = "unionhub"


@checks.register(TAG)
def sms_backend_check(app_configs=None, **kwargs):
    """Production needs a real SMS gateway: the console backend writes login codes to the log."""
    from core.sms import DevelopmentSmsBackend, dev_backend_allowed

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as exc:
        return [checks.Error(f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported: {exc}", id="unionhub.E002")]
    missing = getattr(backend, "missing_settings", lambda: [])()
    if missing:
        return [
            checks.Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} needs {', '.join(missing)}",
                hint="Set them in the environment (README, configuration); login codes cannot be sent without them.",
                id="unionhub.E003",
            )
        ]
    if issubclass(backend, DevelopmentSmsBackend) and not dev_backend_allowed():
        return [
            checks.Error(
                f"SMS_BACKEND is {settings.SMS_BACKEND!r}, a development backend, with DEBUG off",
                hint="Set SMS_BACKEND to the class that calls the operator's SMS gateway (core.sms.SmsBackend); "
                "the console backend writes one-time codes to the server log. A demo on production settings "
                "sets UNIONHUB_DEMO=1.",
                id="unionhub.E001",
            )
        ]
    return []


def refuse_to_start() -> None:
    """Raise on any error of our checks (called when the WSGI application is built)."""
    errors = [m for m in checks.run_checks(tags=[TAG]) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{m.id}: {m.msg}" for m in errors))
