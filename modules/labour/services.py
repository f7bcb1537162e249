"""Every change in labour relations: one atomic function per action, checking the rule and
writing the audit entry. Views, the API, the demo and the scheduler call these."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core import scoping
from core.audit import audit
from core.errors import Conflict, Forbidden, Invalid
from core.models import Organisation
from core.notifications import notify
from engines.review import services as review
from engines.workflow import services as workflow
from engines.workflow.models import Case
from modules.labour import rules, search
from modules.labour.models import (
    BargainingEvaluation,
    Channel,
    CollectiveContract,
    Consultation,
    DeskRules,
    DisputeType,
    Extension,
    FollowUpTask,
    Handover,
    Law,
    LawArticle,
    LegalEvent,
    MediationCase,
    Mediator,
    ModelUnit,
    MonitoringPoint,
    MonitoringReport,
    NegotiationRequest,
    Outcome,
    Question,
    ReportChase,
    Risk,
    RiskRule,
    Session,
)
from modules.labour.process import KEY, PROCESS

TEXT_MAX = 4000
AMOUNT_MAX_FEN = 10**12  # ten billion yuan: anything above is a typing error
LAWS_FILE = Path(__file__).resolve().parent / "data" / "laws.json"


def _text(value, field: str, *, required: bool = False, limit: int = TEXT_MAX, label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        raise Invalid("labour_required", _("请填写%(field)s") % {"field": label or field}, field=field)
    if len(text) > limit:
        raise Invalid("labour_too_long", _("%(field)s不能超过 %(n)s 字") % {"field": label or field, "n": limit}, field=field)
    return text


def yuan_to_fen(value, field: str, label: str) -> int:
    """Yuan as people type it ("12,800.5") → fen; refuses negatives, junk and absurd sums."""
    if value in (None, ""):
        return 0
    if isinstance(value, int):
        fen = value * 100
    else:
        try:
            fen = int((Decimal(str(value).replace(",", "").replace("，", "").strip()) * 100).to_integral_value())
        except (InvalidOperation, ValueError):
            raise Invalid("labour_amount_invalid", _("%(field)s须为金额（元）") % {"field": label}, field=field) from None
    if fen < 0 or fen > AMOUNT_MAX_FEN:
        raise Invalid("labour_amount_invalid", _("%(field)s须在 0 到 100 亿元之间") % {"field": label}, field=field)
    return fen


def _require_desk(actor) -> None:
    if not rules.is_desk(actor):
        raise Forbidden("labour_forbidden", _("只有调解员和区总工会工作人员可以办理调解案件"))


# --- mediation cases ---------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"调{year}-"
    last = MediationCase.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def case_of(mediation: MediationCase) -> Case:
    return workflow.case_for(mediation, KEY)


def case_create(*, actor, data: dict, worker_user=None, source_report=None, now=None) -> MediationCase:
    """Register an application (walk-in, oral on the spot, court referral, or a worker's online request).

    A worker applying online is the case's worker; the desk registers everyone else. An oral
    application (第十二条) is written down by the desk at once and marked as such."""
    now = now or timezone.now()
    online = worker_user is not None and not rules.is_desk(actor)
    if not online and actor is not None:
        _require_desk(actor)
    channel = Channel.ONLINE if online else data.get("channel") or Channel.WALK_IN
    if channel not in Channel.values:
        raise Invalid("labour_channel_invalid", _("请选择申请来源"), field="channel")
    dispute_type = data.get("dispute_type") or ""
    if dispute_type not in DisputeType.values:
        raise Invalid("labour_type_invalid", _("请选择争议类型"), field="dispute_type")
    workers = data.get("workers_count") or 1
    try:
        workers = int(workers)
    except (TypeError, ValueError):
        raise Invalid("labour_workers_invalid", _("涉及职工人数须为整数"), field="workers_count") from None
    if not 1 <= workers <= 100000:
        raise Invalid("labour_workers_invalid", _("涉及职工人数须在 1 到 100000 之间"), field="workers_count")
    representatives = _text(data.get("representatives"), "representatives", limit=500, label=_("职工代表"))
    if workers >= 10 and not representatives:
        # 集体争议: ten or more workers elect representatives to take part in mediation.
        raise Invalid("labour_representatives_required", _("涉及10人以上的争议须推举职工代表，请填写代表姓名"), field="representatives")
    arose = data.get("dispute_arose_on") or None
    if isinstance(arose, str):
        try:
            arose = date.fromisoformat(arose)
        except ValueError:
            raise Invalid("labour_date_invalid", _("日期格式应为 年-月-日"), field="dispute_arose_on") from None
    if arose and arose > timezone.localtime(now).date():
        raise Invalid("labour_date_future", _("争议发生日期不能晚于今天"), field="dispute_arose_on")
    organisation = data.get("organisation")
    with transaction.atomic():
        for attempt in range(3):
            try:
                with transaction.atomic():
                    mediation = MediationCase.objects.create(
                        number=_next_number(timezone.localtime(now).year),
                        channel=channel,
                        oral=bool(data.get("oral")) and not online,
                        application_text=_text(data.get("application_text"), "application_text", required=True, label=_("申请事项")),
                        received_at=now,
                        dispute_arose_on=arose,
                        dispute_type=dispute_type,
                        amount_claimed_fen=yuan_to_fen(data.get("amount_claimed"), "amount_claimed", _("请求金额")),
                        workers_count=workers,
                        representatives=representatives,
                        worker_user=worker_user,
                        worker_name=_text(data.get("worker_name"), "worker_name", required=True, limit=40, label=_("申请人姓名")),
                        worker_phone=_text(data.get("worker_phone"), "worker_phone", limit=20),
                        employer_name=_text(data.get("employer_name"), "employer_name", required=True, limit=120, label=_("用人单位")),
                        employer_contact=_text(data.get("employer_contact"), "employer_contact", limit=40),
                        employer_phone=_text(data.get("employer_phone"), "employer_phone", limit=20),
                        organisation=organisation,
                        street=_street_of(organisation),
                        mediator=data.get("mediator"),
                        source_report=source_report,
                        created_by=actor,
                    )
                break
            except IntegrityError:
                if attempt == 2:
                    raise Conflict("labour_number_taken", _("案号冲突，请重试")) from None
        workflow.case_start(process=KEY, subject=mediation, actor=actor)
        audit(actor=actor, action="labour.case_create", obj=mediation, changes={"channel": channel, "oral": mediation.oral})
    return mediation


def _street_of(organisation: Organisation | None):
    if organisation is None:
        return None
    return organisation.street or (organisation if organisation.level == Organisation.Level.STREET else None)


def case_transition(*, actor, mediation: MediationCase, name: str, comment: str = "", expected_state: str | None = None) -> Case:
    return workflow.transition_perform(case=case_of(mediation), name=name, actor=actor, comment=comment, expected_state=expected_state)


def acceptance_problems(mediation: MediationCase) -> list:
    return [] if mediation.mediator_id else [_("尚未指定调解员")]


def agreement_problems(mediation: MediationCase) -> list:
    problems = []
    if mediation.amount_agreed_fen is None:
        problems.append(_("协议金额未填写"))
    if not mediation.agreement_text.strip():
        problems.append(_("协议内容未填写"))
    if not mediation.sessions.exists():
        problems.append(_("尚无调解记录"))
    return problems


def signature_problems(mediation: MediationCase) -> list:
    missing = []
    if not mediation.signed_worker_at:
        missing.append(_("职工方未签字"))
    if not mediation.signed_employer_at:
        missing.append(_("用人单位未签字（盖章）"))
    if not mediation.signed_mediator_at:
        missing.append(_("调解员未签字"))
    return missing


def on_signed(mediation: MediationCase, *, actor, comment: str) -> None:
    MediationCase.objects.filter(pk=mediation.pk).update(outcome=Outcome.SUCCESS, closed_at=timezone.now())


def on_performed(mediation: MediationCase, *, actor, comment: str) -> None:
    MediationCase.objects.filter(pk=mediation.pk).update(performed_at=timezone.now())


def on_closed(mediation: MediationCase, *, actor, comment: str) -> None:
    state = case_of(mediation).state
    outcome = {"failed": Outcome.FAILED, "withdrawn": Outcome.WITHDRAWN, "rejected": Outcome.REJECTED}[state]
    MediationCase.objects.filter(pk=mediation.pk).update(outcome=outcome, outcome_note=comment, closed_at=timezone.now())


def _editable(mediation: MediationCase, *states: str) -> Case:
    case = case_of(mediation)
    if case.state not in states:
        raise Conflict("labour_case_closed", _("案件当前状态为“%(s)s”，不能修改") % {"s": PROCESS.state_label(case.state)})
    return case


@transaction.atomic
def mediator_assign(*, actor, mediation: MediationCase, mediator: Mediator, panel=(), note: str = "") -> MediationCase:
    """Assign the mediator (or a panel). A change of mediator needs a handover note for the next one."""
    _require_desk(actor)
    mediation = MediationCase.objects.select_for_update().get(pk=mediation.pk)
    _editable(mediation, "received", "mediating", "agreed")
    if not mediator.is_active:
        raise Invalid("labour_mediator_inactive", _("该调解员不在岗"), field="mediator")
    note = _text(note, "note", limit=2000)
    if mediation.mediator_id and mediation.mediator_id != mediator.pk:
        if not note:
            raise Invalid("labour_handover_required", _("更换调解员须填写交接说明"), field="note")
        Handover.objects.create(case=mediation, from_mediator=mediation.mediator, to_mediator=mediator, note=note, created_by=actor)
        notify(recipients=[mediator.user], title=_("调解案件交接：%(n)s") % {"n": mediation.number}, body=note, subject=mediation)
    before = mediation.mediator_id
    mediation.mediator = mediator
    mediation.save(update_fields=["mediator"])
    mediation.panel.set([m for m in panel if m.pk != mediator.pk])
    audit(actor=actor, action="labour.mediator_assign", obj=mediation, changes={"mediator": [before, mediator.pk]})
    return mediation


@transaction.atomic
def session_add(*, actor, mediation: MediationCase, held_at, room: str, attendees: str, notes: str) -> Session:
    _require_desk(actor)
    _editable(mediation, "mediating", "agreed")
    if held_at is None:
        raise Invalid("labour_required", _("请填写调解时间"), field="held_at")
    if held_at < mediation.received_at - timedelta(days=1):
        raise Invalid("labour_session_before_case", _("调解时间不能早于收到申请的时间"), field="held_at")
    session = Session.objects.create(
        case=mediation,
        held_at=held_at,
        room=_text(room, "room", limit=40) or _("调解室"),
        attendees=_text(attendees, "attendees", required=True, limit=300, label=_("参加人员")),
        notes=_text(notes, "notes"),
        created_by=actor,
    )
    audit(actor=actor, action="labour.session_add", obj=mediation, changes={"session": session.pk})
    return session


@transaction.atomic
def agreement_set(*, actor, mediation: MediationCase, amount_agreed, text: str, performance_due_on=None) -> MediationCase:
    _require_desk(actor)
    mediation = MediationCase.objects.select_for_update().get(pk=mediation.pk)
    _editable(mediation, "mediating", "agreed")
    mediation.amount_agreed_fen = yuan_to_fen(amount_agreed, "amount_agreed", _("协议金额"))
    mediation.agreement_text = _text(text, "agreement_text", required=True, label=_("协议内容"))
    mediation.performance_due_on = performance_due_on
    # The signatures were given to the old wording: a changed agreement is signed again.
    mediation.signed_worker_at = mediation.signed_employer_at = mediation.signed_mediator_at = None
    mediation.save()
    audit(actor=actor, action="labour.agreement_set", obj=mediation, changes={"amount_agreed_fen": mediation.amount_agreed_fen})
    return mediation


def _days(value, field: str, label: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise Invalid("labour_days_invalid", _("%(f)s须为整数") % {"f": label}, field=field) from None


@transaction.atomic
def extension_add(*, actor, mediation: MediationCase, days, reason: str, agreed_by: str, now=None) -> Extension:
    """Record that the parties agreed to extend the mediation period, and move its deadline.

    Local rules allow an extension by agreement up to ``DeskRules.extension_days`` in all (0: none).
    The extension is agreed before the period runs out; afterwards the parties may apply for
    arbitration instead. The workflow engine recomputes the deadline and its reminder."""
    from modules.labour.clocks import mediation_due

    if not rules.may_extend(actor, mediation):
        raise Forbidden("labour_forbidden", _("只有调解员和区总工会工作人员可以延长调解期限"))
    now = now or timezone.now()
    mediation = MediationCase.objects.select_for_update().get(pk=mediation.pk)
    case = _editable(mediation, "received", "mediating", "agreed")
    desk = DeskRules.current()
    days = _days(days, "days", _("延长天数"))
    allowed = desk.extension_days - mediation.extended_days
    if desk.extension_days == 0:
        raise Invalid("labour_extension_not_allowed", _("本区规定调解期限不得延长"), field="days")
    if allowed <= 0:
        raise Invalid(
            "labour_extension_exhausted",
            _("调解期限已延长 %(e)s 日，已达上限 %(m)s 日") % {"e": mediation.extended_days, "m": desk.extension_days},
            field="days",
        )
    if not 1 <= days <= allowed:
        raise Invalid("labour_days_invalid", _("延长天数须在 1 到 %(n)s 日之间") % {"n": allowed}, field="days")
    reason = _text(reason, "reason", required=True, limit=1000, label=_("延长理由"))
    agreed_by = _text(agreed_by, "agreed_by", required=True, limit=200, label=_("同意延长的当事人"))
    due_before = mediation_due(mediation.received_at, desk.mediation_days + mediation.extended_days)
    if now > due_before:
        raise Conflict("labour_extension_too_late", _("调解期限已届满，不能再延长；当事人可以依法申请仲裁"))
    mediation.extended_days += days
    mediation.save(update_fields=["extended_days"])
    extension = Extension.objects.create(
        case=mediation,
        days=days,
        reason=reason,
        agreed_by=agreed_by,
        due_before=due_before,
        due_after=mediation_due(mediation.received_at, desk.mediation_days + mediation.extended_days),
        created_by=actor,
        created_at=now,
    )
    workflow.deadline_recompute(case=case, actor=actor, reason=reason)
    audit(actor=actor, action="labour.extension_add", obj=mediation, changes={"days": days, "agreed_by": agreed_by})
    from modules.labour import selectors

    notify(
        recipients=[u for u in selectors.case_people(mediation) if u != actor],
        title=_("调解期限已延长：%(n)s") % {"n": mediation.number},
        body=_("经双方同意延长 %(d)s 日，调解期限至 %(due)s")
        % {"d": days, "due": timezone.localtime(extension.due_after).strftime("%Y-%m-%d")},
        subject=mediation,
    )
    return extension


SIGNERS = {"worker": "signed_worker_at", "employer": "signed_employer_at", "mediator": "signed_mediator_at"}


@transaction.atomic
def signature_record(*, actor, mediation: MediationCase, party: str) -> MediationCase:
    """Record that a party signed the printed agreement (第十四条: effective once all three have)."""
    _require_desk(actor)
    if party not in SIGNERS:
        raise Invalid("labour_party_invalid", _("签字方不正确"), field="party")
    mediation = MediationCase.objects.select_for_update().get(pk=mediation.pk)
    _editable(mediation, "agreed")
    if getattr(mediation, SIGNERS[party]) is None:
        setattr(mediation, SIGNERS[party], timezone.now())
        mediation.save(update_fields=[SIGNERS[party]])
        audit(actor=actor, action="labour.signature_record", obj=mediation, changes={"party": party})
    return mediation


def contacts_reveal(*, actor, mediation: MediationCase) -> dict:
    """The parties' contacts, for the desk only, each look written to the audit log."""
    from core.privacy import log_personal_data_access

    _require_desk(actor)
    audit(actor=actor, action="labour.contacts_view", obj=mediation, changes={"fields": ["worker_phone", "employer_phone"]})
    member = scoping.member_for(mediation.worker_user) if mediation.worker_user_id else None
    if member is not None:
        log_personal_data_access(viewer=actor, member=member, field="phone", context=f"调解案件 {mediation.number}")
    return {
        "worker_phone": mediation.worker_phone,
        "employer_phone": mediation.employer_phone,
        "employer_contact": mediation.employer_contact,
    }


@transaction.atomic
def consultation_log(*, actor, topic: str, question: str, advice: str = "", visitor: str = "", case=None) -> Consultation:
    _require_desk(actor)
    if topic not in DisputeType.values:
        raise Invalid("labour_type_invalid", _("请选择咨询类型"), field="topic")
    consultation = Consultation.objects.create(
        topic=topic,
        question=_text(question, "question", required=True, label=_("咨询问题")),
        advice=_text(advice, "advice"),
        visitor=_text(visitor, "visitor", limit=40),
        mediator=getattr(actor, "labour_mediator", None),
        case=case,
        created_by=actor,
    )
    audit(actor=actor, action="labour.consultation_log", obj=consultation)
    return consultation


@transaction.atomic
def rules_update(*, actor, values: dict) -> DeskRules:
    if not scoping.is_district_staff(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以修改时限设置"))
    current = DeskRules.current()
    limits = {
        "mediation_days": (1, 90),
        "acceptance_working_days": (0, 30),
        "extension_days": (0, 90),
        "arbitration_limit_days": (30, 3650),
        "remind_days_before": (0, 30),
        "report_due_day": (1, 28),
        "bargaining_answer_days": (1, 90),
    }
    changes = {}
    for name, (low, high) in limits.items():
        if name not in values:
            continue
        try:
            value = int(values[name])
        except (TypeError, ValueError):
            raise Invalid("labour_rules_invalid", _("时限须为整数"), field=name) from None
        if not low <= value <= high:
            raise Invalid("labour_rules_invalid", _("时限须在 %(a)s 到 %(b)s 之间") % {"a": low, "b": high}, field=name)
        changes[name] = [getattr(current, name), value]
        setattr(current, name, value)
    current.updated_at = timezone.now()
    current.save()
    audit(actor=actor, action="labour.rules_update", obj=current, changes=changes)
    if any(name in DEADLINE_SETTINGS and before != after for name, (before, after) in changes.items()):
        _open_deadlines_recompute(actor=actor)
    return current


# The settings the workflow deadlines of open cases (and their reminders) are computed from.
DEADLINE_SETTINGS = ("mediation_days", "acceptance_working_days", "remind_days_before")


def _open_deadlines_recompute(*, actor) -> int:
    """A changed time limit or reminder notice applies to the cases open now, not only to new ones:
    each open deadline is asked again (the engine moves due date and reminder, and audits it)."""
    open_cases = Case.objects.filter(process=KEY, deadlines__closed_at__isnull=True).distinct()
    count = 0
    for case in open_cases.iterator():
        workflow.deadline_recompute(case=case, actor=actor, reason=str(_("本区时限设置已修改")))
        count += 1
    return count


# --- monitoring points ------------------------------------------------------------------------

DEFAULT_RULES = [
    # code, label, indicator, threshold, level, opens a mediation case
    ("wage_arrears_many", "拖欠10人以上工资", "wage_arrears_workers", 10, Risk.RED, True),
    ("wage_arrears", "存在拖欠工资", "wage_arrears_fen", 1, Risk.YELLOW, False),
    ("insurance_arrears", "欠缴社会保险费", "social_insurance_arrears_fen", 1, Risk.YELLOW, False),
    ("layoffs_large", "拟裁员20人以上（须提前30日向工会说明）", "layoffs_planned", 20, Risk.RED, False),
    ("layoffs", "有裁员计划", "layoffs_planned", 1, Risk.YELLOW, False),
    ("overtime", "人均月加班超过36小时", "overtime_hours", Decimal("36.1"), Risk.YELLOW, False),
    ("disputes", "本月劳动争议3件以上", "disputes", 3, Risk.RED, False),
    ("difficulty", "经营严重困难", "business_difficulty", 3, Risk.RED, False),
    ("headcount_drop", "职工人数减少10%以上", "headcount_drop_pct", 10, Risk.YELLOW, False),
]
INDICATORS = {
    "wage_arrears_workers",
    "wage_arrears_fen",
    "social_insurance_arrears_fen",
    "layoffs_planned",
    "overtime_hours",
    "disputes",
    "business_difficulty",
    "headcount_drop_pct",
}


def rules_ensure_defaults() -> None:
    for code, label, indicator, threshold, level, opens_case in DEFAULT_RULES:
        RiskRule.objects.get_or_create(
            code=code, defaults={"label": label, "indicator": indicator, "threshold": threshold, "level": level, "opens_case": opens_case}
        )


def _indicator(report: MonitoringReport, name: str) -> Decimal:
    if name == "headcount_drop_pct":
        before = report.headcount - report.headcount_change
        if before <= 0 or report.headcount_change >= 0:
            return Decimal(0)
        return Decimal(-report.headcount_change * 100) / Decimal(before)
    return Decimal(str(getattr(report, name)))


def assess(report: MonitoringReport) -> tuple[str, list[dict], bool]:
    """The risk level of a report, the reasons (one per rule that fired) and whether a rule opens a case."""
    level, reasons, opens_case = Risk.GREEN, [], False
    order = {Risk.GREEN: 0, Risk.YELLOW: 1, Risk.RED: 2}
    fired_red_indicators = set()
    for rule in sorted(RiskRule.objects.filter(is_active=True), key=lambda r: (-order[r.level], r.pk)):
        value = _indicator(report, rule.indicator)
        if value >= rule.threshold:
            if rule.level == Risk.YELLOW and rule.indicator in fired_red_indicators:
                continue  # the red rule on the same figure says it already
            if rule.level == Risk.RED:
                fired_red_indicators.add(rule.indicator)
            reasons.append({"code": rule.code, "label": rule.label, "level": rule.level, "value": str(value.normalize())})
            if order[rule.level] > order[level]:
                level = rule.level
            opens_case = opens_case or rule.opens_case
    return level, reasons, opens_case


def validation_problems(data: dict) -> list[tuple[str, str]]:
    """Figures that cannot be right together (the report is refused with the field named)."""
    problems = []
    if data["wage_arrears_workers"] > data["headcount"] + max(0, -data["headcount_change"]):
        problems.append(("wage_arrears_workers", _("被拖欠工资人数不能多于职工人数")))
    if data["wage_arrears_workers"] and not data["wage_arrears_fen"]:
        problems.append(("wage_arrears_fen", _("有被拖欠工资的职工时须填写拖欠金额")))
    if data["wage_arrears_fen"] and not data["wage_arrears_workers"]:
        problems.append(("wage_arrears_workers", _("有拖欠工资金额时须填写被拖欠人数")))
    if data["layoffs_planned"] > data["headcount"]:
        problems.append(("layoffs_planned", _("拟裁员人数不能多于职工人数")))
    if data["headcount_change"] < 0 and -data["headcount_change"] > data["headcount"] * 10:
        problems.append(("headcount_change", _("人数减少幅度不合理，请核对")))
    if not 0 <= data["overtime_hours"] <= 200:
        problems.append(("overtime_hours", _("人均月加班须在 0 到 200 小时之间")))
    if data["business_difficulty"] not in (0, 1, 2, 3):
        problems.append(("business_difficulty", _("经营困难程度须为 0 到 3")))
    return problems


def month_start(day: date) -> date:
    return day.replace(day=1)


def report_due(period: date, rules_row: DeskRules) -> date:
    next_month = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month.replace(day=rules_row.report_due_day)


def _int(data, name, label, low=0, high=10**9) -> int:
    raw = data.get(name, 0)
    try:
        value = int(raw or 0)
    except (TypeError, ValueError):
        raise Invalid("labour_report_invalid", _("%(f)s须为整数") % {"f": label}, field=name) from None
    if not low <= value <= high:
        raise Invalid("labour_report_invalid", _("%(f)s超出合理范围") % {"f": label}, field=name)
    return value


@transaction.atomic
def report_submit(*, actor, point: MonitoringPoint, period: date, data: dict, now=None) -> MonitoringReport:
    """A point's monthly report: validated, rated green/yellow/red with reasons; a warning opens the
    street's follow-up visit task and, where a rule says so, a mediation case at the desk."""
    now = now or timezone.now()
    if not rules.may_report_for(actor, point):
        raise Forbidden("labour_forbidden", _("您不能为该监测点报送"))
    period = month_start(period)
    today = timezone.localtime(now).date()
    if period > month_start(today):
        raise Invalid("labour_period_future", _("不能报送未来月份"), field="period")
    clean = {
        "headcount": _int(data, "headcount", _("月末职工人数"), 0, 10**6),
        "headcount_change": _int(data, "headcount_change", _("较上月增减"), -(10**6), 10**6),
        "wage_arrears_workers": _int(data, "wage_arrears_workers", _("被拖欠工资人数"), 0, 10**6),
        "disputes": _int(data, "disputes", _("劳动争议件数"), 0, 10**4),
        "layoffs_planned": _int(data, "layoffs_planned", _("拟裁员人数"), 0, 10**6),
        "business_difficulty": _int(data, "business_difficulty", _("经营困难程度"), 0, 3),
        "wage_arrears_fen": yuan_to_fen(data.get("wage_arrears"), "wage_arrears", _("拖欠工资")),
        "social_insurance_arrears_fen": yuan_to_fen(data.get("social_insurance_arrears"), "social_insurance_arrears", _("欠缴社保")),
    }
    try:
        clean["overtime_hours"] = Decimal(str(data.get("overtime_hours") or 0)).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise Invalid("labour_report_invalid", _("人均月加班须为数字"), field="overtime_hours") from None
    problems = validation_problems(clean)
    if problems:
        field, message = problems[0]
        raise Invalid("labour_report_inconsistent", message, field=field)
    if MonitoringReport.objects.filter(point=point, period=period).exists():
        raise Conflict("labour_report_duplicate", _("%(m)s 的月报已报送") % {"m": period.strftime("%Y-%m")})
    report = MonitoringReport(
        point=point, period=period, submitted_at=now, submitted_by=actor, note=_text(data.get("note"), "note"), **clean
    )
    report.on_time = today <= report_due(period, DeskRules.current())
    report.risk, report.reasons, opens_case = assess(report)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise Conflict("labour_report_duplicate", _("%(m)s 的月报已报送") % {"m": period.strftime("%Y-%m")}) from None
    audit(actor=actor, action="labour.report_submit", obj=report, organisation=point.organisation, changes={"risk": report.risk})
    if report.risk == Risk.RED:
        _warning_follow_up(report, opens_case=opens_case, actor=actor, now=now)
    return report


def _warning_follow_up(report: MonitoringReport, *, opens_case: bool, actor, now) -> None:
    from modules.labour import selectors

    point = report.point
    reasons = "；".join(r["label"] for r in report.reasons)
    task = FollowUpTask.objects.create(
        report=report,
        street=point.street,
        title=_("%(org)s %(m)s 红色预警：%(r)s") % {"org": point.organisation.name, "m": report.period.strftime("%Y-%m"), "r": reasons},
        due_on=timezone.localtime(now).date() + timedelta(days=7),
        created_at=now,
    )
    notify(recipients=selectors.street_staff(point.street), title=_("劳动关系红色预警：请走访"), body=task.title, subject=task)
    if opens_case:
        mediation = case_create(
            actor=None,
            now=now,
            source_report=report,
            data={
                "channel": Channel.WALK_IN,
                "dispute_type": DisputeType.WAGES,
                "application_text": _("监测点月报预警自动立案：%(r)s") % {"r": reasons},
                "amount_claimed": Decimal(report.wage_arrears_fen) / 100,
                "workers_count": max(1, report.wage_arrears_workers),
                "representatives": _("待职工推举") if report.wage_arrears_workers >= 10 else "",
                "worker_name": _("%(org)s职工（集体）") % {"org": point.organisation.name},
                "employer_name": point.organisation.name,
                "organisation": point.organisation,
            },
        )
        notify(
            recipients=selectors.desk_people(), title=_("预警自动立案：%(n)s") % {"n": mediation.number}, body=reasons, subject=mediation
        )


@transaction.atomic
def task_complete(*, actor, task: FollowUpTask, result: str) -> FollowUpTask:
    if not rules.may_handle_task(actor, task):
        raise Forbidden("labour_forbidden", _("您不能处置该任务"))
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status == FollowUpTask.Status.DONE:
        raise Conflict("labour_task_done", _("该任务已处置"))
    task.result = _text(result, "result", required=True, label=_("处置情况"))
    task.status, task.done_at, task.done_by = FollowUpTask.Status.DONE, timezone.now(), actor
    task.save()
    audit(actor=actor, action="labour.task_complete", obj=task)
    return task


@transaction.atomic
def point_designate(*, actor, organisation: Organisation, industry: str = "其他") -> MonitoringPoint:
    if not rules.may_designate_point(actor):
        raise Forbidden("labour_forbidden", _("只有街道或区总工会可以设立监测点"))
    if organisation is None:
        raise Invalid("labour_required", _("请选择单位"), field="organisation")
    if not rules.may_designate_point(actor, organisation):
        raise Forbidden("labour_forbidden", _("该单位不在您的管辖范围"))
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("labour_org_invalid", _("监测点须设在企业（基层工会）"), field="organisation")
    point, created = MonitoringPoint.objects.get_or_create(
        organisation=organisation,
        defaults={"street": _street_of(organisation), "industry": _text(industry, "industry", limit=40) or "其他"},
    )
    if not created:
        raise Conflict("labour_point_exists", _("该单位已是监测点"))
    audit(actor=actor, action="labour.point_designate", obj=point, organisation=organisation)
    return point


@transaction.atomic
def point_set_active(*, actor, point: MonitoringPoint, active: bool, reason: str = "") -> MonitoringPoint:
    """Stop (or resume) a point's monthly reporting, e.g. the enterprise moved out of the district."""
    if not rules.may_designate_point(actor, point.organisation):
        raise Forbidden("labour_forbidden", _("只有街道或区总工会可以调整监测点"))
    reason = _text(reason, "reason", required=not active, limit=500, label=_("停用理由"))
    point = MonitoringPoint.objects.select_for_update().get(pk=point.pk)
    if point.is_active == active:
        raise Conflict("labour_point_unchanged", _("监测点已是该状态，请刷新页面"))
    point.is_active = active
    point.save(update_fields=["is_active"])
    audit(
        actor=actor,
        action="labour.point_set_active",
        obj=point,
        organisation=point.organisation,
        changes={"active": active, "reason": reason},
    )
    return point


INDICATOR_LABELS = {
    "wage_arrears_workers": _lazy("被拖欠工资人数（人）"),
    "wage_arrears_fen": _lazy("拖欠工资金额（分）"),
    "social_insurance_arrears_fen": _lazy("欠缴社保金额（分）"),
    "layoffs_planned": _lazy("拟裁员人数（人）"),
    "overtime_hours": _lazy("人均月加班（小时）"),
    "disputes": _lazy("本月劳动争议（件）"),
    "business_difficulty": _lazy("经营困难程度（0–3）"),
    "headcount_drop_pct": _lazy("职工人数较上月减少（%）"),
}
THRESHOLD_MAX = Decimal(10**12)


def risk_rule_save(*, actor, data: dict, rule: RiskRule | None = None) -> RiskRule:
    """Add a rule or change one (label, indicator, threshold, level, whether it opens a case, in use).
    Reports already filed keep the level they were given; the rule applies from the next report."""
    if not rules.may_edit_risk_rules(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以修改预警规则"))
    label = _text(data.get("label"), "label", required=True, limit=80, label=_("说明"))
    indicator = data.get("indicator") or ""
    if indicator not in INDICATORS:
        raise Invalid("labour_indicator_invalid", _("请选择指标"), field="indicator")
    try:
        threshold = Decimal(str(data.get("threshold", "")).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid("labour_threshold_invalid", _("阈值须为数字"), field="threshold") from None
    # NaN passes quantize() and would make the comparison below raise: refuse it as a bad number.
    if not threshold.is_finite() or not Decimal(0) < threshold < THRESHOLD_MAX:
        raise Invalid("labour_threshold_invalid", _("阈值须大于 0"), field="threshold")
    level = data.get("level") or ""
    if level not in (Risk.YELLOW, Risk.RED):
        raise Invalid("labour_level_invalid", _("预警等级须为黄色或红色"), field="level")
    opens_case = bool(data.get("opens_case"))
    if opens_case and level != Risk.RED:
        raise Invalid("labour_opens_case_red_only", _("只有红色预警规则可以自动开立调解案件"), field="opens_case")
    with transaction.atomic():
        if rule is None:
            code = _text(data.get("code"), "code", required=True, limit=40, label=_("代码"))
            if not re.fullmatch(r"[a-z0-9_-]+", code):
                raise Invalid("labour_code_invalid", _("代码只能用小写字母、数字、下划线和连字符"), field="code")
            if RiskRule.objects.filter(code=code).exists():
                raise Invalid("labour_code_taken", _("代码已被使用"), field="code")
            rule = RiskRule(code=code)
            before = {}
        else:
            rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
            before = {"label": rule.label, "indicator": rule.indicator, "threshold": str(rule.threshold), "level": rule.level}
            expected = data.get("expected_threshold")
            if expected not in (None, "") and str(expected).strip() != str(rule.threshold):
                raise Conflict("labour_rule_stale", _("该规则已被他人修改，请刷新后再试"))
        rule.label, rule.indicator, rule.threshold, rule.level = label, indicator, threshold, level
        rule.opens_case = opens_case
        rule.is_active = bool(data.get("is_active", True))
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError:
            raise Invalid("labour_code_taken", _("代码已被使用"), field="code") from None
        audit(
            actor=actor,
            action="labour.risk_rule_save",
            obj=rule,
            changes={"before": before, "threshold": str(threshold), "level": level, "active": rule.is_active},
        )
    return rule


def reports_chase(now=None) -> str:
    """Periodic: chase every point whose last month's report is late (once per point and month)."""
    from modules.labour import selectors

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    period = month_start(month_start(today) - timedelta(days=1))
    if today <= report_due(period, DeskRules.current()):
        return "not due"
    late = MonitoringPoint.objects.filter(is_active=True).exclude(reports__period=period).select_related("organisation")
    chased = 0
    for point in late:
        try:
            with transaction.atomic():
                ReportChase.objects.create(point=point, period=period, chased_at=now)
        except IntegrityError:
            continue
        notify(
            recipients=selectors.union_admins(point.organisation) + selectors.street_staff(point.street),
            title=_("劳动关系监测月报逾期：%(org)s") % {"org": point.organisation.name},
            body=_("%(m)s 月报尚未报送，请尽快报送") % {"m": period.strftime("%Y-%m")},
        )
        chased += 1
    return f"chased {chased}"


# --- collective bargaining -------------------------------------------------------------------

BARGAINING_RUBRIC_KEY = "labour.bargaining"
BARGAINING_ITEMS = [
    {"code": "representatives", "title": "协商代表（产生程序、构成与能力）", "weight": 20, "max_score": 10},
    {"code": "procedure", "title": "协商程序（要约、协商、职代会审议、报送审查）", "weight": 20, "max_score": 10},
    {"code": "organisation", "title": "工会组织作用（组织动员、信息公开）", "weight": 20, "max_score": 10},
    {"code": "content", "title": "合同内容（工资增长、工时、劳动保护等条款的针对性）", "weight": 20, "max_score": 10},
    {"code": "effect", "title": "履约效果（兑现情况、职工满意度、劳动关系和谐）", "weight": 20, "max_score": 10},
]


def bargaining_rubric(*, actor):
    from engines.review.selectors import latest_rubric

    return latest_rubric(BARGAINING_RUBRIC_KEY) or review.rubric_create(
        actor=actor, key=BARGAINING_RUBRIC_KEY, name=_("集体协商质量评估标准"), items=BARGAINING_ITEMS
    )


@transaction.atomic
def contract_register(*, actor, organisation: Organisation, data: dict) -> CollectiveContract:
    if not rules.may_view_org(actor, organisation):
        raise Forbidden("labour_forbidden", _("该单位不在您的管辖范围"))
    kind = data.get("kind") or CollectiveContract.Kind.ENTERPRISE
    if kind not in CollectiveContract.Kind.values:
        raise Invalid("labour_kind_invalid", _("请选择合同类型"), field="kind")
    signed_on, starts_on, ends_on = data.get("signed_on"), data.get("starts_on"), data.get("ends_on")
    if not (signed_on and starts_on and ends_on):
        raise Invalid("labour_required", _("请填写签订、生效和到期日期"), field="signed_on")
    if ends_on <= starts_on:
        raise Invalid("labour_dates_order", _("到期日期须晚于生效日期"), field="ends_on")
    if (ends_on - starts_on).days > 3 * 366:
        raise Invalid("labour_term_too_long", _("集体合同期限一般为一至三年"), field="ends_on")
    covered = _int(data, "covered_workers", _("覆盖职工人数"), 1, 10**6)
    contract = CollectiveContract.objects.create(
        organisation=organisation,
        street=_street_of(organisation),
        kind=kind,
        title=_text(data.get("title"), "title", required=True, limit=120, label=_("合同名称")),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        covered_workers=covered,
        wage_clauses=_text(data.get("wage_clauses"), "wage_clauses"),
        wage_increase_permille=_int(data, "wage_increase_permille", _("工资增幅"), 0, 1000),
    )
    audit(actor=actor, action="labour.contract_register", obj=contract, organisation=organisation)
    return contract


@transaction.atomic
def contract_evaluate(*, actor, contract: CollectiveContract, year: int, scores: dict, comment: str = "") -> BargainingEvaluation:
    """Score a contract's year on the five dimensions (several scorers may; the engine averages)."""
    if not rules.may_evaluate_contract(actor, contract):
        raise Forbidden("labour_forbidden", _("只有街道或区总工会可以评估集体协商质量"))
    year = _recent_year(year)
    if not isinstance(scores, dict):
        raise Invalid("labour_scores_invalid", _("请为五个维度逐项打分"), field="scores")
    row = BargainingEvaluation.objects.select_for_update().filter(contract=contract, year=year).first()
    if row is None:
        evaluation = review.evaluation_open(
            actor=actor, rubric=bargaining_rubric(actor=actor), subject=contract, title=f"{contract.title} {year}"
        )
        row = BargainingEvaluation.objects.create(contract=contract, year=year, evaluation=evaluation)
    review.scores_submit(actor=actor, evaluation=row.evaluation, scores=scores, comment=comment)
    row.evaluation.refresh_from_db()
    return row


@transaction.atomic
def request_register(*, actor, organisation: Organisation, from_side: str, subject: str, received_on: date) -> NegotiationRequest:
    if not rules.may_view_org(actor, organisation):
        raise Forbidden("labour_forbidden", _("该单位不在您的管辖范围"))
    if from_side not in ("union", "employer"):
        raise Invalid("labour_side_invalid", _("请选择提出方"), field="from_side")
    request = NegotiationRequest.objects.create(
        organisation=organisation,
        from_side=from_side,
        subject=_text(subject, "subject", required=True, limit=200, label=_("协商事项")),
        received_on=received_on,
        answer_due_on=received_on + timedelta(days=DeskRules.current().bargaining_answer_days),
    )
    audit(actor=actor, action="labour.request_register", obj=request, organisation=organisation)
    return request


@transaction.atomic
def request_answer(*, actor, request: NegotiationRequest, answer: str, answered_on: date) -> NegotiationRequest:
    if not rules.may_view_org(actor, request.organisation):
        raise Forbidden("labour_forbidden", _("该单位不在您的管辖范围"))
    request = NegotiationRequest.objects.select_for_update().get(pk=request.pk)
    if request.answered_on:
        raise Conflict("labour_request_answered", _("该要约已书面答复"))
    if answered_on < request.received_on:
        raise Invalid("labour_dates_order", _("答复日期不能早于收到要约日期"), field="answered_on")
    request.answer = _text(answer, "answer", required=True, label=_("答复内容"))
    request.answered_on = answered_on
    request.save()
    audit(actor=actor, action="labour.request_answer", obj=request)
    return request


@transaction.atomic
def training_record(*, actor, title: str, batch, held_on: date, place: str = "", invited=0, attendance: dict | None = None):
    """A collective-bargaining training meeting (the article: two batches), with the attendance of
    each union when it is already known."""
    from modules.labour.models import TrainingAttendance, TrainingMeeting

    if not rules.may_manage_trainings(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以登记培训会"))
    if not held_on:
        raise Invalid("labour_required", _("请填写培训日期"), field="held_on")
    if isinstance(held_on, str):
        try:
            held_on = date.fromisoformat(held_on)
        except ValueError:
            raise Invalid("labour_date_invalid", _("日期格式应为 年-月-日"), field="held_on") from None
    _recent_year(held_on.year)
    meeting = TrainingMeeting.objects.create(
        title=_text(title, "title", required=True, limit=120, label=_("培训会")),
        batch=_int({"batch": batch}, "batch", _("批次"), 1, 50),
        held_on=held_on,
        place=_text(place, "place", limit=120),
        invited=_int({"invited": invited}, "invited", _("应到人数"), 0, 100000),
    )
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(meeting=meeting, organisation=org, attendees=n) for org, n in (attendance or {}).items() if n > 0]
    )
    audit(actor=actor, action="labour.training_record", obj=meeting)
    return meeting


@transaction.atomic
def training_attendance_set(*, actor, meeting, organisation: Organisation, attendees, now=None):
    """How many people of a union attended a meeting (0 removes the row); only after it was held."""
    from modules.labour.models import TrainingAttendance, TrainingMeeting

    if not rules.may_manage_trainings(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以登记培训出勤"))
    if organisation is None:
        raise Invalid("labour_required", _("请选择单位"), field="organisation")
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("labour_org_invalid", _("参会单位须为基层工会"), field="organisation")
    n = _int({"attendees": attendees}, "attendees", _("参会人数"), 0, 1000)
    meeting = TrainingMeeting.objects.select_for_update().get(pk=meeting.pk)
    today = timezone.localtime(now or timezone.now()).date()
    if meeting.held_on > today:
        raise Invalid("labour_training_not_held", _("培训会尚未举行，不能登记出勤"), field="attendees")
    if n == 0:
        TrainingAttendance.objects.filter(meeting=meeting, organisation=organisation).delete()
        row = None
    else:
        row, _created = TrainingAttendance.objects.update_or_create(meeting=meeting, organisation=organisation, defaults={"attendees": n})
    audit(actor=actor, action="labour.training_attendance_set", obj=meeting, organisation=organisation, changes={"attendees": n})
    return row


def _recent_year(value) -> int:
    """A year of the programme's work: up to ten years back, or next year."""
    this_year = timezone.localdate().year
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid("labour_year_invalid", _("年度须为数字"), field="year") from None
    if not this_year - 10 <= year <= this_year + 1:
        raise Invalid("labour_year_invalid", _("年度须在 %(a)s 到 %(b)s 之间") % {"a": this_year - 10, "b": this_year + 1}, field="year")
    return year


def _score(value):
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid("labour_score_invalid", _("评价得分须为 0 到 100 之间的数字"), field="score") from None
    if not Decimal(0) <= score <= Decimal(100):
        raise Invalid("labour_score_invalid", _("评价得分须为 0 到 100 之间的数字"), field="score")
    return score


@transaction.atomic
def model_unit_select(*, actor, organisation: Organisation, year, citation: str, score=None) -> ModelUnit:
    """Select a union's enterprise as a “企业关爱职工·职工热爱企业” model unit of the year, with its
    deeds and evaluation score (by default its best collective-bargaining evaluation of the year).
    A unit revoked earlier in the year may be selected again; one selected already is refused."""
    if not rules.may_manage_model_units(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以选树示范单位"))
    if organisation is None:
        raise Invalid("labour_required", _("请选择单位"), field="organisation")
    if organisation.level != Organisation.Level.GRASSROOTS:
        raise Invalid("labour_org_invalid", _("示范单位须为基层工会所在企业"), field="organisation")
    year = _recent_year(year)
    citation = _text(citation, "citation", required=True, limit=2000, label=_("主要事迹"))
    score = _score(score)
    if score is None:
        best = (
            BargainingEvaluation.objects.filter(contract__organisation=organisation, year=year, evaluation__total__isnull=False)
            .order_by("-evaluation__total")
            .values_list("evaluation__total", flat=True)
            .first()
        )
        score = best
    unit = ModelUnit.objects.select_for_update().filter(organisation=organisation, year=year).first()
    if unit is not None and unit.selected:
        raise Conflict("labour_model_unit_exists", _("%(org)s 已是 %(y)s 年度示范单位") % {"org": organisation.name, "y": year})
    now = timezone.now()
    if unit is None:
        try:
            with transaction.atomic():
                unit = ModelUnit.objects.create(organisation=organisation, year=year, citation=citation, score=score)
        except IntegrityError:
            raise Conflict(
                "labour_model_unit_exists", _("%(org)s 已是 %(y)s 年度示范单位") % {"org": organisation.name, "y": year}
            ) from None
    unit.citation, unit.score, unit.selected = citation, score, True
    unit.selected_at, unit.selected_by = now, actor
    unit.revoked_at, unit.revoked_by, unit.revoke_reason = None, None, ""
    unit.save()
    audit(actor=actor, action="labour.model_unit_select", obj=unit, organisation=organisation, changes={"year": year})
    return unit


@transaction.atomic
def model_unit_revoke(*, actor, unit: ModelUnit, reason: str) -> ModelUnit:
    """Take the title back, with the reason (kept, shown to staff; the public list drops the unit)."""
    if not rules.may_manage_model_units(actor):
        raise Forbidden("labour_forbidden", _("只有区总工会可以撤销示范单位"))
    reason = _text(reason, "reason", required=True, limit=1000, label=_("撤销理由"))
    unit = ModelUnit.objects.select_for_update().get(pk=unit.pk)
    if not unit.selected:
        raise Conflict("labour_model_unit_not_selected", _("该单位当前不是示范单位，无需撤销"))
    unit.selected = False
    unit.revoked_at, unit.revoked_by, unit.revoke_reason = timezone.now(), actor, reason
    unit.save(update_fields=["selected", "revoked_at", "revoked_by", "revoke_reason"])
    audit(actor=actor, action="labour.model_unit_revoke", obj=unit, organisation=unit.organisation, changes={"reason": reason})
    return unit


# --- legal education -------------------------------------------------------------------------


@transaction.atomic
def event_create(*, actor, data: dict) -> LegalEvent:
    if not scoping.is_staff_member(actor):
        raise Forbidden("labour_forbidden", _("只有工会工作人员可以登记普法活动"))
    held_on = data.get("held_on")
    if not held_on:
        raise Invalid("labour_required", _("请填写活动日期"), field="held_on")
    organiser = data.get("organiser") or (scoping.role_assignments(actor)[0].organisation if scoping.role_assignments(actor) else None)
    if organiser is not None and not scoping.can_view_organisation(actor, organiser):
        raise Forbidden("labour_forbidden", _("该单位不在您的管辖范围"))
    event = LegalEvent.objects.create(
        title=_text(data.get("title"), "title", required=True, limit=120, label=_("活动名称")),
        held_on=held_on,
        place=_text(data.get("place"), "place", required=True, limit=120, label=_("地点")),
        audience=_text(data.get("audience"), "audience", limit=120),
        attendance=_int(data, "attendance", _("参加人数"), 0, 10**6),
        summary=_text(data.get("summary"), "summary"),
        organiser=organiser,
        created_by=actor,
    )
    audit(actor=actor, action="labour.event_create", obj=event)
    return event


def handbook_load(*, path: Path = LAWS_FILE) -> int:
    """Load (or reload) the handbook's laws and articles from the data file, segmenting each article."""
    data = json.loads(path.read_text(encoding="utf-8"))
    count = 0
    with transaction.atomic():
        for order, entry in enumerate(data["laws"], start=1):
            law, _created = Law.objects.update_or_create(
                title=entry["title"],
                defaults={
                    "short": entry["short"],
                    "kind": entry.get("kind", "law"),
                    "history": "\n".join(entry.get("history", [])),
                    "source": entry.get("source", "")[:200],
                    "order": order,
                },
            )
            law.articles.all().delete()
            LawArticle.objects.bulk_create(
                [
                    LawArticle(
                        law=law,
                        number=a["number"],
                        label=a["label"],
                        chapter=a.get("chapter", "")[:80],
                        text=a["text"],
                        search_text=search.search_text(law.short, a.get("chapter", ""), a["text"]),
                    )
                    for a in entry["articles"]
                ],
                batch_size=500,
            )
            count += len(entry["articles"])
    return count


@transaction.atomic
def question_ask(*, actor, question: str) -> Question:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden("labour_forbidden", _("请先登录"))
    text = _text(question, "question", required=True, limit=1000, label=_("问题"))
    if len(text) < 5:
        raise Invalid("labour_question_short", _("问题太短，请说明具体情况"), field="question")
    item = Question.objects.create(asked_by=actor, question=text)
    audit(actor=actor, action="labour.question_ask", obj=item)
    return item


@transaction.atomic
def question_answer(*, actor, question: Question, answer: str, public: bool = True) -> Question:
    if not rules.is_desk(actor):
        raise Forbidden("labour_forbidden", _("只有调解员和区总工会工作人员可以解答"))
    question = Question.objects.select_for_update().get(pk=question.pk)
    question.answer = _text(answer, "answer", required=True, label=_("解答"))
    question.answered_by, question.answered_at, question.public = actor, timezone.now(), public
    question.save()
    if question.asked_by:
        notify(recipients=[question.asked_by], title=_("您的法律问题已有解答"), body=question.answer[:200])
    audit(actor=actor, action="labour.question_answer", obj=question)
    return question
