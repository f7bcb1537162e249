"""Who may do what in labour relations (checked by the workflow engine, the services and the views).

Case details (parties, contacts, sessions, the agreement) are for the desk's mediators and
district staff only; a worker sees the status and clocks of their own case; street and grassroots
staff see none of it. Monitoring, bargaining and events follow the organisation tree.
"""

from __future__ import annotations

from core import scoping
from core.models import RoleAssignment

Role = RoleAssignment.Role


def _case(case_or_subject):
    return getattr(case_or_subject, "subject", case_or_subject)


def is_mediator(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    mediator = getattr(user, "labour_mediator", None)
    return mediator is not None and mediator.is_active


def is_district(user, case=None) -> bool:
    return scoping.is_district_staff(user)


def is_desk(user, case=None) -> bool:
    """A mediator of the desk or district staff: sees and handles every case's details."""
    return is_district(user) or is_mediator(user)


def is_case_worker(user, case) -> bool:
    subject = _case(case)
    return getattr(user, "is_authenticated", False) and subject.worker_user_id == user.pk


def may_view_stats(user) -> bool:
    """The mediation statistics: the desk for the whole district; street staff for their own streets
    (cases whose union or street lies in them). Grassroots admins and workers: no."""
    return is_desk(user) or scoping.has_role(user, Role.STREET_STAFF)


def stats_whole_district(user) -> bool:
    """The desk sees the district's figures and the per-mediator table (mediators' performance is a
    district matter); street staff see their streets' figures without it."""
    return is_desk(user)


def may_view_case(user, case) -> bool:
    return is_desk(user)


def may_extend(user, case) -> bool:
    """Recording the parties' agreement to extend the mediation period: the desk only."""
    return is_desk(user)


def may_withdraw(user, case) -> bool:
    return is_desk(user) or is_case_worker(user, case)


def may_view_case_status(user, case) -> bool:
    return is_desk(user) or is_case_worker(user, case)


def may_report_for(user, point) -> bool:
    """The monitored enterprise's union admin, or staff whose tree holds it."""
    return scoping.is_staff_member(user) and scoping.can_view_organisation(user, point.organisation)


def may_view_org(user, organisation) -> bool:
    return scoping.is_staff_member(user) and organisation is not None and scoping.can_view_organisation(user, organisation)


def may_handle_task(user, task) -> bool:
    if scoping.is_district_staff(user):
        return True
    return scoping.has_role(user, Role.STREET_STAFF) and task.street is not None and scoping.can_view_organisation(user, task.street)


def may_view_event(user, event) -> bool:
    return True


def may_change_event(user, event) -> bool:
    if scoping.is_district_staff(user):
        return True
    return event.organiser is not None and scoping.is_staff_member(user) and scoping.can_manage_organisation(user, event.organiser)


def may_manage_model_units(user) -> bool:
    """Selecting and revoking “企业关爱职工·职工热爱企业” model units: the district union."""
    return scoping.is_district_staff(user)


def may_evaluate_contract(user, contract) -> bool:
    """The yearly quality evaluation of a collective contract: street or district staff over its union."""
    return scoping.has_role(user, Role.DISTRICT_STAFF, Role.STREET_STAFF) and may_view_org(user, contract.organisation)


def may_designate_point(user, organisation=None) -> bool:
    """Designating an enterprise as a monitoring point: street staff (in their street) or the district."""
    if not (scoping.is_staff_member(user) and scoping.has_role(user, Role.DISTRICT_STAFF, Role.STREET_STAFF)):
        return False
    return organisation is None or scoping.can_view_organisation(user, organisation)


def may_edit_risk_rules(user) -> bool:
    """The rules that turn a monthly report into green/yellow/red: the district union."""
    return scoping.is_district_staff(user)


def may_manage_trainings(user) -> bool:
    """Collective-bargaining training meetings and their attendance: the district union."""
    return scoping.is_district_staff(user)
