"""Writing studio calls and applications. Transitions go through ``engines.workflow``; the
functions named in ``process.py`` (guards and effects) run inside the transition's transaction."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import richtext, scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.models import Organisation, RoleAssignment, User
from engines.review import services as review
from engines.workflow import services as workflow
from modules.studios import rules
from modules.studios.models import Achievement, Application, Call, ConflictDeclaration, ExpertAssignment, Field, Objection, ResultKind
from modules.studios.process import KEY

Role = RoleAssignment.Role
LIVE_AFTER_APPROVAL = ("approved", "notice", "named")
TEXT_MAX = 4000
TEAM_MAX = 60
RESULTS_MAX = 60


# --- calls ---------------------------------------------------------------------------------


def call_create(*, actor, year: int, title: str, opens_on: date, closes_on: date, quota: int, rubric, **options) -> Call:
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", _("只有区总工会可以发布申报通知"))
    if closes_on < opens_on:
        raise Invalid("studios_call_dates", _("截止日期不能早于开始日期"), field="closes_on")
    if quota < 1:
        raise Invalid("studios_call_quota", _("命名名额至少为 1"), field="quota")
    call = Call.objects.create(
        year=year, title=title, opens_on=opens_on, closes_on=closes_on, quota=quota, rubric=rubric, created_by=actor, **options
    )
    audit(actor=actor, action="studios.call_create", obj=call)
    return call


STANDARD_RUBRIC_KEY = "studios.standard"
# The district's evaluation standard for innovation studios (评定标准), weights summing to 100.
STANDARD_ITEMS = [
    {
        "code": "leader",
        "title": "领办人示范引领（劳模、工匠、技术能手）",
        "weight": 20,
        "max_score": 10,
        "guide": "领办人荣誉层级、技术水平与带动作用",
    },
    {
        "code": "results",
        "title": "创新成果（专利、工艺改进、经济效益）",
        "weight": 35,
        "max_score": 10,
        "guide": "近年成果的数量、水平与转化效益",
    },
    {"code": "team", "title": "团队建设与人才培养", "weight": 20, "max_score": 10, "guide": "团队结构、师带徒、培训与技能提升"},
    {"code": "facilities", "title": "场地设施与经费保障", "weight": 10, "max_score": 10, "guide": "固定场所、设备与专项经费"},
    {"code": "management", "title": "管理制度与运行机制", "weight": 15, "max_score": 10, "guide": "制度健全、活动记录、成果管理"},
]


def standard_rubric(*, actor):
    """The latest version of the studios' evaluation standard, created on first use."""
    from engines.review.selectors import latest_rubric

    rubric = latest_rubric(STANDARD_RUBRIC_KEY)
    if rubric is None:
        rubric = review.rubric_create(actor=actor, key=STANDARD_RUBRIC_KEY, name=_("区级职工创新工作室评定标准"), items=STANDARD_ITEMS)
    return rubric


# --- applications --------------------------------------------------------------------------


