"""Objects of every kind, all belonging to org_a1 / street A, for the authorisation matrix.

Each is built through its programme's services (as in production) and carries a marker in its
name so that a page leaking it to another organisation's user can be recognised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from core.models import ApiToken, CoverageUnit
from engines.ledger.services import entry_post
from engines.review import services as review
from modules.bags import codes as bag_codes
from modules.bags import services as bags
from modules.bags.models import Collection, LabelExport, PointsRule
from modules.knowledge.models import Article, Attempt, Campaign, GuideItem, QuestionBank
from modules.knowledge.services import STARTER_BANK, attempt_start, question_bank_load
from modules.prizes.models import PickupPlace
from modules.prizes.services import place_create, prize_create, redemption_create
from modules.stations import services as stations
from modules.stations.models import InspectionAssignment, StationTask
from modules.stations.tests.factories import make_station

# Strings that only org_a1 / street A's own people (and the district) may ever be shown.
PRIVATE_MARKERS = [
    "张小明",
    "13800000001",
    "138****0001",
    "甲批次信标",
    "甲令牌信标",
    "甲兑换信标",
    "甲任务信标",
    "甲消息信标",
    "甲工作室信标",
    "甲异议信标",
    "甲问卷信标",
    "甲推荐信标",
    "甲竞赛信标",
    "甲征文信标",
    "甲资料信标",
    "甲学习信标",
    "甲基金申请信标",
    "甲受益人信标",
    "甲调解信标",
    "甲单位电话信标",
    "甲监测信标",
    "甲合同信标",
    "甲提问信标",
    "甲心愿信标",
    "甲贷款信标",
    "甲咨询信标",
]


@dataclass
class Scenario:
    objects: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.objects[name]


def build(world) -> Scenario:
    staff = world.district_staff
    o: dict = {}
    o["org"] = world.org_a1
    o["street"] = world.street_a
    o["member"] = world.worker_a1
    o["unit"] = CoverageUnit.objects.create(name="甲园区", kind=CoverageUnit.Kind.PARK, street=world.street_a, union=world.org_a1)
    o["token"], _raw = ApiToken.issue(user=world.collector_a, name="甲令牌信标")

    # bags: a batch of org_a1, a point of street A, a label export, a bound bag collected with a photo
    batch = bags.batch_create(actor=staff, organisation=world.org_a1, size=10, note="甲批次信标")
    o["batch"] = batch
    o["point"] = bags.point_create(actor=staff, street=world.street_a, name="甲收集点", collectors=[world.collector_a])
    o["export"] = LabelExport.objects.create(batch=batch, total=10, created_by=staff)
    o["bag_code"] = bag_codes.encode(batch.first_bag_id)
    o["free_code"] = bag_codes.encode(batch.first_bag_id + 1)
    bags.bag_bind(actor=world.worker_a1.user, code=o["bag_code"])
    result = bags.collection_record(
        actor=world.collector_a,
        item=bags.ScanIn(client_id="authz-scan-0001", code=o["bag_code"], point_id=o["point"].pk, category="kitchen", grade="correct"),
    )
    assert result.ok, result
    o["client_id"] = "authz-scan-0001"
    o["collection"] = Collection.objects.get(pk=result.collection_id)
    from modules.bags.points import default_rules_ensure

    default_rules_ensure(actor=staff)
    o["rule"] = PointsRule.objects.order_by("pk").first()

    # knowledge: an article, a guide item, a daily quiz attempt by the worker, a contest
    question_bank_load()
    bank = QuestionBank.objects.get(name=STARTER_BANK)
    now = timezone.now()
    daily = Campaign.objects.create(
        name="每日答题",
        kind=Campaign.Kind.DAILY,
        bank=bank,
        questions_per_attempt=3,
        points_per_correct=2,
        starts_at=now - dt.timedelta(days=1),
    )
    o["contest"] = Campaign.objects.create(
        name="知识竞赛",
        kind=Campaign.Kind.CONTEST,
        bank=bank,
        questions_per_attempt=3,
        points_per_correct=5,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=2),
        time_limit_seconds=600,
    )
    o["attempt"] = attempt_start(campaign=daily, member=world.worker_a1, actor=world.worker_a1.user)
    assert isinstance(o["attempt"], Attempt)
    o["article"] = Article.objects.create(title="厨余垃圾怎么分", body="沥干水分。", created_by=staff)
    o["guide_item"] = GuideItem.objects.create(name="菜叶", category="kitchen", tip="沥干水分")
    o["reason_code"] = "mixed"

    # prizes: org_a1's own prize at its office, a redemption by the worker
    office = place_create(
        actor=staff, name="甲工会办公室", kind=PickupPlace.Kind.UNION_OFFICE, organisation=world.org_a1, operators=[world.admin_a1]
    )
    o["place"] = office
    today = timezone.localdate()
    o["prize"] = prize_create(
        actor=world.admin_a1,
        name="甲兑换信标帆布包",
        organisation=world.org_a1,
        points_price=10,
        stock_listed=5,
        per_person_limit=2,
        valid_from=today - dt.timedelta(days=1),
        valid_until=today + dt.timedelta(days=30),
        places=[office],
        pickup_days=7,
    )
    entry_post(member_id=world.worker_a1.pk, amount=100, reason="test.grant", source="authz")
    o["redemption"] = redemption_create(
        actor=world.worker_a1.user, member=world.worker_a1, prize_id=o["prize"].pk, place_id=office.pk, idempotency_key="authz-redeem-0001"
    ).redemption

    # stations: a station hosted by org_a1, a problem report task, an inspection assignment
    station = make_station(staff, world.org_a1, name="甲驿站")
    o["station"] = station
    stations.problem_report(actor=world.worker_a1.user, station=station, kind=_problem_kind(), description="饮水机坏了")
    o["task"] = StationTask.objects.filter(station=station).first()
    rubric = review.rubric_create(
        actor=staff,
        key="stations.inspection.authz",
        name="检查标准",
        items=[{"code": "sign", "title": "标识", "weight": 100, "max_score": 10, "pass_score": 6}],
    )
    o["rubric"] = rubric
    plan = stations.plan_create(actor=staff, year=2026, name="年度检查", rubric=rubric)
    o["plan"] = plan
    stations.plan_assign(actor=staff, plan=plan, stations=[station], inspector=world.inspector)
    o["assignment"] = InspectionAssignment.objects.get(plan=plan)
    # core: a finished background job of the district staff, with its download
    from django.core.files.base import ContentFile

    from core.models import BackgroundJob

    job = BackgroundJob.objects.create(kind="roster_import", title="甲任务信标", owner=staff, organisation=world.org_a1, status="done")
    job.output_file.save("authz.csv", ContentFile("甲任务信标".encode()), save=True)
    o["job"] = job
    from core.notifications import notify

    notify(recipients=[world.worker_a1.user], title="甲消息信标", body="甲消息信标")
    o["notification"] = world.worker_a1.user.notifications.get()
    _studios(world, o)
    _survey(world, o)
    _honours(world, o)
    _learning(world, o)
    _fund(world, o)
    _labour(world, o)
    _care(world, o)
    return Scenario(o)


def _studios(world, o) -> None:
    """A submitted studio application of org_a1, an expert's assignment to it and an objection."""
    from datetime import timedelta

    from django.utils import timezone

    from core.models import RoleAssignment
    from core.tests.factories import UserFactory
    from modules.studios import services as studios
    from modules.studios.models import ExpertAssignment, Objection

    today = timezone.localdate()
    rubric = studios.standard_rubric(actor=world.district_staff)
    call = studios.call_create(
        actor=world.district_staff,
        year=today.year,
        title="甲通知",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        quota=3,
        rubric=rubric,
    )
    application = studios.application_create(actor=world.admin_a1, call=call, organisation=world.org_a1, data={"name": "甲工作室信标"})
    expert = UserFactory(username="expert_a", display_name="专家甲")
    RoleAssignment.objects.create(user=expert, role=RoleAssignment.Role.EXPERT, organisation=world.district)
    o["studio_call"] = call
    o["studio_application"] = application
    o["studio_assignment"] = ExpertAssignment.objects.create(application=application, expert=expert, assigned_by=world.district_staff)
    o["studio_objection"] = Objection.objects.create(application=application, text="甲异议信标")
    from modules.studios.models import AnnualCheck, Inspection, Subsidy

    o["studio_inspection"] = Inspection.objects.create(application=application, inspector=expert, assigned_by=world.district_staff)
    o["studio_subsidy"] = Subsidy.objects.create(
        application=application, amount=2_000_000, purpose="甲补助信标", granted_by=world.district_staff
    )
    o["studio_check"] = AnnualCheck.objects.create(
        application=application, year=today.year, report="甲年度报告信标", submitted_by=world.admin_a1
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.attachments import attachment_add

    o["attachment"] = attachment_add(
        actor=world.admin_a1, owner=application, upload=SimpleUploadedFile("甲附件信标.pdf", "%PDF-1.4\n甲附件信标\n".encode())
    )


def _survey(world, o) -> None:
    """An identified survey of org_a1 (the care programme's), answered by worker_a1."""
    from engines.survey import services as surveys
    from engines.survey.testing import workbook

    data = workbook(
        [
            {"type": "select_one yn", "name": "works", "label": "是否在职"},
            {"type": "select_one yn", "name": "union", "label": "是否入会"},
            {"type": "text", "name": "note", "label": "建议"},
        ],
        [{"list_name": "yn", "name": "yes", "label": "是"}, {"list_name": "yn", "name": "no", "label": "否"}],
        {"form_title": "甲问卷信标", "form_id": "authz"},
    )
    survey = surveys.survey_import(actor=world.district_staff, owner="care.outdoor", organisation=world.org_a1, data=data, anonymous=False)
    o["survey"] = surveys.survey_set_status(actor=world.district_staff, survey=survey, status="open")
    o["survey_response"] = surveys.response_submit(
        actor=world.worker_a1.user, survey=o["survey"], answers={"works": "yes", "note": "甲问卷信标"}
    )


def _learning(world, o) -> None:
    """org_a1's own contest (with the worker's attempt), essay call (with the worker's entry, in
    judging), study material and study session (with the worker's attendance)."""
    from core.models import RoleAssignment
    from core.tests.factories import UserFactory
    from modules.learning import services as learning
    from modules.learning.models import QuestionBank as LearningBank

    now = timezone.now()
    bank_csv = "编号,题型,题目,选项A,选项B,答案,专题,难度,分值\n" + "".join(f"T{n},单选,第{n}题,甲,乙,A,法律,容易,2\n" for n in range(1, 6))
    learning.bank_import_file(actor=world.district_staff, name="甲题库", filename="bank.csv", data=bank_csv.encode())
    contest = learning.contest_create(
        actor=world.admin_a1, name="甲竞赛信标", topic="法律", bank=LearningBank.objects.get(name="甲题库"),
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1), time_limit_seconds=600,
        draw_rules=[{"topic": "", "difficulty": None, "count": 3}], pass_mark=6, organisation=world.org_a1,
    )  # fmt: skip
    o["learning_contest"] = contest
    o["learning_attempt"] = learning.contest_start(actor=world.worker_a1.user, contest=contest)
    judge = UserFactory(username="judge_a", display_name="评委甲")
    RoleAssignment.objects.create(user=judge, role=RoleAssignment.Role.EXPERT, organisation=world.district)
    call = learning.call_create(
        actor=world.admin_a1, title="甲征文活动", topics=["我与工会"], deadline=now + dt.timedelta(days=5),
        organisation=world.org_a1, judges=[judge],
    )  # fmt: skip
    o["learning_essay"] = learning.essay_submit(
        actor=world.worker_a1.user, call=call, topic="我与工会", title="甲征文信标", body="工会" * 40
    )
    o["learning_call"] = learning.call_close(actor=world.admin_a1, call=call)
    o["learning_material"] = learning.material_create(
        actor=world.admin_a1, title="甲资料信标", kind="document", topic="法律", organisation=world.org_a1
    )
    session = learning.session_create(actor=world.admin_a1, organisation=world.org_a1, title="甲学习信标", held_at=now)
    learning.attendance_record(actor=world.admin_a1, session=session, member_ids=[world.worker_a1.pk])
    o["learning_session"] = session


