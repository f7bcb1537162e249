"""Who may do what with studio applications (checked by the workflow engine and the views)."""

from __future__ import annotations

from core import scoping
from core.models import RoleAssignment

Role = RoleAssignment.Role


def _application(case_or_application):
    return getattr(case_or_application, "subject", case_or_application)


def is_applicant_admin(user, case) -> bool:
    """The grassroots admin of the applying union (or of a union above it in the same subtree)."""
    application = _application(case)
    return scoping.has_role(user, Role.GRASSROOTS_ADMIN) and scoping.can_manage_organisation(user, application.organisation)


def is_reviewing_street(user, case) -> bool:
    """Street or industry staff whose area holds the applying union (pre-review, 初审)."""
    application = _application(case)
    return scoping.has_role(user, Role.STREET_STAFF) and scoping.can_view_organisation(user, application.organisation)


def is_district(user, case=None) -> bool:
    return scoping.is_district_staff(user)


def is_expert(user) -> bool:
    return scoping.has_role(user, Role.EXPERT)


def may_view_application(user, application) -> bool:
    """Staff in scope; an expert only once assigned and declared free of conflicts."""
    if scoping.is_staff_member(user) and scoping.can_view_organisation(user, application.organisation):
        return True
    return application.assignments.filter(expert=user, declared_at__isnull=False).exists()


def may_change_attachments(user, application) -> bool:
    """The applying union's admin, while the application is a draft or returned for changes."""
    from modules.studios.services import case_of

    return is_applicant_admin(user, application) and case_of(application).state in ("draft", "returned")


def may_view_inspection(user, inspection) -> bool:
    """The inspector and the district; the photos are evidence for the deciding meeting."""
    return inspection.inspector_id == user.pk or scoping.is_district_staff(user)


def may_change_inspection(user, inspection) -> bool:
    return inspection.inspector_id == user.pk and inspection.completed_at is None


def may_view_subsidy(user, subsidy) -> bool:
    return scoping.is_district_staff(user) or is_applicant_admin(user, subsidy.application)


def may_change_subsidy(user, subsidy) -> bool:
    """Receipts are added by the studio's union while the money is in use, never after acceptance."""
    return subsidy.state == "paid" and is_applicant_admin(user, subsidy.application)
