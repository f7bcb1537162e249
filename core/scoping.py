"""Who may see which organisations and people — the one place scoping is decided.

District staff see everything; street/industry staff see their union's subtree; a grassroots
admin sees their own union (and any union below it); a worker sees only their own member
record. Selectors everywhere start from these querysets, so scoping is never re-implemented.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from core.models import Member, Organisation, RoleAssignment, User

Role = RoleAssignment.Role
STAFF_ROLES = (Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.GRASSROOTS_ADMIN)


def role_assignments(user: User) -> list[RoleAssignment]:
    """The user's roles, loaded once per user object (a request's user lives one request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_uh_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user).select_related("organisation"))
        user._uh_roles = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    return any(a.role in roles for a in role_assignments(user))


def is_district_staff(user: User) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, Role.DISTRICT_STAFF)


def is_staff_member(user: User) -> bool:
    return is_district_staff(user) or has_role(user, *STAFF_ROLES)


def scope_roots(user: User, roles=STAFF_ROLES) -> list[Organisation] | None:
    """Organisations whose subtrees the user's staff roles cover; None means the whole district."""
    if is_district_staff(user):
        return None
    return [a.organisation for a in role_assignments(user) if a.role in roles]


def organisation_scope_q(user: User, field: str = "", roles=STAFF_ROLES) -> Q:
    """A Q that limits any model with an organisation relation (``field`` = path to it) to the user's scope."""
    roots = scope_roots(user, roles)
    if roots is None:
        return Q()
    if not roots:
        return Q(pk__in=[])
    prefix = f"{field}__" if field else ""
    return reduce(or_, (Q(**{f"{prefix}path__startswith": root.path}) for root in roots))


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_scope_q(user))


def members_visible_to(user: User) -> QuerySet[Member]:
    """Staff see the members of their scope; a worker sees only themself."""
    if is_staff_member(user):
        return Member.objects.filter(organisation_scope_q(user, "organisation"))
    member = member_for(user)
    return Member.objects.filter(pk=member.pk) if member else Member.objects.none()


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    roots = scope_roots(user)
    if roots is None:
        return True
    return any(organisation.is_within(root) for root in roots)


def can_manage_organisation(user: User, organisation: Organisation) -> bool:
    """Write access follows read access for staff; collectors and workers never manage unions."""
    return is_staff_member(user) and can_view_organisation(user, organisation)


def member_for(user: User) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.member
    except Member.DoesNotExist:
        return None
