"""Who may read the sorting data: staff of the district, streets/industries and grassroots unions."""

import rules

from core.rules import is_district_staff, is_staff_member

rules.add_perm("sortstats.view_dashboard", is_staff_member)
rules.add_perm("sortstats.rebuild", is_district_staff)
