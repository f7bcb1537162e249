"""Who may do what with the fund (checked by the workflow engine, the services and the views)."""

from __future__ import annotations

from core import scoping
from core.models import RoleAssignment

Role = RoleAssignment.Role


def _application(case_or_application):
    return getattr(case_or_application, "subject", case_or_application)


def is_applicant_admin(user, case) -> bool:
    """The grassroots admin of the applying union (or of a union above it)."""
    application = _application(case)
    return scoping.has_role(user, Role.GRASSROOTS_ADMIN) and scoping.can_manage_organisation(user, application.organisation)


def is_reviewing_street(user, case) -> bool:
    """Street or industry staff whose area holds the applying union (街道审核)."""
    application = _application(case)
    return scoping.has_role(user, Role.STREET_STAFF) and scoping.can_view_organisation(user, application.organisation)


def is_district(user, case=None) -> bool:
    """The district federation approves, and its finance office pays."""
    return scoping.is_district_staff(user)


def approver_id(case_or_application) -> int | None:
    """Who approved the application (the last ``approve`` in its case's history), if anyone."""
    from engines.workflow.models import Event

    subject = _application(case_or_application)
    case = case_or_application if hasattr(case_or_application, "subject") else None
    events = Event.objects.filter(case=case) if case is not None else Event.objects.filter(case__fund_application=subject)
    return events.filter(transition="approve").order_by("-created_at", "-pk").values_list("actor_id", flat=True).first()


def is_payer(user, case) -> bool:
    """Finance records the payment — a district officer other than the one who approved it
    (maker–checker: approving and paying the same money are never one person's act)."""
    return is_district(user) and getattr(user, "pk", None) is not None and approver_id(case) != user.pk


def is_applicant_or_district(user, case) -> bool:
    return is_district(user) or is_applicant_admin(user, case)


def may_view_application(user, application) -> bool:
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, application.organisation)


def may_change_attachments(user, application) -> bool:
    """Supporting documents: the union's admin while the application is a draft or returned."""
    from modules.fund.services import case_of

    return is_applicant_admin(user, application) and case_of(application).state in ("draft", "returned")
