"""Who may do what in the learning programme (checked in the services and the views)."""

from __future__ import annotations

import rules

from core import scoping
from core.models import Member, Organisation
from core.rules import is_staff_member, is_worker


def may_run_for(user, organisation: Organisation | None) -> bool:
    """District-wide activities are the district's; a union's own, its staff's (in scope)."""
    if organisation is None:
        return scoping.is_district_staff(user)
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, organisation)


def member_in_reach(member: Member | None, organisation: Organisation | None) -> bool:
    """A verified member (on the roster, signed in) of the activity's union or the whole district."""
    if member is None or member.status != Member.Status.ACTIVE or member.user_id is None:
        return False
    return organisation is None or member.organisation.is_within(organisation)


def may_manage_contest(user, contest) -> bool:
    return may_run_for(user, contest.organisation)


def may_take_contest(user, contest) -> bool:
    return member_in_reach(scoping.member_for(user), contest.organisation)


def may_manage_call(user, call) -> bool:
    return may_run_for(user, call.organisation)


def is_judge(user, call) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and call.judges.filter(pk=user.pk).exists()


def may_view_essay(user, essay) -> bool:
    """The author, staff in scope of the author's union, and the call's judges (anonymously)."""
    member = scoping.member_for(user)
    if member is not None and member.pk == essay.member_id:
        return True
    if scoping.is_staff_member(user) and scoping.can_view_organisation(user, essay.organisation):
        return True
    return essay.call.status != essay.call.Status.OPEN and is_judge(user, essay.call)


def may_change_essay(user, essay) -> bool:
    member = scoping.member_for(user)
    return member is not None and member.pk == essay.member_id and essay.call.is_open()


def may_view_material(user, material) -> bool:
    return material.is_published or may_run_for(user, material.organisation)


def may_change_material(user, material) -> bool:
    return may_run_for(user, material.organisation)


def may_manage_session(user, session) -> bool:
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, session.organisation)


rules.add_perm("learning.manage", is_staff_member)
rules.add_perm("learning.take_part", is_worker)