def _fund(world, o) -> None:
    """A fund, and an application of org_a1 paid to one beneficiary; a pending budget transfer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.attachments import attachment_add
    from modules.fund import services as fund
    from modules.fund.tests.conftest import make_id

    staff = world.district_staff
    f = fund.fund_create(
        actor=staff,
        name="抗疫专项基金",
        year=timezone.localdate().year,
        total_budget=1_000_000,
        purposes=[{"name": "慰问一线职工", "limit": 600_000}, {"name": "支持基层工会防疫", "limit": 400_000}],
    )
    first, second = f.purposes.order_by("order")
    application = fund.application_create(actor=world.admin_a1, fund=f, purpose=first, organisation=world.org_a1, title="甲基金申请信标")
    fund.beneficiaries_replace(
        actor=world.admin_a1,
        application=application,
        # worker_a1's own row (their phone and roster name: /fund/mine/ matches both); the marker is its category
        rows=[
            {
                "name": world.worker_a1.name,
                "id_number": make_id(1),
                "amount": "500",
                "phone": world.worker_a1.phone,
                "category": "甲受益人信标",
            }
        ],
    )
    attachment_add(actor=world.admin_a1, owner=application, upload=SimpleUploadedFile("名单.pdf", b"%PDF-1.4\n list\n"))
    fund.application_transition(actor=world.admin_a1, application=application, name="submit")
    fund.application_transition(actor=world.street_a_staff, application=application, name="pass")
    fund.application_transition(actor=staff, application=application, name="approve")
    # Maker–checker: another district officer (finance) pays what ``staff`` approved.
    from core.models import RoleAssignment, User

    finance = User.objects.create(username="authz-finance", display_name="财务")
    RoleAssignment.objects.create(user=finance, role=RoleAssignment.Role.DISTRICT_STAFF, organisation=world.district)
    fund.disbursement_record(actor=finance, application=application, reference="甲凭证", paid_on=timezone.localdate())
    o["fund"] = f
    o["fund_application"] = application
    o["fund_benefit"] = application.beneficiaries.get()  # paid to worker_a1 (their phone): /fund/mine/
    o["fund_transfer"] = fund.transfer_request(actor=staff, fund=f, from_purpose=first, to_purpose=second, amount=100, reason="调剂")


def _problem_kind() -> str:
    from modules.stations.models import ProblemReport

    return ProblemReport._meta.get_field("kind").choices[0][0]


def _honours(world, o) -> None:
    """A submitted nomination of org_a1 (its member worker_a1) with an objection; a course of org_a1
    with a session, worker_a1's place, checked in and certified; worker_a1 a craftsman answering
    org_a1's need; a competition with worker_a1 entered."""


