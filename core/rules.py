"""Permission rules of the kernel, as composable predicates (checked in services and views)."""

import rules

from core import scoping
from core.models import RoleAssignment

Role = RoleAssignment.Role


@rules.predicate
def is_district_staff(user):
    return scoping.is_district_staff(user)


@rules.predicate
def is_street_staff(user):
    return scoping.has_role(user, Role.STREET_STAFF)


@rules.predicate
def is_grassroots_admin(user):
    return scoping.has_role(user, Role.GRASSROOTS_ADMIN)


@rules.predicate
def is_collector(user):
    return scoping.has_role(user, Role.COLLECTOR)


@rules.predicate
def is_inspector(user):
    return scoping.has_role(user, Role.INSPECTOR)


@rules.predicate
def is_worker(user):
    return scoping.member_for(user) is not None


is_staff_member = is_district_staff | is_street_staff | is_grassroots_admin


@rules.predicate
def organisation_in_scope(user, organisation):
    return organisation is not None and scoping.can_view_organisation(user, organisation)


@rules.predicate
def member_in_scope(user, member):
    if member is None:
        return False
    if scoping.is_staff_member(user):
        return scoping.can_view_organisation(user, member.organisation)
    own = scoping.member_for(user)
    return own is not None and own.pk == member.pk


rules.add_perm("core.view_organisation", is_staff_member & organisation_in_scope)
rules.add_perm("core.change_organisation", is_staff_member & organisation_in_scope)
rules.add_perm("core.add_child_organisation", (is_district_staff | is_street_staff) & organisation_in_scope)
rules.add_perm("core.view_member", member_in_scope)
rules.add_perm("core.change_member", is_staff_member & member_in_scope)
rules.add_perm("core.view_dashboard", is_staff_member)
rules.add_perm("core.view_audit", is_district_staff)
rules.add_perm("core.manage_tokens", is_district_staff | is_collector | is_inspector)
rules.add_perm("core.view_coverage", is_district_staff | is_street_staff)
rules.add_perm("core.change_coverage", is_district_staff | is_street_staff)
