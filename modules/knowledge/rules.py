"""Who may do what with the knowledge base and the quizzes."""

import rules

from core.rules import is_district_staff, is_staff_member, is_worker

# The guide, the articles and the question banks are district-wide: the district office edits them.
can_manage = is_district_staff
# Results (participation, rankings with the staff view) are seen by every staff member, scoped.
can_view_results = is_staff_member
can_take_quiz = is_worker

rules.add_perm("knowledge.manage", can_manage)
rules.add_perm("knowledge.view_results", can_view_results)
rules.add_perm("knowledge.take_quiz", can_take_quiz)
