"""The whole cycle as its users live it: a union applies, the street pre-reviews, experts score,
the district approves within the quota and publishes, an objection is heard, the studio is named."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApiError
from core.models import Notification
from engines.workflow.selectors import timeline
from engines.workflow.services import deadlines_tick
from modules.studios import selectors, services
from modules.studios.models import Objection
from modules.studios.tests.conftest import complete_data, draft, scored, to_expert_review


def state(application) -> str:
    return services.case_of(application).state


def test_a_draft_is_checked_against_the_call_before_it_can_be_submitted(world, studios):
    application = draft(world, studios, team=[{"name": "独行侠"}], consent_to_notice=False)
    with pytest.raises(ApiError) as caught:
        services.application_transition(actor=world.admin_a1, application=application, name="submit")
    assert caught.value.code == "workflow_incomplete"
    problems = caught.value.extra["problems"]
    assert "团队不少于 5 人（现有 1 人）" in problems and "须同意公示" in problems
    assert state(application) == "draft"

    services.application_update(
        actor=world.admin_a1, application=application, data={"team": complete_data()["team"], "consent_to_notice": True}
    )
    services.application_transition(actor=world.admin_a1, application=application, name="submit")
    assert state(application) == "submitted"
    assert Notification.objects.filter(recipient=world.street_a_staff, title="创新工作室申报：提交申报").exists()


def test_returned_for_changes_then_resubmitted_with_the_whole_history_kept(world, studios):
    application = draft(world, studios)
    services.application_transition(actor=world.admin_a1, application=application, name="submit")
    with pytest.raises(ApiError) as editing_submitted:
        services.application_update(actor=world.admin_a1, application=application, data={"summary": "改"})
    assert editing_submitted.value.code == "studios_not_editable"
    services.application_transition(actor=world.street_a_staff, application=application, name="return", comment="请补充近三年专利证书编号")
    services.application_update(actor=world.admin_a1, application=application, data={"summary": "补充了专利证书编号 ZL2020…"})
    services.application_transition(actor=world.admin_a1, application=application, name="submit", expected_state="returned")
    services.application_transition(actor=world.street_a_staff, application=application, name="pass")
    assert [e.action for e in timeline(services.case_of(application))] == ["创建", "提交申报", "退回修改", "提交申报", "初审通过"]
    told = Notification.objects.get(recipient=world.admin_a1, title="创新工作室申报：退回修改")
    assert "请补充近三年专利证书编号" in told.body


def test_experts_score_only_what_they_are_assigned_after_declaring_no_conflict(world, studios):
    application = to_expert_review(world, studios)
    with pytest.raises(ApiError) as not_assigned:
        services.scores_submit(actor=studios.expert_1, application=application, scores={})
    assert not_assigned.value.code == "studios_not_found"
    assignment = services.expert_assign(actor=world.district_staff, application=application, expert=studios.expert_1)
    assert selectors.application_for(studios.expert_1, application.pk) is None  # not before the declaration
    with pytest.raises(ApiError) as undeclared:
        services.scores_submit(actor=studios.expert_1, application=application, scores={})
    assert undeclared.value.code == "studios_declare_first"
    services.assignment_declare_no_conflict(actor=studios.expert_1, assignment=assignment)
    assert selectors.application_for(studios.expert_1, application.pk) == application
    assert selectors.application_for(studios.expert_2, application.pk) is None
    assert not selectors.other_experts_visible(studios.expert_1, application)
    services.scores_submit(
        actor=studios.expert_1, application=application, scores=dict.fromkeys(("leader", "results", "team", "facilities", "management"), 9)
    )
    assert selectors.other_experts_visible(studios.expert_1, application)
    assert [a.application for a in selectors.expert_inbox(studios.expert_2)] == []


def test_conflicts_of_interest_are_checked_before_assignment(world, studios):
    application = to_expert_review(world, studios)
    services.conflict_declare(actor=studios.expert_3, organisation=world.org_a1, reason="曾任该公司技术顾问")
    with pytest.raises(ApiError) as declared:
        services.expert_assign(actor=world.district_staff, application=application, expert=studios.expert_3)
    assert declared.value.code == "studios_conflict_of_interest"
    with pytest.raises(ApiError) as not_an_expert:
        services.expert_assign(actor=world.district_staff, application=application, expert=world.admin_a1)
    assert not_an_expert.value.code == "studios_not_expert"


def test_approval_needs_the_scores_and_a_place_within_the_quota(world, studios):
    first = to_expert_review(world, studios, "甲工作室")
    with pytest.raises(ApiError) as unscored:
        services.application_transition(actor=world.district_staff, application=first, name="approve")
    assert "专家评分未完成（0/2）" in unscored.value.extra["problems"]
    second = to_expert_review(world, studios, "乙工作室", organisation=world.org_b1, admin=world.admin_b1)
    third = to_expert_review(world, studios, "丙工作室", organisation=world.org_a1)
    for application, marks in ((first, (9, 8)), (second, (7, 7)), (third, (6, 10))):
        scored(world, studios, application, marks)
        services.application_transition(
            actor=world.district_staff, application=application, name="approve"
        ) if application is not third else None
    with pytest.raises(ApiError) as full:
        services.application_transition(actor=world.district_staff, application=third, name="approve")
    assert "命名名额已满（2 个）" in full.value.extra["problems"]

    rows = selectors.ranking(studios.call)
    assert [r.application.name for r in rows] == ["甲工作室", "丙工作室", "乙工作室"]
    assert [r.total for r in rows] == [first.evaluation.total, third.evaluation.total, second.evaluation.total]
    # 6 against 10 on every item: 60 vs 100 points — both marks flagged for the meeting.
    assert rows[1].outliers == ["expert_1", "expert_2"] and rows[0].outliers == []
    assert [r.within_quota for r in rows] == [True, True, False]


def test_the_notice_runs_its_period_objections_are_heard_and_the_studio_is_named(world, studios):
    application = scored(world, studios, to_expert_review(world, studios))
    services.application_transition(actor=world.district_staff, application=application, name="approve")
    services.application_transition(actor=world.district_staff, application=application, name="publish")
    application.evaluation.refresh_from_db()
    assert application.evaluation.is_locked  # scores are final once published
    assert list(selectors.public_notice()) == [application]

    objection = services.objection_lodge(
        actor=world.worker_b1.user, application=application, text="该工作室的专利并非团队成员所有，请核实。"
    )
    with pytest.raises(ApiError) as early:
        services.application_transition(actor=world.district_staff, application=application, name="name")
    assert "尚有未处理的公示异议" in early.value.extra["problems"]

    # The notice ends with the objection still open: the studio waits and the district is told.
    assert deadlines_tick(now=timezone.now() + timedelta(days=studios.call.notice_days, minutes=1))["expired"] == 1
    assert state(application) == "notice"
    assert Notification.objects.filter(recipient=world.district_staff, title="创新工作室申报：已到期，须人工办理").exists()

    services.objection_resolve(
        actor=world.district_staff,
        objection=objection,
        outcome=Objection.Outcome.DISMISSED,
        resolution="经核实，专利权人为申报单位，异议不成立。",
    )
    services.application_transition(actor=world.district_staff, application=application, name="name")
    assert state(application) == "named"
    assert list(selectors.named_studios()) == [application]
    services.achievement_add(
        actor=world.admin_a1, application=application, kind="award", title="全国职工优秀技术创新成果", year=timezone.localdate().year
    )
    assert application.achievements.count() == 1


def test_a_notice_without_objections_names_the_studio_by_itself(world, studios):
    application = scored(world, studios, to_expert_review(world, studios))
    services.application_transition(actor=world.district_staff, application=application, name="approve")
    services.application_transition(actor=world.district_staff, application=application, name="publish")
    deadlines_tick(now=timezone.now() + timedelta(days=studios.call.notice_days, minutes=1))
    assert state(application) == "named"
    assert timeline(services.case_of(application))[-1].actor == "系统"


def test_the_annual_review_counts_the_years_applications_and_named_studios_by_street(world, studios):
    year = studios.call.year
    assert selectors.review_section(year, world.district_staff)["items"] == []
    named = scored(world, studios, to_expert_review(world, studios, "甲工作室"))
    services.application_transition(actor=world.district_staff, application=named, name="approve")
    services.application_transition(actor=world.district_staff, application=named, name="publish")
    deadlines_tick(now=timezone.now() + timedelta(days=studios.call.notice_days, minutes=1))
    to_expert_review(world, studios, "乙工作室", organisation=world.org_b1, admin=world.admin_b1)
    draft(world, studios, "丙工作室")  # a draft is not an application yet
    section = selectors.review_section(year, world.district_staff)
    assert section["items"] == [("申报工作室", 2, "个"), ("命名区级职工创新工作室", 1, "个"), ("其中 什刹海街道总工会", 1, "个")]
