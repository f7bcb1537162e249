"""Reading the care programme. Every list takes the viewer and starts from ``core.scoping``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import scoping
from core.models import RoleAssignment, User
from engines.workflow.models import Case
from modules.care import rules
from modules.care.models import Booking, HotlineCall, LoanApplication, Repayment, Wish, WishCampaign, WishClaim
from modules.care.process import LOAN

# --- wishes ----------------------------------------------------------------------------------

PUBLIC_FIELDS = ("pk", "first_name", "story", "item", "category", "value", "status", "published_at", "street__name", "campaign_id")


def open_wishes(campaign: WishCampaign | None = None, *, street_id: int | None = None):
    """The shareable public list: published wishes, the unclaimed first (highlighted on the page),
    then those on their way. Nothing identifying: a first name and the agreed story."""
    qs = Wish.objects.filter(status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED, Wish.Status.DELIVERED])
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if street_id:
        qs = qs.filter(street_id=street_id)
    # "published" sorts after "delivered" and "claimed": descending status puts the unclaimed
    # first, in the order of an index (campaign, -status, published_at, id), so a page is an
    # index range read that stops at its limit instead of sorting the whole campaign.
    return qs.order_by("-status", "published_at", "pk").values(*PUBLIC_FIELDS)


def wishes_visible_to(viewer):
    """Staff: the wishes of their tree (with the wisher's identity); a worker: their own."""
    if scoping.is_staff_member(viewer):
        return Wish.objects.filter(scoping.organisation_scope_q(viewer, "organisation"))
    member = scoping.member_for(viewer)
    return Wish.objects.filter(member=member) if member else Wish.objects.none()


def live_claim(wish: Wish) -> WishClaim | None:
    return wish.claims.filter(status__in=WishClaim.LIVE).first()


def my_claims(viewer):
    return WishClaim.objects.filter(donor=viewer).select_related("wish", "wish__campaign").order_by("-created_at")


@dataclass
class CampaignFigures:
    posted: int
    verified: int
    claimed: int
    fulfilled: int
    open: int
    value_posted: int
    value_fulfilled: int


COUNTED = ~Q(status__in=[Wish.Status.REJECTED, Wish.Status.WITHDRAWN])


def campaign_figures(campaign_or_qs) -> CampaignFigures:
    """Posted (everything not rejected or withdrawn), verified (reached the district), claimed
    (a donor holds or held it to the end), fulfilled, open (published, unclaimed), in fen."""
    qs = campaign_or_qs.wishes.all() if isinstance(campaign_or_qs, WishCampaign) else campaign_or_qs
    row = qs.aggregate(
        posted=Count("pk", filter=COUNTED),
        verified=Count("pk", filter=Q(status__in=["verified", "published", "claimed", "delivered", "fulfilled"])),
        claimed=Count("pk", filter=Q(status__in=["claimed", "delivered", "fulfilled"])),
        fulfilled=Count("pk", filter=Q(status="fulfilled")),
        open=Count("pk", filter=Q(status="published")),
        value_posted=Sum("value", filter=COUNTED),
        value_fulfilled=Sum("value", filter=Q(status="fulfilled")),
    )
    return CampaignFigures(**{k: v or 0 for k, v in row.items()})


# --- loans -----------------------------------------------------------------------------------


def loans_visible_to(viewer):
    if scoping.is_staff_member(viewer):
        return LoanApplication.objects.filter(scoping.organisation_scope_q(viewer, "organisation"))
    member = scoping.member_for(viewer)
    return LoanApplication.objects.filter(member=member) if member else LoanApplication.objects.none()


def loan_states(loans) -> dict[int, str]:
    return dict(Case.objects.filter(process=LOAN, object_id__in=[loan.pk for loan in loans]).values_list("object_id", "state"))


def loan_makers(loan: LoanApplication) -> list[User]:
    return list(
        User.objects.filter(
            Q(roles__role=RoleAssignment.Role.STREET_STAFF, roles__organisation=loan.street_id)
            | Q(roles__role=RoleAssignment.Role.DISTRICT_STAFF)
        ).distinct()[:20]
    )


def loan_checkers(loan: LoanApplication) -> list[User]:
    return list(User.objects.filter(roles__role=RoleAssignment.Role.DISTRICT_STAFF).exclude(pk=loan.maker_id).distinct()[:20])


def loan_borrower(loan: LoanApplication) -> list[User]:
    return [loan.member.user] if loan.member.user_id else []


def loan_figures(loans) -> dict:
    made = loans.filter(bank_decision="approved")
    repayments = Repayment.objects.filter(loan__in=made)
    return {
        "applications": loans.count(),
        "made": made.count(),
        "amount": made.aggregate(s=Sum("approved_amount"))["s"] or 0,
        "subsidy_paid": repayments.aggregate(s=Sum("subsidy_paid"))["s"] or 0,
        "overdue": repayments.filter(status=Repayment.Status.OVERDUE).count(),
    }


# --- counselling -----------------------------------------------------------------------------


def counselling_counts(since=None, until=None) -> dict:
    """What staff see of counselling: counts, never a person or a note."""
    bookings = Booking.objects.all()
    calls = HotlineCall.objects.all()
    if since:
        bookings, calls = bookings.filter(starts_at__gte=since), calls.filter(at__gte=since)
    if until:
        bookings, calls = bookings.filter(starts_at__lt=until), calls.filter(at__lt=until)
    row = bookings.aggregate(
        booked=Count("pk"),
        attended=Count("pk", filter=Q(status="attended")),
        cancelled=Count("pk", filter=Q(status="cancelled")),
        cancelled_by_member=Count("pk", filter=Q(status="cancelled", cancelled_by_member=True)),
        no_show=Count("pk", filter=Q(status="no_show")),
        online=Count("pk", filter=Q(mode="online")),
        crisis=Count("pk", filter=Q(crisis=True)),
    )
    row["hotline_calls"] = calls.count()
    row["hotline_referred"] = calls.filter(referred=True).count()
    return row


def counsellor_bookings(viewer):
    counsellor = rules.counsellor_of(viewer)
    if counsellor is None:
        return Booking.objects.none()
    return Booking.objects.filter(counsellor=counsellor).select_related("member").order_by("starts_at")


# --- the annual review -----------------------------------------------------------------------


def review_section(year: int, viewer):
    """The annual review's part: wishes posted/claimed/fulfilled and value, loans and their
    subsidies, counselling sessions as counts only."""
    import datetime as dt

    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    wishes = campaign_figures(Wish.objects.filter(campaign__year=year))
    loans = loan_figures(LoanApplication.objects.filter(created_at__gte=start, created_at__lt=end))
    counselling = counselling_counts(start, end)
    if not (wishes.posted or loans["applications"] or counselling["booked"] or counselling["hotline_calls"]):
        return {"title": _("关心关爱"), "items": [], "empty": _("本年度没有关心关爱数据")}
    from core.numbers import yuan

    items = [
        (_("征集微心愿"), wishes.posted, _("个")),
        (_("微心愿被认领"), wishes.claimed, _("个")),
        (_("微心愿圆梦"), wishes.fulfilled, _("个")),
        (_("圆梦心愿价值"), yuan(wishes.value_fulfilled), ""),
        (_("创业贷款申请"), loans["applications"], _("笔")),
        (_("银行放款"), loans["made"], _("笔")),
        (_("放款金额"), yuan(loans["amount"]), ""),
        (_("工会贴息"), yuan(loans["subsidy_paid"]), ""),
        (_("心理咨询（已完成）"), counselling["attended"], _("人次")),
        (_("心理咨询（已取消）"), counselling["cancelled"], _("人次")),
        (_("心理热线来电"), counselling["hotline_calls"], _("次")),
    ]
    return {"title": _("关心关爱"), "items": items}
