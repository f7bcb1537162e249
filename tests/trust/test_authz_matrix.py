"""The authorisation matrix, generated from the URL configuration and the OpenAPI document.

Every page URL (``django.urls.get_resolver()``, the Django admin included) and every API
operation (``/api/v1/openapi.json``) must be listed in POLICY below with who may use it;
a new endpoint that nobody classified makes ``test_every_endpoint_has_a_policy`` fail.

The objects all belong to org_a1 / street A (tests/trust/scenario.py). The roles are the
owner (worker_a1), a worker of another organisation, a collector of another point, a
grassroots admin of another organisation, street staff of another street, district staff
and an anonymous visitor. Only the allowed roles may succeed; the others get a redirect to a
login page (anonymous pages), 401 (anonymous API) or 403/404 — never a 200 carrying org_a1's
data (PRIVATE_MARKERS), never a 500. An out-of-scope object answers like a missing one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from core.api import api
from tests.trust.scenario import PRIVATE_MARKERS, build

ROLES = ("owner", "worker_b", "collector_b", "admin_b", "street_b", "district", "anon")
OUTSIDERS = {"worker_b", "collector_b", "admin_b", "street_b", "anon"}

ALL = frozenset(ROLES)
LOGGED_IN = ALL - {"anon"}
WORKERS = frozenset({"owner", "worker_b"})  # any member, on their own data
OWNER = frozenset({"owner"})
OFFICE = frozenset({"admin_b", "street_b", "district"})  # back-office staff, lists scoped to their own tree
DISTRICT = frozenset({"district"})
STREETS = frozenset({"street_b", "district"})
FIELD = frozenset({"collector_b", "district"})
NOBODY = frozenset()

# name -> (roles that succeed, kwargs: {url kwarg: scenario attribute or a literal (via lambda)})
# Lists without an object: the allowed roles get 200 but never another organisation's rows.
# Objects of org_a1 / street A: only the district (and the owning worker) may reach them.
PAGES: dict[str, tuple[frozenset, dict]] = {
    "set_language": (ALL, {}),
    "api_v1:openapi-json": (ALL, {}),
    "api_v1:openapi-view": (ALL, {}),
    "api_v1:api-root": (ALL, {}),
    "core:home": (ALL, {}),
    "core:login": (ALL, {}),
    "core:worker_login": (ALL, {}),
    "core:wechat_login": (NOBODY, {}),  # WeChat login: 404 unless WECHAT_APP_ID/SECRET are set
    "core:wechat_callback": (NOBODY, {}),
    "core:logout": (ALL, {}),
    "core:healthz": (ALL, {}),
    "core:favicon": (ALL, {}),
    "core:tour": (NOBODY, {}),  # the demo's guided tour: 404 unless DEBUG
    "core:dashboard": (OFFICE, {}),
    "core:my_data": (WORKERS, {}),
    "core:my_data_download": (WORKERS, {"fmt": lambda s: "json"}),
    "core:close_account": (WORKERS, {}),
    "core:org_tree": (OFFICE, {}),
    "core:org_create": (STREETS, {}),
    "core:org_detail": (DISTRICT, {"pk": "org"}),
    "core:org_edit": (DISTRICT, {"pk": "org"}),
    "core:roster": (DISTRICT, {"pk": "org"}),
    "core:member_create": (DISTRICT, {"pk": "org"}),
    "core:roster_import": (DISTRICT, {"pk": "org"}),
    "core:jobs": (LOGGED_IN, {}),  # everyone's own jobs only
    "core:notifications": (LOGGED_IN, {}),  # everyone's own messages only
    "core:attachment_download": (DISTRICT, {"pk": "attachment"}),  # the owner programme's rule (a studio application of org_a1)
    "core:attachment_remove": (NOBODY, {"pk": "attachment"}),  # POST only; the applying union's admin while editable
    "core:notification_open": (OWNER, {"pk": "notification"}),  # POST only; another user's message is 404
    "core:notifications_read_all": (LOGGED_IN, {}),  # POST only; marks the caller's own
    "core:job_detail": (DISTRICT, {"pk": "job"}),  # the district staff's own job
    "core:job_status": (DISTRICT, {"pk": "job"}),
    "core:job_download": (DISTRICT, {"pk": "job"}),
    "core:roster_template": (DISTRICT, {"pk": "org"}),
    "core:roster_export": (DISTRICT, {"pk": "org", "fmt": lambda s: "xlsx"}),
    "core:member_detail": (DISTRICT, {"pk": "member"}),
    "core:member_edit": (DISTRICT, {"pk": "member"}),
    "core:member_phone": (DISTRICT, {"pk": "member"}),
    "core:member_move": (DISTRICT, {"pk": "member"}),
    "core:coverage": (STREETS, {}),
    "core:coverage_export": (STREETS, {}),
    "core:coverage_unit_create": (STREETS, {}),
    "core:coverage_unit_edit": (DISTRICT, {"pk": "unit"}),
    "core:tokens": (DISTRICT, {}),
    "core:token_revoke": (DISTRICT, {"pk": "token"}),
    "core:audit": (DISTRICT, {}),
    "bag_short": (WORKERS | FIELD, {"code": "free_code"}),  # the QR link: bind (workers) or scan (field)
    "bags:batches": (OFFICE, {}),
    "bags:batch_create": (OFFICE, {}),
    "bags:batch_union_search": (OFFICE, {}),
    "bags:batch_detail": (DISTRICT, {"pk": "batch"}),
    "bags:batch_codes_csv": (DISTRICT, {"pk": "batch"}),
    "bags:batch_labels": (DISTRICT, {"pk": "batch"}),
    "bags:export_progress": (DISTRICT, {"pk": "batch", "export_id": "export"}),
    "bags:export_download": (NOBODY, {"pk": "batch", "export_id": "export"}),  # not ready: 404 for everyone
    "bags:batch_bind": (DISTRICT, {"pk": "batch"}),
    "bags:points": (STREETS, {}),
    "bags:point_create": (STREETS, {}),
    "bags:point_edit": (DISTRICT, {"pk": "point"}),
    "bags:point_delete": (DISTRICT, {"pk": "point"}),
    "bags:station": (frozenset({"collector_b"}), {}),
    "bags:me": (WORKERS, {}),
    "bags:me_consent": (WORKERS, {}),
    "bags:rankings": (ALL, {}),
    "bags:rankings_organisations": (ALL, {}),
    "bags:rankings_streets": (ALL, {}),
    "bags:points_rules": (DISTRICT, {}),
    "bags:points_rule_deactivate": (DISTRICT, {"rule_id": "rule"}),
    "knowledge:guide": (ALL, {}),
    "knowledge:guide_item": (ALL, {"pk": "guide_item"}),
    "knowledge:reason": (ALL, {"code": "reason_code"}),
    "knowledge:articles": (ALL, {}),
    "knowledge:article": (ALL, {"pk": "article"}),
    "knowledge:daily": (WORKERS, {}),
    "knowledge:daily_start": (WORKERS, {}),
    "knowledge:answer": (OWNER, {"attempt_id": "attempt"}),
    "knowledge:contests": (ALL, {}),
    "knowledge:contest": (ALL, {"pk": "contest"}),
    "knowledge:contest_start": (WORKERS, {"pk": "contest"}),
    "knowledge:contest_ranking": (ALL, {"pk": "contest"}),
    "knowledge:staff_home": (OFFICE, {}),
    "knowledge:staff_campaign": (OFFICE, {"pk": "contest"}),
    "prizes:home": (WORKERS, {}),
    "prizes:detail": (OWNER, {"prize_id": "prize"}),
    "prizes:redeem": (OWNER, {"prize_id": "prize"}),
    "prizes:my": (WORKERS, {}),
    "prizes:my_detail": (OWNER, {"redemption_id": "redemption"}),
    "prizes:my_qr": (OWNER, {"redemption_id": "redemption"}),
    "prizes:pickup": (DISTRICT, {}),  # operators of a pickup place (none of them outsiders here)
    "prizes:manage_prizes": (OFFICE, {}),
    "prizes:prize_create": (OFFICE, {}),
    "prizes:prize_edit": (DISTRICT, {"prize_id": "prize"}),
    "prizes:manage_places": (OFFICE, {}),
    "prizes:place_create": (OFFICE, {}),
    "prizes:place_edit": (DISTRICT, {"place_id": "place"}),
    "prizes:manage_redemptions": (OFFICE, {}),
    "prizes:redemption_cancel": (DISTRICT, {"redemption_id": "redemption"}),
    "prizes:reports": (OFFICE, {}),
    "prizes:reports_export": (OFFICE, {}),
    "sortstats:dashboard": (OFFICE, {}),
    "sortstats:anomalies": (OFFICE, {}),
    "sortstats:unions": (OFFICE, {"key": lambda s: "accuracy_by_organisation"}),
    "sortstats:export": (OFFICE, {"key": lambda s: "trend", "fmt": lambda s: "csv"}),
    "sortstats:reports": (OFFICE, {}),
    "sortstats:report_pdf": (DISTRICT, {"street_id": "street", "month": lambda s: "2026-11"}),
    "sortstats:rebuild": (DISTRICT, {}),
    "stations:list": (OFFICE, {}),
    "stations:create": (OFFICE, {}),
    "stations:detail": (DISTRICT, {"pk": "station"}),
    "stations:edit": (DISTRICT, {"pk": "station"}),
    "stations:import": (OFFICE, {}),
    "stations:figures": (OFFICE, {}),
    "stations:tasks": (OFFICE, {}),
    "stations:task": (DISTRICT, {"pk": "task"}),
    "stations:task_photo": (DISTRICT, {"pk": "task"}),
    "stations:rubrics": (DISTRICT, {}),
    "stations:rubric_new": (DISTRICT, {}),
    "stations:rubric_edit": (DISTRICT, {"pk": "rubric"}),
    "stations:plans": (DISTRICT, {}),
    "stations:plan": (OFFICE, {"pk": "plan"}),  # a district-wide plan; assignments scoped to the viewer
    "stations:find": (ALL, {}),
    "stations:public": (ALL, {"pk": "station"}),
    "stations:rate": (WORKERS, {"pk": "station"}),
    "stations:report": (WORKERS, {"pk": "station"}),
    "stations:inspect": (NOBODY, {}),  # the inspector's own list
    "studios:home": (OFFICE, {}),  # each office sees the applications of its own tree
    "studios:call_new": (DISTRICT, {}),
    "studios:call": (DISTRICT, {"pk": "studio_call"}),
    "studios:call_export": (DISTRICT, {"pk": "studio_call", "fmt": lambda s: "xlsx"}),
    "studios:application_new": (NOBODY, {}),  # a grassroots admin with ?call=; 404 without
    "studios:application": (DISTRICT, {"pk": "studio_application"}),
    "studios:application_edit": (NOBODY, {"pk": "studio_application"}),  # the applying union's admin only
    "studios:transition": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:expert_assign": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:attachment_upload": (DISTRICT, {"pk": "studio_application"}),  # POST only; the service refuses all but the union's admin
    "studios:achievement_add": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:objection_resolve": (DISTRICT, {"pk": "studio_objection"}),  # POST only
    "studios:expert_inbox": (NOBODY, {}),  # experts only
    "studios:expert_review": (NOBODY, {"pk": "studio_assignment"}),  # the assigned expert only
    "studios:notice": (ALL, {}),  # the public notice
    "studios:inspection_assign": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:inspections": (LOGGED_IN, {}),  # one's own inspection tasks (none for these roles)
    "studios:inspection": (DISTRICT, {"pk": "studio_inspection"}),  # the inspector and the district
    "studios:subsidy_grant": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:subsidy_pay": (NOBODY, {"pk": "studio_subsidy"}),  # POST only
    "studios:expense_record": (NOBODY, {"pk": "studio_subsidy"}),  # POST only
    "studios:subsidy_accept": (NOBODY, {"pk": "studio_subsidy"}),  # POST only
    "studios:annual_report_submit": (DISTRICT, {"pk": "studio_application"}),  # POST only
    "studios:annual_check_decide": (NOBODY, {"pk": "studio_check"}),  # POST only
    "survey:list": (OFFICE, {}),  # the surveys of each office's own tree
    "survey:import": (OFFICE, {}),
    "survey:detail": (DISTRICT, {"pk": "survey"}),  # results: staff whose tree runs the survey
    "survey:crosstab": (DISTRICT, {"pk": "survey"}),
    "survey:export": (DISTRICT, {"pk": "survey"}),
    "survey:status": (DISTRICT, {"pk": "survey"}),  # POST only
    "survey:quota": (DISTRICT, {"pk": "survey"}),  # POST only
    "survey:mine": (LOGGED_IN, {}),  # the surveys open to the caller
    "survey:answer": (OWNER | DISTRICT, {"pk": "survey"}),  # org_a1's survey: its members (and its managers)
    "survey:thanks": (OWNER | DISTRICT, {"pk": "survey"}),
    "care:outdoor_plan": (OFFICE, {}),  # the service plan from the courier survey of the office's tree
    "care:outdoor_courier": (LOGGED_IN, {}),  # the courier's phone page
    "honours:home": (OFFICE, {}),  # each office sees the nominations of its own tree
    "honours:honour_new": (DISTRICT, {}),
    "honours:honour": (OFFICE, {"pk": "honour"}),  # a district-wide honour; nominations and quota rows scoped to the viewer
    "honours:honour_panel": (OFFICE, {"pk": "honour"}),
    "honours:quota_set": (DISTRICT, {"pk": "honour"}),  # POST only
    "honours:honour_export": (OFFICE, {"pk": "honour"}),  # the rows the viewer may see
    "honours:nomination_new": (NOBODY, {}),  # office staff with ?honour=; 404 without
    "honours:nomination": (DISTRICT, {"pk": "honour_nomination"}),
    "honours:nomination_edit": (DISTRICT, {"pk": "honour_nomination"}),
    "honours:transition": (DISTRICT, {"pk": "honour_nomination"}),  # POST only
    "honours:attachment_upload": (
        DISTRICT,
        {"pk": "honour_nomination"},
    ),  # POST only; the service allows the nominating office while editable
    "honours:objections": (DISTRICT, {}),  # the district's desk of open objections
    "honours:objection_resolve": (DISTRICT, {"pk": "honour_objection"}),  # POST only
    "honours:notice": (ALL, {}),  # the public notice (社会公示)
    "honours:roll": (ALL, {}),  # the roll of honour
    "honours:me": (WORKERS, {}),
    "honours:courses": (OFFICE, {}),
    "honours:course": (DISTRICT, {"pk": "course"}),  # org_a1's course: its office and the district
    "honours:session": (DISTRICT, {"pk": "training_session"}),
    "honours:session_capacity": (DISTRICT, {"pk": "training_session"}),  # POST only
    "honours:certificate_issue": (DISTRICT, {"pk": "enrolment"}),  # POST only
    "honours:certificate_pdf": (OWNER | DISTRICT, {"pk": "certificate"}),
    "honours:certificate_revoke": (DISTRICT, {"pk": "certificate"}),  # POST only
    "honours:certificate_check": (ALL, {"token": lambda s: s["certificate"].token}),  # the certificate's QR: status only
    "honours:worker_courses": (LOGGED_IN, {}),
    "honours:worker_course": (LOGGED_IN, {"pk": "course"}),  # courses are open to every member
    "honours:enrol": (LOGGED_IN, {"pk": "training_session"}),  # POST only
    "honours:lesson": (WORKERS, {"pk": "lesson"}),
    "honours:enrolment": (ALL, {"token": lambda s: s["enrolment"].token}),  # the link is the key; the name masked
    "honours:craft": (ALL, {}),
    "honours:craft_me": (WORKERS, {}),
    "honours:needs": (OFFICE | OWNER, {}),  # offices post needs; craftsmen (worker_a1) answer them
    "honours:need_respond": (OWNER, {"pk": "need"}),  # POST only
    "honours:match": (DISTRICT, {"pk": "need_response"}),  # POST only; org_a1's office too
    "honours:certifications": (DISTRICT, {}),
    "honours:competitions": (OFFICE, {}),
    "honours:competition": (DISTRICT, {"pk": "competition"}),  # and its judges
    "honours:my_competitions": (WORKERS, {}),  # the entrant's own results and appeals
    "fund:home": (OFFICE, {}),  # each office sees the applications of its own tree
    "fund:fund_new": (DISTRICT, {}),
    "fund:fund": (DISTRICT, {"pk": "fund"}),
    "fund:report": (DISTRICT, {"pk": "fund"}),
    "fund:trace": (DISTRICT, {"pk": "fund"}),
    "fund:export": (DISTRICT, {"pk": "fund", "fmt": lambda s: "xlsx"}),  # POST only: starts a job
    "fund:transfer_request": (DISTRICT, {"pk": "fund"}),  # POST only
    "fund:carry_forward": (DISTRICT, {"pk": "fund"}),  # POST only
    "fund:transfer_decide": (DISTRICT, {"pk": "fund_transfer"}),  # POST only; not by the officer who asked
    "fund:person": (DISTRICT, {}),  # one person across programmes, audited
    "fund:mine": (LOGGED_IN, {}),  # 我的补助: rows listing the caller's own verified phone only
    "fund:mine_receipt": (OWNER, {"pk": "fund_benefit"}),  # POST only; anyone else's row is 404
    "fund:beneficiaries_template": (OFFICE, {}),
    "fund:application_new": (frozenset({"admin_b"}), {}),  # grassroots admins, for their own unions
    "fund:application": (DISTRICT, {"pk": "fund_application"}),
    "fund:application_edit": (DISTRICT, {"pk": "fund_application"}),  # POST only; the union's admin while editable
    "fund:beneficiaries": (DISTRICT, {"pk": "fund_application"}),  # POST only; the union's admin while editable
    "fund:transition": (DISTRICT, {"pk": "fund_application"}),  # POST only
    "fund:pay": (DISTRICT, {"pk": "fund_application"}),  # POST only
    "fund:refund": (DISTRICT, {"pk": "fund_application"}),  # POST only
    "fund:receipts": (DISTRICT, {"pk": "fund_application"}),  # POST only
    "fund:attachment_upload": (DISTRICT, {"pk": "fund_application"}),  # POST only; the union's admin while editable
    "labour:home": (OFFICE, {}),
    "labour:cases": (DISTRICT, {}),  # the desk: mediators and district staff only
    "labour:cases_export": (DISTRICT, {}),
    "labour:case_new": (DISTRICT, {}),
    "labour:case": (DISTRICT, {"pk": "labour_case"}),  # the worker sees only the status, at labour:my_cases
    "labour:case_transition": (DISTRICT, {"pk": "labour_case"}),  # POST only
    "labour:case_assign": (DISTRICT, {"pk": "labour_case"}),  # POST only
    "labour:session_add": (DISTRICT, {"pk": "labour_case"}),  # POST only
    "labour:case_extend": (DISTRICT, {"pk": "labour_case"}),  # POST only; the parties agreed to extend
    "labour:agreement_edit": (DISTRICT, {"pk": "labour_case"}),  # POST only
    "labour:case_sign": (DISTRICT, {"pk": "labour_case"}),  # POST only
    "labour:case_contacts": (DISTRICT, {"pk": "labour_case"}),  # POST only; audited
    "labour:agreement_pdf": (DISTRICT, {"pk": "labour_case"}),
    "labour:agreement_docx": (DISTRICT, {"pk": "labour_case"}),
    "labour:consultations": (DISTRICT, {}),
    "labour:stats": (STREETS, {}),  # the desk: the district; street staff: their own streets' cases, no mediators' table
    "labour:rules": (DISTRICT, {}),
    "labour:my_cases": (WORKERS, {}),  # everyone's own applications only
    "labour:apply": (WORKERS, {}),
    "labour:monitoring": (OFFICE, {}),
    "labour:point": (DISTRICT, {"pk": "labour_point"}),
    "labour:points": (STREETS, {}),  # designate and stop points of the viewer's tree
    "labour:risk_rules": (DISTRICT, {}),
    "labour:task": (DISTRICT, {"pk": "labour_task"}),
    "labour:bargaining": (OFFICE, {}),
    "labour:contract": (DISTRICT, {"pk": "labour_contract"}),
    "labour:trainings": (DISTRICT, {}),  # collective-bargaining training meetings: the district union
    "labour:training": (DISTRICT, {"pk": "labour_training"}),
    "labour:model_units": (DISTRICT, {}),  # select and revoke: the district union
    "labour:model_unit_revoke": (DISTRICT, {"pk": "labour_model_unit"}),  # POST only
    "labour:model_units_public": (ALL, {}),  # the public roll
    "labour:events": (ALL, {}),
    "labour:event_new": (OFFICE, {}),
    "labour:event": (ALL, {"pk": "labour_event"}),  # public; photos served by the attachment rules
    "labour:handbook": (ALL, {}),
    "labour:law": (ALL, {"pk": "labour_law"}),
    "labour:article": (ALL, {"pk": "labour_article"}),
    "labour:handbook_pdf": (ALL, {}),
    "labour:qa": (ALL, {}),  # answered public questions, askers masked
    "labour:qa_answer": (DISTRICT, {"pk": "labour_question"}),  # POST only
    "annual:review": (STREETS, {}),  # street staff see their own street's review only
    "annual:narrative": (DISTRICT, {"year": lambda s: 2020, "chapter": lambda s: "rights"}),
    "annual:export": (NOBODY, {}),  # POST only: starts a job, scoped like the page
    "stations:inspect_fill": (NOBODY, {"pk": "assignment"}),
    "learning:home": (ALL, {}),  # district-wide activities and those of the viewer's own unions
    "learning:contest": (OWNER | DISTRICT, {"pk": "learning_contest"}),  # org_a1's own contest
    "learning:contest_start": (OWNER, {"pk": "learning_contest"}),  # POST only
    "learning:contest_take": (OWNER, {"pk": "learning_contest"}),
    "learning:contest_answer": (OWNER, {"pk": "learning_contest"}),  # POST only
    "learning:certificate": (NOBODY, {"pk": "learning_contest"}),  # the member's own, once passed (not yet)
    "learning:contest_ranking": (OWNER | DISTRICT, {"pk": "learning_contest"}),
    "learning:contest_ranking_xlsx": (DISTRICT, {"pk": "learning_contest"}),
    "learning:call": (OWNER | DISTRICT, {"pk": "learning_call"}),
    "learning:essay_submit": (OWNER, {"pk": "learning_call"}),  # POST only
    "learning:essay_attach": (OWNER, {"pk": "learning_call"}),  # POST only
    "learning:collection": (NOBODY, {"pk": "learning_call"}),  # once published (not yet)
    "learning:materials": (ALL, {}),
    "learning:material": (OWNER | DISTRICT, {"pk": "learning_material"}),
    "learning:judge_inbox": (LOGGED_IN, {}),  # the judge's own entries, anonymous
    "learning:judge_essay": (NOBODY, {"pk": "learning_essay"}),  # the call's judges only
    "learning:staff_home": (OFFICE, {}),
    "learning:participation_xlsx": (OFFICE, {}),
    "learning:bank_import": (OFFICE, {}),
    "learning:contest_new": (OFFICE, {}),
    "learning:call_new": (OFFICE, {}),
    "learning:call_manage": (DISTRICT, {"pk": "learning_call"}),
    "learning:call_action": (DISTRICT, {"pk": "learning_call"}),  # POST only
    "learning:call_essays_xlsx": (DISTRICT, {"pk": "learning_call"}),
    "learning:material_new": (OFFICE, {}),
    "learning:session_new": (OFFICE, {}),
    "learning:session": (DISTRICT, {"pk": "learning_session"}),
    "learning:checkin": (OWNER, {"pk": "learning_session"}),  # members of the session's union
    "care:staff_home": (OFFICE, {}),
    "care:wishes": (ALL, {}),  # the shareable public list: first names and agreed stories only
    "care:wish_public": (ALL, {"pk": "care_public_wish"}),
    "care:wish_claim": (LOGGED_IN, {"pk": "care_public_wish"}),  # POST only
    "care:donor_login": (ALL, {}),  # the public's phone login (donors): a code to any phone, rate-limited
    "care:donor_privacy": (ALL, {}),  # the public donors' privacy notice
    "care:donor_close": (NOBODY, {}),  # public donors alone close their account here; members are sent to 我的数据
    "care:wish_new": (WORKERS, {}),  # a union admin with ?member= of their own union
    "care:wish": (OWNER | DISTRICT, {"pk": "care_wish"}),  # the wisher and the offices over their union
    "care:wish_action": (OWNER | DISTRICT, {"pk": "care_wish"}),  # POST only
    "care:my_wishes": (WORKERS, {}),
    "care:contributions": (LOGGED_IN, {}),  # the donor's own claims
    "care:contribution": (NOBODY, {"pk": "care_claim"}),  # the donor only
    "care:contribution_action": (NOBODY, {"pk": "care_claim"}),  # POST only
    "care:campaign_new": (DISTRICT, {}),
    "care:staff_wishes": (OFFICE, {}),
    "care:wishes_export": (OFFICE, {}),
    "care:loans": (LOGGED_IN, {}),  # one's own, or the office's tree
    "care:loan_new": (WORKERS, {}),
    "care:loan": (OWNER | DISTRICT, {"pk": "care_loan"}),
    "care:loan_transition": (OWNER | DISTRICT, {"pk": "care_loan"}),  # POST only
    "care:loan_upload": (OWNER | DISTRICT, {"pk": "care_loan"}),  # POST only; the service lets the borrower alone add
    "care:loan_bank": (DISTRICT, {"pk": "care_loan"}),  # POST only
    "care:repayment_pay": (DISTRICT, {"pk": "care_repayment"}),  # POST only
    "care:loans_export": (OFFICE, {}),
    "care:counselling": (WORKERS, {}),
    "care:booking_cancel": (OWNER, {"pk": "care_booking"}),  # POST only
    "care:event_enrol": (WORKERS, {"pk": "care_event"}),  # POST only
    "care:counsellor_home": (NOBODY, {}),  # counsellors only
    "care:booking_note": (NOBODY, {"pk": "care_booking"}),  # the booking's counsellor alone
    "care:counselling_staff": (DISTRICT, {}),  # counts only
    "care:crisis": (DISTRICT, {"pk": "care_crisis"}),
}

# "METHOD /api/v1/path" -> (roles that succeed, path params)
API: dict[str, tuple[frozenset, dict]] = {
    "GET /api/v1/core/me": (LOGGED_IN, {}),
    "GET /api/v1/orgs/": (OFFICE, {}),
    "GET /api/v1/orgs/{org_id}": (DISTRICT, {"org_id": "org"}),
    "GET /api/v1/members/": (OFFICE, {}),
    "GET /api/v1/members/{member_id}": (OWNER | DISTRICT, {"member_id": "member"}),
    "GET /api/v1/coverage/": (STREETS, {}),
    "GET /api/v1/bags/batches": (OFFICE, {}),
    "GET /api/v1/bags/batches/{batch_id}": (DISTRICT, {"batch_id": "batch"}),
    "GET /api/v1/bags/batches/{batch_id}/labels/{export_id}": (DISTRICT, {"batch_id": "batch", "export_id": "export"}),
    "GET /api/v1/bags/batches/{batch_id}/labels/{export_id}/download": (DISTRICT, {"batch_id": "batch", "export_id": "export"}),
    "GET /api/v1/bags/batches/{batch_id}/codes.csv": (DISTRICT, {"batch_id": "batch"}),
    "GET /api/v1/bags/lookup/{code}": (FIELD | WORKERS, {"code": "free_code"}),
    "GET /api/v1/bags/points": (STREETS, {}),
    "GET /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "GET /api/v1/bags/my-points": (WORKERS, {}),
    "GET /api/v1/rankings/workers": (ALL, {}),
    "GET /api/v1/rankings/organisations": (ALL, {}),
    "GET /api/v1/rankings/streets": (ALL, {}),
    "GET /api/v1/rankings/me": (WORKERS, {}),
    "GET /api/v1/knowledge/guide/search": (ALL, {}),
    "GET /api/v1/knowledge/guide/items/{item_id}": (ALL, {"item_id": "guide_item"}),
    "GET /api/v1/knowledge/reasons/{code}": (ALL, {"code": "reason_code"}),
    "GET /api/v1/knowledge/quiz/daily": (WORKERS, {}),
    "GET /api/v1/knowledge/contests": (ALL, {}),
    "GET /api/v1/knowledge/contests/{campaign_id}/attempt": (WORKERS, {"campaign_id": "contest"}),
    "GET /api/v1/knowledge/contests/{campaign_id}/ranking": (ALL, {"campaign_id": "contest"}),
    "GET /api/v1/knowledge/campaigns/{campaign_id}/participation": (OFFICE, {"campaign_id": "contest"}),
    "GET /api/v1/prizes/": (WORKERS, {}),
    "GET /api/v1/prizes/{prize_id}": (OWNER, {"prize_id": "prize"}),
    "GET /api/v1/prizes/redemptions/mine": (WORKERS, {}),
    "GET /api/v1/prizes/redemptions/mine/{redemption_id}": (OWNER, {"redemption_id": "redemption"}),
    "GET /api/v1/prizes/pickup/places": (FIELD, {}),
    "GET /api/v1/prizes/reports": (OFFICE, {}),
    "GET /api/v1/sortstats/charts/{key}": (OFFICE, {"key": lambda s: "trend"}),
    "GET /api/v1/sortstats/anomalies": (OFFICE, {}),
    "GET /api/v1/stations/nearest": (ALL, {}),
    "GET /api/v1/stations/stations/{station_id}": (ALL, {"station_id": "station"}),
    "GET /api/v1/stations/staff/stations": (OFFICE, {}),
    "GET /api/v1/stations/staff/tasks": (OFFICE, {}),
    "GET /api/v1/studios/applications": (OFFICE, {}),
    "GET /api/v1/studios/applications/{application_id}": (DISTRICT, {"application_id": "studio_application"}),
    "GET /api/v1/studios/expert/assignments": (NOBODY, {}),
    "GET /api/v1/studios/calls": (OFFICE, {}),
    "GET /api/v1/studios/subsidies/{subsidy_id}": (DISTRICT, {"subsidy_id": "studio_subsidy"}),
    "GET /api/v1/surveys/": (OFFICE, {}),
    "GET /api/v1/surveys/open": (LOGGED_IN, {}),
    "GET /api/v1/surveys/{survey_id}": (OWNER | DISTRICT, {"survey_id": "survey"}),
    "GET /api/v1/surveys/{survey_id}/results": (DISTRICT, {"survey_id": "survey"}),
    "GET /api/v1/surveys/{survey_id}/crosstab": (DISTRICT, {"survey_id": "survey"}),
    "GET /api/v1/honours/honours": (OFFICE, {}),
    "GET /api/v1/honours/honours/{honour_id}/quota-panel": (OFFICE, {"honour_id": "honour"}),  # rows scoped to the viewer
    "GET /api/v1/honours/nominations": (OFFICE, {}),
    "GET /api/v1/honours/nominations/{nomination_id}": (DISTRICT, {"nomination_id": "honour_nomination"}),
    "GET /api/v1/honours/courses": (LOGGED_IN, {}),
    "GET /api/v1/honours/enrolments/mine": (LOGGED_IN, {}),
    "GET /api/v1/honours/certificates/{token}": (ALL, {"token": lambda s: s["certificate"].token}),
    "GET /api/v1/honours/craft/works": (ALL, {}),
    "GET /api/v1/honours/competitions/{competition_id}/ranking": (DISTRICT, {"competition_id": "competition"}),
    "GET /api/v1/honours/objections": (DISTRICT, {}),
    "GET /api/v1/honours/competitions/mine": (WORKERS, {}),  # members: their own entries only
    "GET /api/v1/fund/funds": (DISTRICT, {}),
    "GET /api/v1/fund/funds/{fund_id}": (DISTRICT, {"fund_id": "fund"}),
    "GET /api/v1/fund/funds/{fund_id}/report": (DISTRICT, {"fund_id": "fund"}),
    "GET /api/v1/fund/applications": (OFFICE, {}),
    "GET /api/v1/fund/me/benefits": (LOGGED_IN, {}),  # the caller's own rows (by verified phone)
    "GET /api/v1/fund/applications/{application_id}": (DISTRICT, {"application_id": "fund_application"}),
    "GET /api/v1/fund/applications/{application_id}/mismatches": (DISTRICT, {"application_id": "fund_application"}),
    # writes: the roles listed may reach the service (which may still answer 4xx for the body);
    # everybody else is refused before anything changes.
    "POST /api/v1/orgs/": (OFFICE, {}),
    "POST /api/v1/studios/applications": (NOBODY, {}),  # grassroots admins of the union named in the body
    "PATCH /api/v1/studios/applications/{application_id}": (NOBODY, {"application_id": "studio_application"}),
    "POST /api/v1/studios/applications/{application_id}/transitions": (DISTRICT, {"application_id": "studio_application"}),
    "POST /api/v1/studios/expert/assignments/{assignment_id}/scores": (NOBODY, {"assignment_id": "studio_assignment"}),
    "POST /api/v1/studios/calls": (DISTRICT, {}),
    "POST /api/v1/studios/applications/{application_id}/experts": (DISTRICT, {"application_id": "studio_application"}),
    "POST /api/v1/studios/expert/conflicts": (NOBODY, {}),  # experts only
    "POST /api/v1/studios/expert/assignments/{assignment_id}/declaration": (NOBODY, {"assignment_id": "studio_assignment"}),
    "POST /api/v1/studios/applications/{application_id}/subsidy": (DISTRICT, {"application_id": "studio_application"}),
    "POST /api/v1/studios/subsidies/{subsidy_id}/payment": (DISTRICT, {"subsidy_id": "studio_subsidy"}),
    "POST /api/v1/studios/subsidies/{subsidy_id}/expenses": (NOBODY, {"subsidy_id": "studio_subsidy"}),  # the studio's union
    "POST /api/v1/studios/subsidies/{subsidy_id}/acceptance": (DISTRICT, {"subsidy_id": "studio_subsidy"}),
    "POST /api/v1/studios/applications/{application_id}/annual-reports": (NOBODY, {"application_id": "studio_application"}),
    "POST /api/v1/studios/annual-checks/{check_id}/decision": (DISTRICT, {"check_id": "studio_check"}),
    "POST /api/v1/surveys/{survey_id}/responses": (OWNER | DISTRICT, {"survey_id": "survey"}),  # members of org_a1; once each
    "POST /api/v1/honours/nominations": (NOBODY, {}),  # office staff of the union named in the body
    "PATCH /api/v1/honours/nominations/{nomination_id}": (DISTRICT, {"nomination_id": "honour_nomination"}),
    "POST /api/v1/honours/nominations/{nomination_id}/transitions": (DISTRICT, {"nomination_id": "honour_nomination"}),
    "POST /api/v1/honours/nominations/{nomination_id}/objections": (
        LOGGED_IN,
        {"nomination_id": "honour_nomination"},
    ),  # 409 unless in notice
    "POST /api/v1/honours/entrants/{entrant_id}/appeals": (OWNER, {"entrant_id": "entrant"}),
    "POST /api/v1/honours/appeals/{appeal_id}/decision": (DISTRICT, {"appeal_id": "competition_appeal"}),
    "POST /api/v1/honours/objections/{objection_id}/decision": (DISTRICT, {"objection_id": "honour_objection"}),
    "POST /api/v1/honours/sessions/{session_id}/enrolments": (LOGGED_IN, {"session_id": "training_session"}),
    "POST /api/v1/honours/enrolments/{token}/decline": (ALL, {"token": lambda s: s["enrolment"].token}),  # the link is the key
    "POST /api/v1/honours/sessions/{session_id}/checkins": (DISTRICT, {"session_id": "training_session"}),
    "POST /api/v1/honours/craft/needs/{need_id}/responses": (WORKERS, {"need_id": "need"}),  # craftsmen; other members 409
    "POST /api/v1/fund/applications": (NOBODY, {}),  # grassroots admins of the union named in the body
    "PUT /api/v1/fund/applications/{application_id}/beneficiaries": (NOBODY, {"application_id": "fund_application"}),
    "POST /api/v1/fund/applications/{application_id}/transitions": (DISTRICT, {"application_id": "fund_application"}),
    "POST /api/v1/fund/applications/{application_id}/payment": (DISTRICT, {"application_id": "fund_application"}),
    "POST /api/v1/fund/applications/{application_id}/returns": (DISTRICT, {"application_id": "fund_application"}),
    "POST /api/v1/fund/applications/{application_id}/receipts": (DISTRICT, {"application_id": "fund_application"}),
    "POST /api/v1/fund/me/benefits/{benefit_id}/receipt": (OWNER, {"benefit_id": "fund_benefit"}),  # idempotent
    "GET /api/v1/labour/cases": (DISTRICT, {}),
    "GET /api/v1/annual/review": (STREETS, {}),  # street staff get their own street's review only
    "GET /api/v1/labour/cases/{case_id}": (DISTRICT, {"case_id": "labour_case"}),
    "GET /api/v1/labour/my/cases": (WORKERS, {}),
    "GET /api/v1/labour/stats": (STREETS, {}),  # street staff: their own streets' cases, no per-mediator rows
    "GET /api/v1/labour/handbook/search": (ALL, {}),
    "GET /api/v1/labour/monitoring/points": (OFFICE, {}),
    "GET /api/v1/labour/model-units": (ALL, {}),  # the public roll of model units
    "GET /api/v1/labour/contracts": (OFFICE, {}),  # rows of the viewer's tree only
    "GET /api/v1/labour/contracts/{contract_id}": (DISTRICT, {"contract_id": "labour_contract"}),
    "POST /api/v1/labour/contracts/{contract_id}/evaluations": (DISTRICT, {"contract_id": "labour_contract"}),
    "POST /api/v1/labour/cases": (LOGGED_IN, {}),  # the desk registers; anyone else applies for themselves
    "POST /api/v1/labour/cases/{case_id}/transitions": (DISTRICT, {"case_id": "labour_case"}),
    "POST /api/v1/labour/cases/{case_id}/extension": (DISTRICT, {"case_id": "labour_case"}),
    "POST /api/v1/labour/monitoring/points/{point_id}/reports": (DISTRICT, {"point_id": "labour_point"}),
    "POST /api/v1/labour/monitoring/points": (STREETS, {}),  # an enterprise of the caller's tree (named in the body)
    "POST /api/v1/labour/monitoring/points/{point_id}/stop": (DISTRICT, {"point_id": "labour_point"}),  # street A or the district
    "POST /api/v1/labour/monitoring/points/{point_id}/resume": (DISTRICT, {"point_id": "labour_point"}),
    "GET /api/v1/labour/monitoring/rules": (OFFICE, {}),  # the district's rules, the same for every point
    "POST /api/v1/labour/monitoring/rules": (DISTRICT, {}),
    "PUT /api/v1/labour/monitoring/rules/{rule_id}": (DISTRICT, {"rule_id": "labour_risk_rule"}),
    "GET /api/v1/labour/trainings": (DISTRICT, {}),  # collective-bargaining training meetings: the district union
    "GET /api/v1/labour/trainings/{meeting_id}": (DISTRICT, {"meeting_id": "labour_training"}),
    "POST /api/v1/labour/trainings": (DISTRICT, {}),
    "POST /api/v1/labour/trainings/{meeting_id}/attendance": (DISTRICT, {"meeting_id": "labour_training"}),
    "PATCH /api/v1/orgs/{org_id}": (DISTRICT, {"org_id": "org"}),
    "POST /api/v1/members/": (OFFICE, {}),
    "POST /api/v1/members/import": (OFFICE, {}),
    "PATCH /api/v1/members/{member_id}": (DISTRICT, {"member_id": "member"}),
    "POST /api/v1/members/{member_id}/move": (DISTRICT, {"member_id": "member"}),
    "PATCH /api/v1/coverage/units/{unit_id}": (DISTRICT, {"unit_id": "unit"}),
    "POST /api/v1/bags/batches": (OFFICE, {}),
    "POST /api/v1/bags/batches/{batch_id}/labels": (DISTRICT, {"batch_id": "batch"}),
    "POST /api/v1/bags/bind": (WORKERS, {}),
    "POST /api/v1/bags/batches/{batch_id}/bind": (DISTRICT, {"batch_id": "batch"}),
    "POST /api/v1/bags/scans": (FIELD, {}),
    "POST /api/v1/bags/scans/batch": (FIELD, {}),
    "POST /api/v1/bags/scans/{client_id}/photo": (DISTRICT, {"client_id": "client_id"}),
    "POST /api/v1/bags/points": (STREETS, {}),
    "PUT /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "DELETE /api/v1/bags/points/{point_id}": (DISTRICT, {"point_id": "point"}),
    "POST /api/v1/knowledge/quiz/daily/start": (WORKERS, {}),
    "POST /api/v1/knowledge/attempts/{attempt_id}/answers": (OWNER, {"attempt_id": "attempt"}),
    "POST /api/v1/knowledge/contests/{campaign_id}/start": (WORKERS, {"campaign_id": "contest"}),
    "POST /api/v1/prizes/{prize_id}/redeem": (OWNER, {"prize_id": "prize"}),
    "POST /api/v1/prizes/pickup": (FIELD, {}),
    "POST /api/v1/prizes/redemptions/{redemption_id}/cancel": (OWNER | DISTRICT, {"redemption_id": "redemption"}),
    "POST /api/v1/stations/stations/{station_id}/ratings": (WORKERS, {"station_id": "station"}),
    "POST /api/v1/stations/stations/{station_id}/problems": (WORKERS, {"station_id": "station"}),
    "POST /api/v1/stations/inspections/{assignment_id}/submit": (NOBODY, {"assignment_id": "assignment"}),
    "GET /api/v1/learning/contests": (ALL, {}),
    "GET /api/v1/learning/contests/{contest_id}/attempt": (OWNER, {"contest_id": "learning_contest"}),
    "GET /api/v1/learning/contests/{contest_id}/ranking": (OWNER | DISTRICT, {"contest_id": "learning_contest"}),
    "GET /api/v1/learning/essays/calls": (ALL, {}),
    "GET /api/v1/learning/judge/essays": (LOGGED_IN, {}),
    "GET /api/v1/learning/participation": (OFFICE, {}),
    "POST /api/v1/learning/contests/{contest_id}/start": (OWNER, {"contest_id": "learning_contest"}),
    "POST /api/v1/learning/attempts/{attempt_id}/answers": (OWNER, {"attempt_id": "learning_attempt"}),
    "POST /api/v1/learning/essays/calls/{call_id}/essay": (OWNER, {"call_id": "learning_call"}),  # the call is closed: 409
    "POST /api/v1/learning/judge/essays/{essay_id}/scores": (NOBODY, {"essay_id": "learning_essay"}),  # the call's judges
    "POST /api/v1/learning/sessions/{session_id}/attendance": (DISTRICT, {"session_id": "learning_session"}),
    "GET /api/v1/care/wishes/open": (ALL, {}),
    "GET /api/v1/care/contributions": (LOGGED_IN, {}),
    "GET /api/v1/care/contributions/{claim_id}/contact": (NOBODY, {"claim_id": "care_claim"}),  # the donor, once confirmed
    "GET /api/v1/care/campaigns/{campaign_id}/figures": (ALL, {"campaign_id": "care_campaign"}),
    "GET /api/v1/care/loans": (LOGGED_IN, {}),
    "GET /api/v1/care/loans/{loan_id}": (OWNER | DISTRICT, {"loan_id": "care_loan"}),
    "GET /api/v1/care/counsellors": (LOGGED_IN, {}),
    "GET /api/v1/care/counselling/counts": (DISTRICT, {}),
    "POST /api/v1/care/wishes": (WORKERS | OFFICE, {}),  # one's own, or for a member of one's union
    "POST /api/v1/care/wishes/{wish_id}/claim": (LOGGED_IN, {"wish_id": "care_public_wish"}),
    "POST /api/v1/care/wishes/{wish_id}/actions": (OWNER | DISTRICT, {"wish_id": "care_wish"}),
    "POST /api/v1/care/contributions/{claim_id}/actions": (NOBODY, {"claim_id": "care_claim"}),
    "POST /api/v1/care/loans": (WORKERS, {}),
    "POST /api/v1/care/loans/{loan_id}/transitions": (OWNER | DISTRICT, {"loan_id": "care_loan"}),
    "POST /api/v1/care/loans/{loan_id}/bank-decision": (DISTRICT, {"loan_id": "care_loan"}),
    "POST /api/v1/care/bookings": (WORKERS, {}),
}

# Page writes exercised with POST (empty or minimal forms): outsiders must change nothing.
PAGE_POSTS = [
    "core:org_edit",
    "core:member_edit",
    "core:member_phone",
    "core:member_move",
    "core:token_revoke",
    "core:coverage_unit_edit",
    "bags:batch_bind",
    "bags:point_edit",
    "bags:point_delete",
    "bags:batch_labels",
    "bags:points_rule_deactivate",
    "knowledge:answer",
    "prizes:redeem",
    "prizes:prize_edit",
    "prizes:place_edit",
    "prizes:redemption_cancel",
    "stations:edit",
    "stations:task",
    "stations:plan",
    "stations:rubric_edit",
    "care:wish_action",
    "care:contribution_action",
    "care:loan_transition",
    "care:loan_bank",
    "care:repayment_pay",
    "care:booking_cancel",
    "care:booking_note",
    "care:crisis",
    "studios:inspection_assign",
    "studios:subsidy_grant",
    "studios:subsidy_pay",
    "studios:expense_record",
    "studios:subsidy_accept",
    "studios:annual_report_submit",
    "studios:annual_check_decide",
    "survey:status",
    "survey:quota",
    "honours:quota_set",
    "honours:objection_resolve",
    "honours:session_capacity",
    "honours:certificate_revoke",
    "honours:match",
    "learning:contest_answer",
    "learning:essay_submit",
    "learning:judge_essay",
    "learning:call_action",
    "learning:session",
    "learning:checkin",
    "fund:application_edit",
    "fund:beneficiaries",
    "fund:transition",
    "fund:pay",
    "fund:refund",
    "fund:receipts",
    "fund:mine_receipt",
    "fund:transfer_request",
    "fund:transfer_decide",
    "fund:carry_forward",
    "fund:export",
    "labour:case_transition",
    "labour:case_assign",
    "labour:session_add",
    "labour:case_extend",
    "labour:agreement_edit",
    "labour:case_sign",
    "labour:case_contacts",
    "labour:point",
    "labour:task",
    "labour:contract",
    "labour:qa_answer",
    "labour:model_unit_revoke",
    "labour:points",
    "labour:risk_rules",
    "labour:trainings",
    "labour:training",
]


def page_names() -> set[str]:
    names: set[str] = set()

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, ns)
            elif isinstance(pattern, URLPattern):
                names.add(f"{namespace}:{pattern.name}" if namespace else (pattern.name or str(pattern.pattern)))

    walk(get_resolver(), "")
    return names


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} /api/v1{path}" if not path.startswith("/api/v1") else f"{method.upper()} {path}"
        for path, ops in schema["paths"].items()
        for method in ops
    }


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def test_every_endpoint_has_a_policy():
    api_ops = api_operations()
    missing_api = sorted(api_ops - set(API))
    stale_api = sorted(set(API) - api_ops)
    names = {n for n in page_names() if not is_admin(n)}
    # the API's own URL patterns are covered by the OpenAPI operations above
    names = {n for n in names if not n.startswith("api_v1:") or n in PAGES}
    missing_pages = sorted(names - set(PAGES))
    stale_pages = sorted(set(PAGES) - page_names())
    assert not (missing_api or missing_pages or stale_api or stale_pages), (
        f"unclassified API operations: {missing_api}\nunclassified pages: {missing_pages}\n"
        f"policies for endpoints that no longer exist: {stale_api + stale_pages}"
    )


# --- running the matrix --------------------------------------------------------------------------


def clients(world) -> dict:
    from django.test import Client

    users = {
        "owner": world.worker_a1,
        "worker_b": world.worker_b1,
        "collector_b": world.collector_b,
        "admin_b": world.admin_b1,
        "street_b": world.street_b_staff,
        "district": world.district_staff,
    }
    out = {role: world.client_for(who) for role, who in users.items()}
    out["anon"] = Client()
    return out


def resolve_kwargs(spec: dict, scenario) -> dict:
    out = {}
    for key, source in spec.items():
        value = source(scenario) if callable(source) else scenario[source]
        out[key] = getattr(value, "pk", value)
    return out


LOGIN_PATHS = ("/login/", "/login/phone/", "/admin/login/")
STATS_FILE = Path(__file__).resolve().parents[2] / "var" / "authz-matrix.json"


def record(part: str, endpoints: int, checked: int) -> None:
    """Adds this test's share of the matrix to var/authz-matrix.json (for RELIABILITY.md)."""
    stats = json.loads(STATS_FILE.read_text()) if STATS_FILE.exists() else {}
    stats[part] = {"endpoints": endpoints, "roles": len(ROLES), "requests": checked}
    STATS_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATS_FILE.write_text(json.dumps(stats, indent=1))


