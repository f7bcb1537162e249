"""Who may read the annual review and who writes its narrative."""

import rules

from core.rules import is_district_staff, is_street_staff

rules.add_perm("annual.view_review", is_district_staff | is_street_staff)
rules.add_perm("annual.change_narrative", is_district_staff)
