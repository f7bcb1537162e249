"""Who may do what with bags, batches and collection points (checked in services and views).

* District and street/industry staff issue batches to the unions in their scope.
* Every staff member in scope (grassroots admins too) sees a batch, prints its labels and binds
  its bags to members from the roster.
* District and street staff manage the collection points of their streets.
* A collector grades bags only at the points they are assigned to (``CollectionPoint.collectors``).
"""

import rules

from core import scoping
from core.rules import is_collector, is_district_staff, is_staff_member, is_street_staff


@rules.predicate
def organisation_in_scope(user, organisation):
    return organisation is not None and scoping.can_view_organisation(user, organisation)


@rules.predicate
def batch_in_scope(user, batch):
    return batch is not None and scoping.can_view_organisation(user, batch.organisation)


@rules.predicate
def point_in_scope(user, point):
    return point is not None and scoping.can_view_organisation(user, point.street)


@rules.predicate
def assigned_to_point(user, point):
    return point is not None and point.collectors.filter(pk=user.pk).exists()


can_issue = (is_district_staff | is_street_staff) & organisation_in_scope

rules.add_perm("bags.issue_batch", can_issue)
rules.add_perm("bags.view_batch", is_staff_member & batch_in_scope)
rules.add_perm("bags.bind_batch", is_staff_member & batch_in_scope)
rules.add_perm("bags.list_points", is_district_staff | is_street_staff)
rules.add_perm("bags.manage_point", (is_district_staff | is_street_staff) & point_in_scope)
rules.add_perm("bags.add_point_in", (is_district_staff | is_street_staff) & organisation_in_scope)
rules.add_perm("bags.use_station", is_collector)
rules.add_perm("bags.collect_at", is_collector & assigned_to_point)
# Points are district policy (points.can_manage_rules, which the view and the service check).
rules.add_perm("bags.manage_points_rules", is_district_staff)
