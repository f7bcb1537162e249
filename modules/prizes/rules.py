"""Who may do what in the prize shop.

Staff of any level manage the prizes and pickup places of the unions in their scope (a
grassroots admin: their own union's; a street union: its street; the district: everything).
A pickup place's operators hand prizes over there; so may staff who manage that place.
"""

import rules

from core import scoping
from core.rules import is_staff_member


@rules.predicate
def organisation_managed(user, obj):
    organisation = getattr(obj, "organisation", obj)
    return organisation is not None and scoping.can_manage_organisation(user, organisation)


@rules.predicate
def operates_place(user, place):
    if place is None or not getattr(user, "is_authenticated", False):
        return False
    return place.operators.filter(pk=user.pk).exists()


@rules.predicate
def prize_of_redemption_managed(user, redemption):
    return redemption is not None and scoping.can_manage_organisation(user, redemption.prize.organisation)


@rules.predicate
def is_pickup_operator(user):
    """Operates at least one active pickup place (the operator's navigation and pickup page)."""
    if not getattr(user, "is_authenticated", False):
        return False
    from modules.prizes.models import PickupPlace

    return PickupPlace.objects.filter(operators=user, is_active=True).exists()


can_manage_prizes = is_staff_member
can_hand_over_at = operates_place | (is_staff_member & organisation_managed)

rules.add_perm("prizes.manage", is_staff_member)
rules.add_perm("prizes.change_prize", is_staff_member & organisation_managed)
rules.add_perm("prizes.change_pickupplace", is_staff_member & organisation_managed)
rules.add_perm("prizes.hand_over_at", can_hand_over_at)
rules.add_perm("prizes.cancel_redemption", is_staff_member & prize_of_redemption_managed)
rules.add_perm("prizes.view_reports", is_staff_member)
rules.add_perm("prizes.use_pickup", is_staff_member | is_pickup_operator)