def _care(world, o) -> None:
    """Care: a published wish of worker_a1 claimed by a donor, a private (posted) one, a loan in
    repayment, a counselling booking with its intake note and a crisis alert, an event."""
    from datetime import timedelta

    from django.utils import timezone

    from modules.honours import services as honours
    from modules.honours import services_craft as craft
    from modules.honours.models import Objection as HonourObjection

    today = timezone.localdate()
    honour = honours.honour_create(
        actor=world.district_staff,
        year=today.year,
        name="甲荣誉",
        level="beijing",
        places=5,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    honours.quota_set(actor=world.district_staff, honour=honour, unit=world.street_a, places=3)
    nomination = honours.nomination_create(
        actor=world.admin_a1,
        honour=honour,
        organisation=world.org_a1,
        member=world.worker_a1,
        data={"nominee_name": "甲推荐信标", "deeds": "甲推荐信标" * 5, "consent_to_notice": True},
    )
    honours.nomination_transition(actor=world.admin_a1, nomination=nomination, name="submit")
    o["honour"] = honour
    o["honour_nomination"] = nomination
    o["honour_objection"] = HonourObjection.objects.create(nomination=nomination, text="甲推荐信标 异议")
    course = honours.course_create(actor=world.admin_a1, title="甲课程", organisation=world.org_a1)
    session = honours.session_create(
        actor=world.admin_a1, course=course, place="甲基地", starts_on=today, ends_on=today + timedelta(days=3), capacity=5
    )
    enrolment = honours.enrol(actor=world.worker_a1.user, session=session, people=[{"name": "张小明", "phone": "13800000001"}])[0]
    honours.check_in(actor=world.admin_a1, session=session, code=enrolment.token)
    o["course"] = course
    o["training_session"] = session
    o["enrolment"] = enrolment
    o["certificate"] = honours.certificate_issue(actor=world.admin_a1, enrolment=enrolment)
    o["lesson"] = honours.lesson_create(actor=world.admin_a1, course=course, title="甲课时")
    craft.craftsman_join(actor=world.worker_a1.user, skill="紫砂")
    need = craft.need_post(actor=world.admin_a1, organisation=world.org_a1, kind="training", title="甲需求")
    o["need"] = need
    o["need_response"] = craft.need_respond(actor=world.worker_a1.user, need=need, message="甲响应")
    competition = craft.competition_create(actor=world.district_staff, title="甲竞赛", year=today.year, theory_weight=30)
    entrant = craft.entrant_add(actor=world.admin_a1, competition=competition, member=world.worker_a1)
    o["competition"] = competition
    o["entrant"] = entrant
    o["competition_appeal"] = craft.appeal_lodge(actor=world.worker_a1.user, entrant=entrant, text="甲推荐信标 申诉：计时有误请复核")


def _labour(world, o) -> None:
    """A mediation case of worker_a1 against org_a1's employer, a monitoring point of org_a1 with a
    red report (its visit task), a collective contract, a legal event, a handbook article, a question."""
    from datetime import timedelta

    from modules.labour import services as labour
    from modules.labour.models import Law, LawArticle

    staff = world.district_staff
    o["labour_case"] = labour.case_create(
        actor=world.worker_a1.user,
        worker_user=world.worker_a1.user,
        data={
            "dispute_type": "wages",
            "application_text": "甲调解信标：拖欠工资",
            "worker_name": world.worker_a1.name,
            "worker_phone": world.worker_a1.phone,
            "employer_name": "北京某科技有限公司",
            "employer_phone": "甲单位电话信标",
            "organisation": world.org_a1,
        },
    )
    labour.rules_ensure_defaults()  # a transactional test's flush removes the migration's rules
    from modules.labour.models import RiskRule

    o["labour_risk_rule"] = RiskRule.objects.get(code="disputes")
    point = labour.point_designate(actor=staff, organisation=world.org_a1, industry="信息技术")
    o["labour_point"] = point
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    report = labour.report_submit(
        actor=staff,
        point=point,
        period=last_month,
        data={"headcount": 50, "disputes": 5, "note": "甲监测信标"},
    )
    o["labour_report"] = report
    o["labour_task"] = report.task
    today = timezone.localdate()
    o["labour_contract"] = labour.contract_register(
        actor=staff,
        organisation=world.org_a1,
        data={
            "title": "甲合同信标",
            "signed_on": today,
            "starts_on": today,
            "ends_on": today + timedelta(days=700),
            "covered_workers": 50,
        },
    )
    o["labour_model_unit"] = labour.model_unit_select(
        actor=staff, organisation=world.org_a1, year=today.year, citation="关爱职工，劳动关系和谐", score="90"
    )
    o["labour_training"] = labour.training_record(
        actor=staff, title="集体协商培训会", batch=1, held_on=today, place="区总工会", invited=30, attendance={world.org_a1: 2}
    )
    o["labour_event"] = labour.event_create(
        actor=staff, data={"title": "普法讲座", "held_on": today, "place": "区职工服务中心", "organiser": world.org_a1}
    )
    law = Law.objects.create(title="中华人民共和国劳动合同法", short="劳动合同法")
    o["labour_law"] = law
    o["labour_article"] = LawArticle.objects.create(
        law=law, number=19, label="第十九条", text="劳动合同期限三个月以上不满一年的，试用期不得超过一个月。", search_text=" 试用期 "
    )
    o["labour_question"] = labour.question_ask(actor=world.worker_a1.user, question="甲提问信标：试用期可以不交社保吗？")
    from core.tests.factories import UserFactory
    from modules.care import services as care
    from modules.care.models import LoanApplication, Repayment

    today = timezone.localdate()
    staff = world.district_staff
    campaign = care.campaign_create(
        actor=staff,
        year=today.year,
        title="微心愿",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        value_limit=50000,
    )
    wish_data = {
        "first_name": "小明",
        "item": "书包",
        "story": "孩子上学",
        "value": 10000,
        "consent_publish": True,
        "address": "甲心愿信标",
    }
    public = care.wish_post(actor=world.worker_a1.user, campaign=campaign, data=dict(wish_data))
    care.wish_verify(actor=world.admin_a1, wish=public)
    care.wish_publish(actor=staff, wish=public)
    donor = UserFactory(username="care_donor", display_name="爱心人士")
    o["care_campaign"] = campaign
    o["care_public_wish"] = public
    o["care_claim"] = care.wish_claim(actor=donor, wish=public, note="甲心愿信标")
    o["care_wish"] = care.wish_post(actor=world.worker_a1.user, campaign=campaign, data={**wish_data, "item": "甲心愿信标"})
    loan = care.loan_create(
        actor=world.worker_a1.user,
        data={"group": "migrant", "business_name": "甲贷款信标", "business_plan": "甲贷款信标", "amount": 1_000_000, "term_months": 12},
    )
    o["care_loan"] = loan
    o["care_repayment"] = Repayment.objects.create(loan=loan, seq=1, due_on=today + timedelta(days=30), principal=100, interest=10)
    LoanApplication.objects.filter(pk=loan.pk).update(bank_decision="")
    counsellor_user = UserFactory(username="care_counsellor", display_name="咨询师")
    counsellor = care.counsellor_create(actor=staff, user=counsellor_user, name="咨询师")
    care.availability_set(actor=staff, counsellor=counsellor, windows=[(d, 0, 24) for d in range(7)])
    care.assessment_record(actor=staff, purpose="p", risks="r", measures="m", retention_days=30, consent_text="t")
    at = (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    booking = care.booking_create(
        actor=world.worker_a1.user, counsellor=counsellor, starts_at=at, mode="online", consent=True, intake="甲咨询信标"
    )[0]
    o["care_booking"] = booking
    o["care_crisis"] = care.crisis_raise(actor=counsellor_user, booking=booking)
    o["care_event"] = care.event_create(
        actor=staff, title="减压沙龙", starts_at=timezone.now() + timedelta(days=5), place="职工之家", capacity=20
    )
