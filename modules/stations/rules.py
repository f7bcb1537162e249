"""Who may do what with rest stations (checked in services and in views)."""

from __future__ import annotations

import rules

from core import scoping
from core.rules import is_district_staff, is_inspector, is_staff_member


def station_in_scope_for(user, station) -> bool:
    if station is None or not scoping.is_staff_member(user):
        return False
    if scoping.is_district_staff(user):
        return True
    return scoping.can_view_organisation(user, station.host) or scoping.can_view_organisation(user, station.street)


@rules.predicate
def station_in_scope(user, station):
    return station_in_scope_for(user, station)


@rules.predicate
def task_in_scope(user, task):
    return task is not None and station_in_scope_for(user, task.station)


@rules.predicate
def is_assigned_inspector(user, assignment):
    return assignment is not None and assignment.inspector_id == getattr(user, "pk", None)


@rules.predicate
def may_revisit(user, task):
    if task is None or task.kind != "fix":
        return False
    if scoping.is_district_staff(user):
        return True
    return task.assignment is not None and task.assignment.inspector_id == getattr(user, "pk", None)


rules.add_perm("stations.view_station", is_staff_member & station_in_scope)
rules.add_perm("stations.change_station", is_staff_member & station_in_scope)
rules.add_perm("stations.add_station", is_staff_member)
rules.add_perm("stations.view_figures", is_staff_member)
rules.add_perm("stations.manage_inspection", is_district_staff)
rules.add_perm("stations.inspect", is_inspector)
rules.add_perm("stations.fill_inspection", is_assigned_inspector)
rules.add_perm("stations.work_task", is_staff_member & task_in_scope)
rules.add_perm("stations.revisit_task", may_revisit)