def to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0].rstrip("/") + "/" in LOGIN_PATHS


def leaked(response) -> list[str]:
    if response.status_code != 200 or response.get("Content-Type", "").split(";")[0] not in (
        "text/html",
        "application/json",
        "text/csv",
        "text/plain",
    ):
        return []
    text = response.content.decode("utf-8", "replace")
    return [m for m in PRIVATE_MARKERS if m in text]


def judge(role, allowed, response, *, api_call: bool, is_list: bool = False) -> str | None:
    """None when the answer is right for the role, else what is wrong.

    For a list (no object in the URL) a role outside the policy may still get 200 when the
    answer holds nothing of org_a1 (e.g. an empty list of "my" rows, or its own organisation's).
    """
    status = response.status_code
    if status >= 500:
        return f"{status} server error"
    if role in OUTSIDERS and (bad := leaked(response)):
        return f"{status} leaks {bad}"
    if role in allowed:
        if status in (401, 403) or to_login(response):
            return f"allowed but refused ({status})"
        return None
    if is_list and role != "anon" and status == 200:
        return None
    if role == "anon":
        if api_call:
            return None if status == 401 else f"anonymous got {status} (want 401)"
        return None if to_login(response) or status in (403, 404, 405) else f"anonymous got {status}"
    # a logged-in user outside the policy is refused, or sent (302) to their own pages
    if status in (302, 403, 404, 405):
        return None
    return f"got {status} (want 403/404)"