def _clean_text(value, field: str, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise Invalid("studios_too_long", _("内容不能超过 %(n)s 字") % {"n": limit}, field=field)
    return text


def _clean_team(raw) -> list[dict]:
    if not isinstance(raw, list) or len(raw) > TEAM_MAX:
        raise Invalid("studios_team_invalid", _("团队成员最多 %(n)s 人，每人须有姓名") % {"n": TEAM_MAX}, field="team")
    team = []
    for row in raw:
        name = str((row or {}).get("name", "")).strip() if isinstance(row, dict) else ""
        if not name or len(name) > 40:
            raise Invalid("studios_team_invalid", _("团队成员最多 %(n)s 人，每人须有姓名") % {"n": TEAM_MAX}, field="team")
        team.append({"name": name, "role": str(row.get("role", "")).strip()[:40]})
    return team


def _clean_results(raw) -> list[dict]:
    kinds = set(ResultKind.values)
    this_year = timezone.localdate().year
    if not isinstance(raw, list) or len(raw) > RESULTS_MAX:
        raise Invalid("studios_results_invalid", _("创新成果最多 %(n)s 项") % {"n": RESULTS_MAX}, field="results")
    results = []
    for row in raw:
        if not isinstance(row, dict):
            raise Invalid("studios_results_invalid", _("每项成果须有类别、名称和年份"), field="results")
        title = str(row.get("title", "")).strip()
        try:
            year = int(row.get("year"))
        except (TypeError, ValueError):
            year = 0
        if row.get("kind") not in kinds or not title or len(title) > 120 or not 1949 <= year <= this_year:
            raise Invalid("studios_results_invalid", _("每项成果须有类别、名称和年份（不晚于今年）"), field="results")
        results.append({"kind": row["kind"], "title": title, "year": year})
    return results


EDITABLE = (
    "name",
    "field",
    "leader_name",
    "leader_title",
    "leader_honours",
    "team",
    "results",
    "summary",
    "facilities",
    "consent_to_notice",
)


def _clean_application(data: dict) -> dict:
    cleaned = {}
    if "name" in data:
        name = _clean_text(data["name"], "name", 80)
        if not name:
            raise Invalid("studios_name_required", _("请填写工作室名称"), field="name")
        cleaned["name"] = name
    if "field" in data:
        if data["field"] not in Field.values:
            raise Invalid("studios_field_invalid", _("请选择创新领域"), field="field")
        cleaned["field"] = data["field"]
    for key, limit in (
        ("leader_name", 40),
        ("leader_title", 80),
        ("leader_honours", TEXT_MAX),
        ("summary", TEXT_MAX),
        ("facilities", TEXT_MAX),
    ):
        if key in data:
            cleaned[key] = _clean_text(data[key], key, limit)
    if "summary" in cleaned:
        # The description is rich text (bold, lists, links); stored sanitised (core/richtext.py).
        cleaned["summary"] = richtext.clean(cleaned["summary"])
    if "team" in data:
        cleaned["team"] = _clean_team(data["team"])
    if "results" in data:
        cleaned["results"] = _clean_results(data["results"])
    if "consent_to_notice" in data:
        cleaned["consent_to_notice"] = bool(data["consent_to_notice"])
    return cleaned


def application_create(*, actor, call: Call, organisation: Organisation, data: dict) -> Application:
    """A draft: saved as often as the admin likes; checked for completeness only on submission."""
    if not (scoping.has_role(actor, Role.GRASSROOTS_ADMIN) and scoping.can_manage_organisation(actor, organisation)):
        raise Forbidden("studios_forbidden", _("只能为本单位工会申报"))
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("studios_not_grassroots", _("申报单位须为基层工会"), field="organisation")
    if not call.is_open():
        raise Conflict(
            "studios_call_closed", _("该申报通知不在申报期内（%(start)s 至 %(end)s）") % {"start": call.opens_on, "end": call.closes_on}
        )
    cleaned = _clean_application({"name": "", **data})
    try:
        with transaction.atomic():
            application = Application.objects.create(
                call=call, organisation=organisation, street=organisation.street, created_by=actor, **cleaned
            )
            workflow.case_start(process=KEY, subject=application, actor=actor)
    except IntegrityError:
        raise Conflict("studios_duplicate", _("本单位在该通知下已有同名工作室申报"), field="name") from None
    audit(actor=actor, action="studios.application_create", obj=application, organisation=organisation)
    return application


def application_update(*, actor, application: Application, data: dict, expected_updated_at=None) -> Application:
    """Edit a draft or an application returned for changes; a form opened before another edit is refused."""
    case = case_of(application)
    if not rules.is_applicant_admin(actor, case):
        raise Forbidden("studios_forbidden", _("只能修改本单位的申报"))
    cleaned = _clean_application(data)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        state = case_of(locked).state
        if state not in ("draft", "returned"):
            raise Conflict("studios_not_editable", _("申报已提交，不能修改（退回修改后才可编辑）"))
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise Conflict("studios_stale", _("申报已被他人修改，请刷新后再编辑"))
        for key, value in cleaned.items():
            setattr(locked, key, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise Conflict("studios_duplicate", _("本单位在该通知下已有同名工作室申报"), field="name") from None
        audit(
            actor=actor,
            action="studios.application_update",
            obj=locked,
            changes={"fields": sorted(cleaned)},
            organisation=locked.organisation,
        )
    return locked


def case_of(application: Application):
    return workflow.case_for(application, KEY)


def application_transition(*, actor, application: Application, name: str, comment: str = "", expected_state: str | None = None):
    return workflow.transition_perform(case=case_of(application), name=name, actor=actor, comment=comment, expected_state=expected_state)


# --- guards and effects named in process.py -----------------------------------------------------


def submission_problems(application: Application) -> list[str]:
    """Why the application cannot be submitted yet (the eligibility rules of its call)."""
    call = application.call
    problems = []
    if not call.is_open():
        problems.append(_("不在申报期内"))
    if not application.leader_name or not application.leader_title:
        problems.append(_("领办人及其职务/职称未填写"))
    if not application.leader_honours:
        problems.append(_("领办人须为劳动模范、工匠或技术能手（请填写荣誉）"))
    if len(application.team) < call.min_team_size:
        problems.append(_("团队不少于 %(n)s 人（现有 %(have)s 人）") % {"n": call.min_team_size, "have": len(application.team)})
    earliest = call.year - call.recent_years
    if not any(result["year"] >= earliest for result in application.results):
        problems.append(_("须有 %(year)s 年以来的创新成果") % {"year": earliest})
    if not application.summary:
        problems.append(_("工作室简介未填写"))
    if not application.consent_to_notice:
        problems.append(_("须同意公示"))
    return problems


def on_submitted(application: Application, *, actor) -> None:
    Application.objects.filter(pk=application.pk).update(submitted_at=timezone.now())


def on_expert_review(application: Application, *, actor) -> None:
    """Scoring opens on the call's rubric when the street passes the application."""
    if application.evaluation_id is None:
        evaluation = review.evaluation_open(actor=actor, rubric=application.call.rubric, subject=application, title=application.name)
        Application.objects.filter(pk=application.pk).update(evaluation=evaluation)


def on_closed(application: Application, *, actor) -> None:
    """Scores are final once the district has decided: the evaluation is locked."""
    if application.evaluation_id and not application.evaluation.is_locked:
        review.evaluation_approve(actor=actor, evaluation=application.evaluation)


def approval_problems(application: Application) -> list[str]:
    """Enough expert scores, and a place within the quota. The call's row is locked first, so two
    approvals at once count each other: the quota cannot be overrun."""
    call = Call.objects.select_for_update().get(pk=application.call_id)
    problems = []
    scored = application.evaluation.scorer_count if application.evaluation_id else 0
    if scored < call.experts_per_application:
        problems.append(_("专家评分未完成（%(have)s/%(need)s）") % {"have": scored, "need": call.experts_per_application})
    taken = Application.objects.filter(call=call, cases__process=KEY, cases__state__in=LIVE_AFTER_APPROVAL).count()
    if taken >= call.quota:
        problems.append(_("命名名额已满（%(quota)s 个）") % {"quota": call.quota})
    return problems


def naming_problems(application: Application) -> list[str]:
    """The notice runs its whole period (its expiry names the studio by itself), and no objection is open."""
    from engines.workflow.selectors import open_deadline

    problems = []
    notice = open_deadline(case_of(application))
    if notice is not None and notice.expired_at is None and notice.due_at > timezone.now():
        problems.append(_("公示期至 %(end)s 结束，期满后方可命名") % {"end": timezone.localtime(notice.due_at).strftime("%Y-%m-%d %H:%M")})
    if application.objections.filter(outcome=Objection.Outcome.OPEN).exists():
        problems.append(_("尚有未处理的公示异议"))
    if application.objections.filter(outcome=Objection.Outcome.UPHELD).exists():
        problems.append(_("有成立的公示异议，请选择“公示后不予命名”"))
    return problems


# --- experts -------------------------------------------------------------------------------


def _affiliated(expert: User, organisation: Organisation) -> bool:
    """An expert is affiliated with a union when they hold a role in it or above it, or are its member."""
    for assignment in scoping.role_assignments(expert):
        if organisation.path.startswith(assignment.organisation.path) and assignment.role != Role.EXPERT:
            return True
    member = scoping.member_for(expert)
    return member is not None and member.organisation_id == organisation.pk


def expert_assign(*, actor, application: Application, expert: User) -> ExpertAssignment:
    """Conflicts are checked before the expert is assigned, not after they have read the file."""
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", _("只有区总工会可以分配评审专家"))
    if not rules.is_expert(expert):
        raise Invalid("studios_not_expert", _("该用户不是评审专家"), field="expert")
    if case_of(application).state != "expert_review":
        raise Conflict("studios_not_in_review", _("只有专家评审阶段的申报可以分配专家"))
    if ConflictDeclaration.objects.filter(expert=expert, organisation=application.organisation).exists() or _affiliated(
        expert, application.organisation
    ):
        raise Conflict("studios_conflict_of_interest", _("该专家与申报单位存在利益关系，须回避"), field="expert")
    try:
        with transaction.atomic():
            assignment = ExpertAssignment.objects.create(application=application, expert=expert, assigned_by=actor)
    except IntegrityError:
        raise Conflict("studios_already_assigned", _("该专家已分配到这项申报"), field="expert") from None
    audit(actor=actor, action="studios.expert_assign", obj=application, changes={"expert": expert.pk})
    from core.notifications import notify

    notify(recipients=[expert], title=_("新的评审任务：%(name)s") % {"name": application.name}, url="/studios/expert/")
    return assignment


def conflict_declare(*, actor, organisation: Organisation, reason: str) -> ConflictDeclaration:
    if not rules.is_expert(actor):
        raise Forbidden("studios_forbidden", _("只有评审专家可以声明回避"))
    reason = _clean_text(reason, "reason", 120)
    if not reason:
        raise Invalid("studios_reason_required", _("请说明回避原因"), field="reason")
    declaration, _created = ConflictDeclaration.objects.get_or_create(expert=actor, organisation=organisation, defaults={"reason": reason})
    # Already assigned and not yet opened: the assignment goes, the district is told by the audit trail.
    ExpertAssignment.objects.filter(expert=actor, application__organisation=organisation, declared_at__isnull=True).delete()
    audit(actor=actor, action="studios.conflict_declare", obj=declaration)
    return declaration


def assignment_declare_no_conflict(*, actor, assignment: ExpertAssignment) -> ExpertAssignment:
    if assignment.expert_id != actor.pk:
        raise NotFound("studios_not_found", _("找不到该评审任务"))
    if assignment.declared_at is None:
        ExpertAssignment.objects.filter(pk=assignment.pk, declared_at__isnull=True).update(declared_at=timezone.now())
        assignment.refresh_from_db()
        audit(actor=actor, action="studios.no_conflict_declared", obj=assignment.application)
    return assignment


def scores_submit(*, actor, application: Application, scores: dict, comment: str = "") -> None:
    """An assigned expert's sheet; only while the application is in expert review."""
    assignment = ExpertAssignment.objects.filter(application=application, expert=actor).first()
    if assignment is None:
        raise NotFound("studios_not_found", _("找不到该评审任务"))
    if assignment.declared_at is None:
        raise Conflict("studios_declare_first", _("请先声明与申报单位无利益冲突"))
    if case_of(application).state != "expert_review" or application.evaluation_id is None:
        raise Conflict("studios_scoring_closed", _("评审已结束，不能再修改评分"))
    review.scores_submit(actor=actor, evaluation=application.evaluation, scores=scores, comment=_clean_text(comment, "comment", 2000))


# --- public notice and after naming -----------------------------------------------------------


def objection_lodge(*, actor, application: Application, text: str) -> Objection:
    if case_of(application).state != "notice":
        raise Conflict("studios_not_in_notice", _("只能对公示中的工作室提出异议"))
    text = _clean_text(text, "text", 2000)
    if len(text) < 10:
        raise Invalid("studios_objection_short", _("请写明异议的事实和理由（不少于 10 字）"), field="text")
    objection = Objection.objects.create(application=application, text=text, lodged_by=actor)
    audit(actor=actor, action="studios.objection_lodge", obj=application)
    return objection


def objection_resolve(*, actor, objection: Objection, outcome: str, resolution: str) -> Objection:
    if not scoping.is_district_staff(actor):
        raise Forbidden("studios_forbidden", _("只有区总工会可以处理公示异议"))
    if outcome not in (Objection.Outcome.UPHELD, Objection.Outcome.DISMISSED):
        raise Invalid("studios_outcome_invalid", _("请选择处理结果"), field="outcome")
    resolution = _clean_text(resolution, "resolution", 2000)
    if not resolution:
        raise Invalid("studios_resolution_required", _("请填写处理说明"), field="resolution")
    updated = Objection.objects.filter(pk=objection.pk, outcome=Objection.Outcome.OPEN).update(
        outcome=outcome, resolution=resolution, resolved_by=actor, resolved_at=timezone.now()
    )
    if not updated:
        raise Conflict("studios_objection_resolved", _("该异议已处理"))
    objection.refresh_from_db()
    audit(actor=actor, action="studios.objection_resolve", obj=objection.application, changes={"outcome": outcome})
    return objection


def achievement_add(*, actor, application: Application, kind: str, title: str, year: int) -> Achievement:
    if case_of(application).state != "named":
        raise Conflict("studios_not_named", _("只有已命名的工作室可以登记成果"))
    if not (rules.is_applicant_admin(actor, application) or scoping.is_district_staff(actor)):
        raise Forbidden("studios_forbidden", _("只能为本单位的工作室登记成果"))
    cleaned = _clean_results([{"kind": kind, "title": title, "year": year}])[0]
    achievement = Achievement.objects.create(application=application, added_by=actor, **cleaned)
    audit(actor=actor, action="studios.achievement_add", obj=application)
    return achievement
