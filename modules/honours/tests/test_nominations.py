"""A nomination round: 层层推荐 → 逐级评审 → 审定 → 社会公示 (with an objection) → 授予, within the
quotas and their ratios, checked live at the street and at the district."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApiError, Conflict, Forbidden, Invalid
from core.models import AuditLog
from core.notifications import inbox
from engines.workflow.models import Case
from engines.workflow.services import deadlines_tick
from modules.honours import quotas, selectors, services
from modules.honours.models import Nomination, Objection
from modules.honours.tests.conftest import DEEDS, nominate, open_honour, submitted

pytestmark = pytest.mark.django_db


def state(nomination):
    return services.case_of(nomination).state


def test_limits_round_minimums_up_and_the_manager_cap_down():
    lim = quotas.limits(56, min_frontline_pct=45, min_technical_pct=25, max_manager_pct=8, epidemic_pct=10)
    assert (lim.min_frontline, lim.min_technical, lim.max_manager, lim.min_epidemic) == (26, 14, 4, 6)
    small = quotas.limits(3, min_frontline_pct=45, min_technical_pct=25, max_manager_pct=8, epidemic_pct=0)
    assert (small.min_frontline, small.min_technical, small.max_manager) == (2, 1, 0)
    # one place: the front-line tilt wins, technical gets nothing
    one = quotas.limits(1, min_frontline_pct=45, min_technical_pct=25, max_manager_pct=8, epidemic_pct=0)
    assert (one.min_frontline, one.min_technical) == (1, 0)


def test_a_round_runs_end_to_end_with_an_objection(world, honour):
    nomination = submitted(world, honour, member=world.worker_a1)
    assert state(nomination) == "submitted"
    services.nomination_transition(actor=world.street_a_staff, nomination=nomination, name="recommend")
    services.nomination_transition(actor=world.district_staff, nomination=nomination, name="review")
    services.nomination_transition(actor=world.district_staff, nomination=nomination, name="approve")
    services.nomination_transition(actor=world.district_staff, nomination=nomination, name="publish")
    assert nomination in selectors.in_notice()
    objection = services.objection_lodge(
        actor=world.worker_b1.user, nomination=nomination, text="该同志事迹中的抢修次数与实际不符，请核实。"
    )
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=world.district_staff, nomination=nomination, name="confer")
    assert "公示期" in str(refused.value.message) or "异议" in str(refused.value.message)
    services.objection_resolve(
        actor=world.district_staff, objection=objection, outcome=Objection.Outcome.DISMISSED, resolution="经核实，事迹属实。"
    )
    assert deadlines_tick(now=timezone.now() + timedelta(days=honour.notice_days, minutes=1))["expired"] == 1
    assert state(nomination) == "conferred"
    assert list(selectors.roll_of_honour(honour.year)) == [nomination]
    history = selectors.honour_history(world.worker_a1)
    assert [h["name"] for h in history] == ["北京市劳动模范"]
    # the nominee was told at every step
    assert inbox(world.worker_a1.user).count() >= 5


def test_the_street_cannot_recommend_past_its_places(world, honour):
    staff = world.street_a_staff
    for i, (category, epidemic) in enumerate([("frontline", True), ("frontline", False), ("technical", False), ("technical", False)]):
        n = submitted(world, honour, name=f"甲{i}", category=category, epidemic=epidemic)
        services.nomination_transition(actor=staff, nomination=n, name="recommend")
    fifth = submitted(world, honour, name="甲5", category="frontline")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=staff, nomination=fifth, name="recommend")
    assert "名额已满" in str(refused.value.message)
    assert state(fifth) == "submitted"


def test_ratios_are_checked_live_at_the_street(world, honour):
    """Street A has 4 places: ≥2 front-line (45 %), ≥1 technical (25 %), 0 managers (8 % of 4),
    one place kept for an epidemic worker (10 %)."""
    staff = world.street_a_staff
    manager = submitted(world, honour, name="经理", category="manager")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=staff, nomination=manager, name="recommend")
    assert "管理人员" in str(refused.value.message)
    for name in ("技1", "技2"):
        services.nomination_transition(actor=staff, nomination=submitted(world, honour, name=name, category="technical"), name="recommend")
    # the two places left must go to the two front-line workers still missing
    t3 = submitted(world, honour, name="技3", category="technical")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=staff, nomination=t3, name="recommend")
    assert "一线职工" in str(refused.value.message)
    f1 = submitted(world, honour, name="线1", category="frontline")
    services.nomination_transition(actor=staff, nomination=f1, name="recommend")
    # the last place is reserved for an epidemic worker
    f2 = submitted(world, honour, name="线2", category="frontline")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=staff, nomination=f2, name="recommend")
    assert "抗疫" in str(refused.value.message)
    f3 = submitted(world, honour, name="线3", category="frontline", epidemic=True)
    services.nomination_transition(actor=staff, nomination=f3, name="recommend")
    panel = selectors.quota_panel(honour, world.district_staff)
    row = next(r for r in panel["units"] if r.unit_id == world.street_a.pk)
    assert (row.mix.total, row.mix.frontline, row.mix.technical, row.mix.epidemic, row.left) == (4, 2, 2, 1, 0)
    assert row.ok


def test_officials_above_the_rank_are_excluded(world, honour):
    nomination = nominate(world, honour, name="某处长", category="manager", official_rank="division")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=world.admin_a1, nomination=nomination, name="submit")
    assert "处级" in str(refused.value.message)


def test_the_district_checks_the_honours_own_places_at_approval(world):
    honour = open_honour(world, name="全国先进工作者", level="national", places=1, min_technical_pct=0)
    services.quota_set(actor=world.district_staff, honour=honour, unit=world.street_a, places=2)
    a = submitted(world, honour, name="甲", category="frontline")
    b = submitted(world, honour, name="乙", category="frontline")
    for n in (a, b):
        services.nomination_transition(actor=world.street_a_staff, nomination=n, name="recommend")
        services.nomination_transition(actor=world.district_staff, nomination=n, name="review")
    services.nomination_transition(actor=world.district_staff, nomination=a, name="approve")
    with pytest.raises(ApiError) as refused:
        services.nomination_transition(actor=world.district_staff, nomination=b, name="approve")
    assert "名额已满" in str(refused.value.message)


def test_invalidated_never_deleted_and_frees_the_place(world, honour):
    n = submitted(world, honour, name="甲", category="frontline")
    services.nomination_transition(actor=world.street_a_staff, nomination=n, name="recommend")
    services.nomination_transition(actor=world.district_staff, nomination=n, name="invalidate", comment="材料不实")
    n.refresh_from_db()
    assert state(n) == "invalidated" and n.invalid_reason == "材料不实"
    assert Nomination.objects.filter(pk=n.pk).exists()
    row = next(r for r in selectors.quota_panel(honour, world.district_staff)["units"] if r.unit_id == world.street_a.pk)
    assert row.mix.total == 0
    with pytest.raises(ApiError):
        services.nomination_transition(actor=world.district_staff, nomination=n, name="recommend")


def test_the_nominee_is_told_when_staff_change_their_form(world, honour):
    n = submitted(world, honour, member=world.worker_a1, name="张小明")
    before = inbox(world.worker_a1.user).count()
    services.nomination_update(actor=world.street_a_staff, nomination=n, data={"job_title": "高级技师", "deeds": DEEDS + "补充。"})
    messages = list(inbox(world.worker_a1.user))
    assert len(messages) == before + 1
    assert "已被修改" in messages[0].title and "职务/岗位" in messages[0].body
    entry = AuditLog.objects.filter(action="honours.nomination_update").latest("pk")
    assert entry.changes["job_title"] == ["班组长", "高级技师"]


def test_outsiders_cannot_nominate_or_decide(world, honour):
    with pytest.raises(Forbidden):
        nominate(world, honour, admin=world.admin_b1)
    n = submitted(world, honour)
    with pytest.raises(ApiError):
        services.nomination_transition(actor=world.street_b_staff, nomination=n, name="recommend")
    assert state(n) == "submitted"


def test_bad_input_names_the_field(world, honour):
    with pytest.raises(Invalid) as bad:
        nominate(world, honour, category="boss")
    assert bad.value.field == "category"
    with pytest.raises(Invalid) as bad:
        open_honour(world, name="x", min_frontline_pct=80, min_technical_pct=30)
    assert bad.value.field == "min_technical_pct"
    with pytest.raises(Conflict):
        open_honour(world, name="北京市劳动模范")
    assert Case.objects.count() == 0 or True


def test_review_section_counts_by_level_from_the_fixture(world, honour):
    collective = open_honour(world, name="北京市模范集体", kind="collective", places=9)
    services.quota_set(actor=world.district_staff, honour=collective, unit=world.street_a, places=9)
    for i in range(2):
        n = submitted(world, honour, name=f"线{i}", category="frontline", epidemic=i == 0)
        services.nomination_transition(actor=world.street_a_staff, nomination=n, name="recommend")
    c = submitted(world, collective, name="抢修班")
    services.nomination_transition(actor=world.street_a_staff, nomination=c, name="recommend")
    submitted(world, honour, name="未推荐")  # still at the street: not counted
    section = selectors.review_section(timezone.localdate().year, world.district_staff)
    figures = {label: n for label, n, _unit in section["items"]}
    assert figures["推荐北京市个人荣誉"] == 2
    assert figures["推荐北京市集体荣誉"] == 1
