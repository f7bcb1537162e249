"""Who may do what in the honours programme (checked by the workflow engine, services and views)."""

from __future__ import annotations

import rules

from core import scoping
from core.models import RoleAssignment
from core.rules import is_district_staff

Role = RoleAssignment.Role


def _subject(case_or_object):
    return getattr(case_or_object, "subject", case_or_object)


def is_district(user, case=None) -> bool:
    return scoping.is_district_staff(user)


def is_nominating_staff(user, case) -> bool:
    """The nominating union's admin, or the street/industry or district office above it."""
    nomination = _subject(case)
    return scoping.has_role(user, Role.GRASSROOTS_ADMIN, Role.STREET_STAFF, Role.DISTRICT_STAFF) and scoping.can_manage_organisation(
        user, nomination.organisation
    )


def is_unit_staff(user, case) -> bool:
    """Staff of the street or industry union whose places the nomination uses (街道/行业推荐)."""
    nomination = _subject(case)
    return scoping.has_role(user, Role.STREET_STAFF) and scoping.can_view_organisation(user, nomination.unit)


def is_reviewer(user, case) -> bool:
    return is_district(user) or is_unit_staff(user, case)


def may_view_nomination(user, nomination) -> bool:
    if scoping.is_staff_member(user) and scoping.can_view_organisation(user, nomination.organisation):
        return True
    member = scoping.member_for(user)
    return member is not None and nomination.member_id == member.pk


def may_change_attachments(user, nomination) -> bool:
    from modules.honours.services import case_of

    return is_nominating_staff(user, nomination) and case_of(nomination).state in ("draft", "returned")


def is_office(user) -> bool:
    return scoping.is_staff_member(user)


def may_resolve_objection(user) -> bool:
    """Objections taken during the public notice are decided by district staff only."""
    return scoping.is_district_staff(user)


def may_resolve_appeal(user) -> bool:
    """A competition entrant's appeal (申诉) is decided by district staff only."""
    return scoping.is_district_staff(user)


# The menu offers the objection desk only to whom it opens (a menu never shows a 403).
rules.add_perm("honours.resolve_objections", is_district_staff)