@pytest.fixture
def scenario(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return build(world)


def test_pages_answer_each_role_as_the_policy_says(world, scenario):
    by_role = clients(world)
    problems, checked = [], 0
    for name, (allowed, spec) in sorted(PAGES.items()):
        url = reverse(name, kwargs=resolve_kwargs(spec, scenario)) if spec else reverse(name)
        for role, client in by_role.items():
            response = client.get(url)
            checked += 1
            if wrong := judge(role, allowed, response, api_call=False, is_list=not spec):
                problems.append(f"GET {url} [{name}] as {role}: {wrong}")
    record("pages_get", len(PAGES), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def test_api_answers_each_role_as_the_policy_says(world, scenario):
    by_role = clients(world)
    problems, checked = [], 0
    for op, (allowed, spec) in sorted(API.items()):
        method, template = op.split(" ", 1)
        if method != "GET":
            continue
        path = template.format(**resolve_kwargs(spec, scenario))
        for role, client in by_role.items():
            response = client.get(path)
            checked += 1
            if wrong := judge(role, allowed, response, api_call=True, is_list="{" not in template):
                problems.append(f"{op} as {role}: {wrong}")
    record("api_get", sum(1 for op in API if op.startswith("GET ")), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def state_fingerprint(scenario) -> str:
    """What an outsider's write must not change: the scenario's objects as stored."""
    from django.forms.models import model_to_dict

    parts = []
    for name, obj in sorted(scenario.objects.items()):
        if hasattr(obj, "refresh_from_db") and obj.pk:
            model = type(obj)
            row = model._base_manager.filter(pk=obj.pk).first()
            parts.append(f"{name}={model_to_dict(row) if row else None}")
    return json.dumps(parts, default=str)


WRITE_BODIES = {
    "POST /api/v1/bags/scans": lambda s: {
        "client_id": "outsider-0001",
        "code": s["free_code"],
        "point_id": s["point"].pk,
        "category": "kitchen",
        "grade": "correct",
    },
    "POST /api/v1/bags/bind": lambda s: {"code": s["free_code"]},
    "POST /api/v1/prizes/{prize_id}/redeem": lambda s: {"place_id": s["place"].pk, "idempotency_key": "outsider-redeem-1"},
    "POST /api/v1/prizes/redemptions/{redemption_id}/cancel": lambda s: {"reason": "outsider"},
    "PATCH /api/v1/members/{member_id}": lambda s: {"name": "改名"},
    "PATCH /api/v1/orgs/{org_id}": lambda s: {"name": "改名工会"},
    "DELETE /api/v1/bags/points/{point_id}": lambda s: {},
    "POST /api/v1/surveys/{survey_id}/responses": lambda s: {"answers": {"works": "no"}},
    "POST /api/v1/labour/cases/{case_id}/transitions": lambda s: {"name": "withdraw", "comment": "outsider"},
    "POST /api/v1/labour/contracts/{contract_id}/evaluations": lambda s: {
        "year": s["labour_contract"].signed_on.year,
        "scores": {"representatives": 8, "procedure": 8, "organisation": 8, "content": 8, "effect": 8},
    },
    "POST /api/v1/labour/cases/{case_id}/extension": lambda s: {"days": 5, "reason": "双方同意", "agreed_by": "双方当事人"},
    "POST /api/v1/labour/monitoring/points/{point_id}/reports": lambda s: {
        "period": s["labour_report"].period.replace(year=s["labour_report"].period.year - 1).isoformat(),
        "headcount": 10,
    },
    "POST /api/v1/labour/monitoring/points/{point_id}/stop": lambda s: {"reason": "outsider"},
    "PUT /api/v1/labour/monitoring/rules/{rule_id}": lambda s: {
        "label": "改规则",
        "indicator": "disputes",
        "threshold": "1",
        "level": "red",
        "opens_case": True,
    },
    "POST /api/v1/labour/trainings/{meeting_id}/attendance": lambda s: {"organisation_id": s["org"].pk, "attendees": 9},
    "POST /api/v1/care/wishes/{wish_id}/actions": lambda s: {"action": "verify"},
    "POST /api/v1/care/contributions/{claim_id}/actions": lambda s: {"action": "give_back"},
    "POST /api/v1/care/loans/{loan_id}/transitions": lambda s: {"name": "submit"},
    "POST /api/v1/care/loans/{loan_id}/bank-decision": lambda s: {"approved": False, "reference": "x"},
}


def test_outsiders_cannot_write_org_a1_objects(world, scenario):
    """Writes by roles outside the policy change nothing and answer 401/403/404 (or 4xx for the body)."""
    by_role = clients(world)
    problems, checked = [], 0
    before = state_fingerprint(scenario)
    for op, (allowed, spec) in sorted(API.items()):
        method, template = op.split(" ", 1)
        if method == "GET" or not spec:
            continue
        path = template.format(**resolve_kwargs(spec, scenario))
        body = WRITE_BODIES.get(op, lambda s: {})(scenario)
        for role, client in by_role.items():
            if role in allowed:
                continue
            response = client.generic(method, path, json.dumps(body), content_type="application/json")
            checked += 1
            status = response.status_code
            if status >= 500 or (role == "anon" and status != 401) or (role != "anon" and status not in (403, 404, 409, 422)):
                problems.append(f"{op} as {role}: {status} {response.content[:160]!r}")
    for name in PAGE_POSTS:
        allowed, spec = PAGES[name]
        url = reverse(name, kwargs=resolve_kwargs(spec, scenario))
        for role, client in by_role.items():
            if role in allowed:
                continue
            response = client.post(url, {"confirm": "yes", "name": "改名", "reason": "x", "state": "resolved"})
            checked += 1
            refused = response.status_code in (403, 404, 405) or (response.status_code == 302 and (role != "anon" or to_login(response)))
            if not refused:
                problems.append(f"POST {url} [{name}] as {role}: {response.status_code}")
    writes = sum(1 for op, (_a, spec) in API.items() if not op.startswith("GET ") and spec) + len(PAGE_POSTS)
    record("writes_by_outsiders", writes, checked)
    assert state_fingerprint(scenario) == before, "an outsider's write changed org_a1's objects"
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def admin_urls(scenario) -> list[tuple[str, str]]:
    """(name, url) for the admin index, every changelist/add page, and change pages of scenario objects."""
    from django.contrib import admin

    out = [("admin:index", reverse("admin:index"))]
    for model in admin.site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        out.append((name, reverse(name)))
    for name in ("member", "org", "batch", "redemption", "token", "station", "collection"):
        obj = scenario[name]
        if type(obj) in admin.site._registry:
            name = f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change"
            out.append((name, reverse(name, args=[obj.pk])))
    return out


def test_admin_is_for_office_staff_and_scoped(world, scenario):
    """Workers, collectors and visitors are sent to the admin login. Office staff get what their
    model permissions allow (200 or 403), never a row of org_a1 from another tree; an org_a1
    object asked for by another tree's staff answers like a missing one (the admin's redirect
    to its index with "does not exist", 403 or 404)."""
    by_role = clients(world)
    problems, checked = [], 0
    for name, url in admin_urls(scenario):
        is_object = name.endswith("_change")
        for role, client in by_role.items():
            response = client.get(url)
            checked += 1
            status = response.status_code
            if status >= 500:
                wrong = f"{status} server error"
            elif role in OUTSIDERS and (bad := leaked(response)):
                wrong = f"{status} leaks {bad}"
            elif role not in OFFICE:
                wrong = None if to_login(response) else f"got {status} (want the admin login)"
            elif is_object and role != "district":
                missing = status == 302 and response["Location"].rstrip("/").endswith("/admin")
                wrong = None if missing or status in (403, 404) else f"got {status} for another tree's object"
            else:
                wrong = None if status in (200, 403) else f"got {status}"
            if wrong:
                problems.append(f"GET {url} [{name}] as {role}: {wrong}")
    record("admin_get", len(admin_urls(scenario)), checked)
    assert not problems, f"{len(problems)} of {checked}:\n" + "\n".join(problems)


def matrix_size(scenario_objects=None) -> dict:
    return {"roles": len(ROLES), "pages": len(PAGES), "api_operations": len(API), "page_posts": len(PAGE_POSTS)}


def test_matrix_size_is_reported():
    size = matrix_size()
    assert size["pages"] > 100 and size["api_operations"] > 60
    assert re.search(r"\d+", json.dumps(size))


def test_the_audit_page_shows_changes_whose_keys_shadow_dict_methods(world):
    """Found by the matrix: an audit entry with a key "items" (a rubric's) made the audit page a 500."""
    from core.audit import audit

    audit(actor=world.district_staff, action="test.items", obj=world.org_a1, changes={"items": 3, "name": "x"})
    response = world.client_for(world.district_staff).get("/audit/")
    assert response.status_code == 200 and "test.items" in response.content.decode()
