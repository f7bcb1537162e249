"""Who may manage a questionnaire and who may answer it."""

from __future__ import annotations

import rules

from core import scoping
from core.models import Organisation


@rules.predicate
def may_manage(user, survey) -> bool:
    """Office staff whose tree holds the union that runs the survey (its results included)."""
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, survey.organisation)


def may_manage_organisation(user, organisation: Organisation) -> bool:
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, organisation)


@rules.predicate
def may_answer(user, survey) -> bool:
    """Anyone logged in (a courier signs in with a phone number) when the survey is the
    district's; members of the union's tree when a street or a union runs it."""
    if not getattr(user, "is_authenticated", False):
        return False
    if survey.organisation.level == Organisation.Level.DISTRICT:
        return True
    member = scoping.member_for(user)
    return bool(member and member.organisation.is_within(survey.organisation)) or may_manage(user, survey)
