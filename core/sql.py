"""SQL forms of core's checks, for a hot statement that makes them itself instead of a query apiece.

Each sits beside nothing else on purpose: the Python definition (``scoping.has_role``,
``api.DeviceTokenAuth``) and its SQL form are kept in step here and nowhere else, so a
programme's statement composes them rather than re-implementing them. The arguments are SQL
expressions (a placeholder, a column, a subquery).
"""

from __future__ import annotations


def has_role(user: str, role: str) -> str:
    """True when ``user`` holds ``role`` anywhere: ``scoping.has_role(user, role)`` in SQL."""
    return f"EXISTS (SELECT 1 FROM core_roleassignment r WHERE r.user_id = {user} AND r.role = {role})"


def live_token(key_hash: str, *, joined: str = "") -> str:
    """The FROM … WHERE of a device token that authenticates (``api.DeviceTokenAuth``): not revoked,
    its user active. Aliases: ``t`` (core_apitoken), ``u`` (core_user). ``joined``: joins for a
    statement that reads something else with the token (a LEFT JOIN keeps the token's row when
    that something is missing)."""
    return (
        f"core_apitoken t JOIN core_user u ON u.id = t.user_id {joined + ' ' if joined else ''}"
        f"WHERE t.key_hash = {key_hash} AND t.revoked_at IS NULL AND u.is_active"
    )
