"""Reads of the prize shop; each takes the viewer and scopes through core.scoping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from core import scoping
from core.models import Member, Organisation, User
from modules.prizes.models import PickupPlace, Prize, Redemption

Status = Redemption.Status


def _ancestor_ids(organisation: Organisation) -> list[int]:
    return [int(part) for part in organisation.path.strip(".").split(".") if part]


# --- the worker's side -------------------------------------------------------------------------


def prizes_for_member(member: Member, *, today: date | None = None) -> QuerySet[Prize]:
    """Prizes the member may redeem now: offered by their union or one above it, on the shelf, in period."""
    today = today or timezone.localdate()
    return (
        Prize.objects.filter(
            organisation_id__in=_ancestor_ids(member.organisation),
            is_active=True,
            valid_from__lte=today,
            valid_until__gte=today,
        )
        .select_related("organisation")
        .order_by("points_price", "id")
    )


def prize_for_member(member: Member, prize_id: int) -> Prize | None:
    """One prize the member may see (also out of period or stock, to say so), with its open places."""
    return (
        Prize.objects.filter(pk=prize_id, organisation_id__in=_ancestor_ids(member.organisation))
        .select_related("organisation")
        .prefetch_related(Prefetch("places", queryset=PickupPlace.objects.filter(is_active=True).order_by("name")))
        .first()
    )


def live_count(member: Member, prize: Prize) -> int:
    return Redemption.objects.filter(member=member, prize=prize, status__in=Redemption.LIVE).count()


def redemptions_of_member(member: Member) -> QuerySet[Redemption]:
    return Redemption.objects.filter(member=member).select_related("prize", "place").order_by("-created_at", "-id")


# --- staff -------------------------------------------------------------------------------------


def prizes_visible_to(user: User) -> QuerySet[Prize]:
    return Prize.objects.filter(scoping.organisation_scope_q(user, "organisation")).select_related("organisation")


def places_visible_to(user: User) -> QuerySet[PickupPlace]:
    return PickupPlace.objects.filter(scoping.organisation_scope_q(user, "organisation")).select_related("organisation")


def places_selectable_for(user: User) -> QuerySet[PickupPlace]:
    """Places a staff member may offer prizes at: those of their scope, and those of the unions above it
    (a grassroots union may send its members to the street's rest station)."""
    roots = scoping.scope_roots(user)
    if roots is None:
        return PickupPlace.objects.filter(is_active=True).select_related("organisation")
    above = {pk for root in roots for pk in _ancestor_ids(root)}
    return (
        PickupPlace.objects.filter(is_active=True)
        .filter(scoping.organisation_scope_q(user, "organisation") | Q(organisation_id__in=above))
        .select_related("organisation")
    )


def places_for_pickup(user: User) -> QuerySet[PickupPlace]:
    """Places where the user may hand prizes over: those they operate, and for staff those they manage."""
    condition = Q(operators=user)
    if scoping.is_staff_member(user):
        condition |= scoping.organisation_scope_q(user, "organisation")
    return PickupPlace.objects.filter(condition, is_active=True).distinct().select_related("organisation").order_by("name", "id")


def redemptions_visible_to(user: User) -> QuerySet[Redemption]:
    """Staff see the redemptions of members of the unions in their scope (a union's prize is only
    redeemable below it, so this also covers every redemption of the prizes they manage)."""
    return Redemption.objects.filter(scoping.organisation_scope_q(user, "organisation")).select_related(
        "prize", "place", "member", "organisation"
    )


def pickups_recent(user: User, place: PickupPlace, limit: int = 10) -> list[Redemption]:
    return list(
        Redemption.objects.filter(place=place, status=Status.HANDED_OVER)
        .select_related("prize", "member")
        .order_by("-handed_over_at")[:limit]
    )


# --- reports -----------------------------------------------------------------------------------


@dataclass
class Period:
    start: date | None = None
    end: date | None = None

    def q(self, field: str = "created_at") -> Q:
        q = Q()
        tz = timezone.get_current_timezone()
        if self.start:
            q &= Q(**{f"{field}__gte": timezone.make_aware(datetime.combine(self.start, time.min), tz)})
        if self.end:
            q &= Q(**{f"{field}__lt": timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz)})
        return q


def _tally():
    live = Q(status__in=Redemption.LIVE)
    return {
        "total": Count("id"),
        "pending": Count("id", filter=Q(status=Status.PENDING)),
        "handed_over": Count("id", filter=Q(status=Status.HANDED_OVER)),
        "expired": Count("id", filter=Q(status=Status.EXPIRED)),
        "cancelled": Count("id", filter=Q(status=Status.CANCELLED)),
        "points": Sum("points", filter=live, default=0),
    }


def report_by_prize(user: User, period: Period) -> list[dict]:
    rows = redemptions_visible_to(user).filter(period.q()).values("prize_id", "prize__name", "prize__points_price", "prize__stock")
    return list(rows.annotate(**_tally()).order_by("-total", "prize__name"))


def report_by_place(user: User, period: Period) -> list[dict]:
    rows = redemptions_visible_to(user).filter(period.q()).values("place_id", "place__name", "place__kind")
    return list(rows.annotate(**_tally()).order_by("-total", "place__name"))


def report_by_organisation(user: User, period: Period) -> QuerySet:
    rows = redemptions_visible_to(user).filter(period.q()).values("organisation_id", "organisation__name")
    return rows.annotate(**_tally()).order_by("-total", "organisation__name")


def report_totals(user: User, period: Period) -> dict:
    return redemptions_visible_to(user).filter(period.q()).aggregate(**_tally())


def stock_alerts(user: User) -> QuerySet[Prize]:
    """Prizes on the shelf whose stock fell to (or below) their alert threshold."""
    today = timezone.localdate()
    return (
        prizes_visible_to(user)
        .filter(is_active=True, valid_until__gte=today, stock__lte=F("stock_alert_threshold"))
        .order_by("stock", "name")
    )


def redemptions_this_month(user: User) -> int:
    today = timezone.localdate()
    return redemptions_visible_to(user).filter(Period(start=today.replace(day=1)).q(), status__in=Redemption.LIVE).count()
