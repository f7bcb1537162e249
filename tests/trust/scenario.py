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
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.attachments import attachment_add

    o["attachment"] = attachment_add(
        actor=world.admin_a1, owner=application, upload=SimpleUploadedFile("甲附件信标.pdf", "%PDF-1.4\n甲附件信标\n".encode())
    )


def _problem_kind() -> str:
    from modules.stations.models import ProblemReport

    return ProblemReport._meta.get_field("kind").choices[0][0]
