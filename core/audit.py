"""The audit trail: every service that changes staff-managed data calls ``audit``."""

from __future__ import annotations

from django.db import models

from core.models import AuditLog


def audit(*, actor, action: str, obj: models.Model | None = None, changes: dict | None = None, organisation=None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
        organisation=organisation,
    )


def diff(instance: models.Model, fields: list[str], new_values: dict) -> dict:
    """The fields that change, as {field: [old, new]} (JSON-friendly)."""
    out = {}
    for field in fields:
        if field in new_values:
            old = getattr(instance, field)
            new = new_values[field]
            if old != new:
                out[field] = [str(old) if old is not None else None, str(new) if new is not None else None]
    return out
