"""Who may do what in the care programme (checked in the services, the views and the workflow)."""

from __future__ import annotations

import rules

from core import scoping
from core.models import RoleAssignment

Role = RoleAssignment.Role


def _subject(case_or_object):
    return getattr(case_or_object, "subject", case_or_object)


# --- wishes ----------------------------------------------------------------------------------


def may_manage_wish(user, wish) -> bool:
    """The wisher's union and the offices above it: verify, confirm a claim, act for the wisher."""
    return scoping.can_manage_organisation(user, wish.organisation)


def is_wisher(user, wish) -> bool:
    member = scoping.member_for(user)
    return member is not None and wish.member_id == member.pk


def may_view_wish(user, wish) -> bool:
    return is_wisher(user, wish) or may_manage_wish(user, wish)


def is_claim_donor(user, claim) -> bool:
    return getattr(user, "is_authenticated", False) and claim.donor_id == user.pk


def may_view_claim_files(user, claim) -> bool:
    """The delivery photo or receipt: the donor, the wisher and the wisher's union."""
    return is_claim_donor(user, claim) or may_view_wish(user, claim.wish)


def may_add_claim_files(user, claim) -> bool:
    return is_claim_donor(user, claim) and claim.status in ("confirmed", "delivered")


# --- loans -----------------------------------------------------------------------------------


def is_borrower(user, case) -> bool:
    loan = _subject(case)
    member = scoping.member_for(user)
    return member is not None and loan.member_id == member.pk


def is_loan_maker(user, case) -> bool:
    """First review (初审): street/industry staff whose area holds the borrower's union, or the district."""
    loan = _subject(case)
    return (scoping.has_role(user, Role.STREET_STAFF) or scoping.is_district_staff(user)) and scoping.can_view_organisation(
        user, loan.organisation
    )


def is_loan_checker(user, case) -> bool:
    """Approval (复核) by district staff who did not make the first review: two people, always."""
    loan = _subject(case)
    return scoping.is_district_staff(user) and loan.maker_id is not None and loan.maker_id != user.pk


def is_district(user, case=None) -> bool:
    return scoping.is_district_staff(user)


def may_view_loan(user, loan) -> bool:
    return is_borrower(user, loan) or (scoping.is_staff_member(user) and scoping.can_view_organisation(user, loan.organisation))


def may_change_loan_files(user, loan) -> bool:
    from modules.care.services import loan_case

    return is_borrower(user, loan) and loan_case(loan).state in ("draft", "returned")


# --- counselling -----------------------------------------------------------------------------


def counsellor_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.care_counsellor
    except Exception:  # RelatedObjectDoesNotExist
        return None


def is_booking_counsellor(user, booking) -> bool:
    counsellor = counsellor_of(user)
    return counsellor is not None and booking.counsellor_id == counsellor.pk


@rules.predicate
def is_counsellor(user) -> bool:
    """A counsellor's account (as ``counsellor_required`` lets in): the menu offers their bookings page."""
    return counsellor_of(user) is not None


rules.add_perm("care.counsel", is_counsellor)
