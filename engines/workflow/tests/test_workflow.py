"""The workflow engine told as a story: a union applies, the street reviews, the district decides,
a public notice runs out by itself. The subject is an organisation (any model will do)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import ApiError
from core.models import AuditLog, Notification, Organisation, RoleAssignment
from core.scoping import has_role
from engines.workflow import process as processes
from engines.workflow.models import Case, Deadline, Event
from engines.workflow.process import Process, State, Transition
from engines.workflow.selectors import available_transitions, open_deadline, timeline
from engines.workflow.services import case_start, deadlines_tick, transition_perform
from engines.workflow.testing import transition_matrix

Role = RoleAssignment.Role


def is_applicant(user, case) -> bool:
    return has_role(user, Role.GRASSROOTS_ADMIN)


def is_street(user, case) -> bool:
    return has_role(user, Role.STREET_STAFF)


def is_district(user, case) -> bool:
    return has_role(user, Role.DISTRICT_STAFF)


def address_given(case) -> list:
    return [] if case.subject.address else ["地址未填写"]


def applicants(case):
    return [r.user for r in RoleAssignment.objects.filter(role=Role.GRASSROOTS_ADMIN, organisation=case.subject).select_related("user")]


def street_staff(case):
    street = case.subject.street
    return [r.user for r in RoleAssignment.objects.filter(role=Role.STREET_STAFF, organisation=street).select_related("user")]


PROCESS = processes.register(
    Process(
        key="tests.application",
        label="测试申报",
        initial="draft",
        states=[
            State("draft", "草稿"),
            State("submitted", "待初审", deadline=timedelta(days=10), remind_before=timedelta(days=2)),
            State("returned", "退回修改"),
            State("approved", "已通过"),
            State("notice", "公示中", deadline=timedelta(days=7), on_expiry="finalise"),
            State("final", "已命名", terminal=True),
            State("rejected", "未通过", terminal=True),
        ],
        transitions=[
            Transition(
                "submit", ["draft", "returned"], "submitted", "提交", allowed=is_applicant, guard=address_given, notify=street_staff
            ),
            Transition(
                "return",
                ["submitted"],
                "returned",
                "退回修改",
                allowed=is_street,
                comment_required=True,
                notify=applicants,
                style="secondary",
            ),
            Transition("approve", ["submitted"], "approved", "通过", allowed=is_street, notify=applicants),
            Transition("reject", ["submitted"], "rejected", "不通过", allowed=is_street, comment_required=True, notify=applicants),
            Transition("publish", ["approved"], "notice", "公示", allowed=is_district),
            Transition("finalise", ["notice"], "final", "公示期满", system=True, notify=applicants),
        ],
        reminder_recipients=street_staff,
    )
)


@pytest.fixture
def application(world):
    world.org_a1.address = "西城区某路1号"
    world.org_a1.save(update_fields=["address"])
    return case_start(process=PROCESS.key, subject=world.org_a1, actor=world.admin_a1)


def test_a_declaration_that_names_an_unknown_state_fails_at_import():
    with pytest.raises(ValueError, match="unknown state"):
        Process(key="x", label="x", initial="a", states=[State("a", "A")], transitions=[Transition("go", ["a"], "b", "去")])
    with pytest.raises(ValueError, match="unknown initial"):
        Process(key="x", label="x", initial="z", states=[State("a", "A")], transitions=[])


def test_the_whole_path_is_logged_audited_and_told_to_the_right_people(world, application):
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    transition_perform(case=application, name="return", actor=world.street_a_staff, comment="请补充团队名单")
    transition_perform(case=application, name="submit", actor=world.admin_a1, expected_state="returned")
    transition_perform(case=application, name="approve", actor=world.street_a_staff)

    application.refresh_from_db()
    assert application.state == "approved"
    entries = timeline(application)
    assert [e.action for e in entries] == ["创建", "提交", "退回修改", "提交", "通过"]
    assert entries[2].comment == "请补充团队名单" and entries[2].from_label == "待初审" and entries[2].to_label == "退回修改"
    assert AuditLog.objects.filter(action__startswith="tests.application.").count() == 4
    # The applicant heard of the return (with the reason) and the approval; the street of each submission.
    told = Notification.objects.filter(recipient=world.admin_a1).order_by("id")
    assert [n.title for n in told] == ["测试申报：退回修改", "测试申报：通过"]
    assert "请补充团队名单" in told[0].body
    assert Notification.objects.filter(recipient=world.street_a_staff, title="测试申报：提交").count() == 2
    # Nobody is told of their own action.
    assert not Notification.objects.filter(recipient=world.street_a_staff, title="测试申报：通过").exists()


def test_refusals_say_why_and_change_nothing(world, application):
    def refused(**kwargs):
        with pytest.raises(ApiError) as caught:
            transition_perform(case=application, **kwargs)
        return caught.value

    assert refused(name="submit", actor=world.street_a_staff).code == "workflow_forbidden"
    assert refused(name="approve", actor=world.street_a_staff).code == "workflow_not_allowed_in_state"
    assert refused(name="fly", actor=world.admin_a1).code == "workflow_unknown_transition"
    assert refused(name="finalise", actor=world.district_staff).code == "workflow_unknown_transition"  # system only
    world.org_a1.address = ""
    world.org_a1.save(update_fields=["address"])
    incomplete = refused(name="submit", actor=world.admin_a1)
    assert incomplete.code == "workflow_incomplete" and incomplete.status == 422 and "地址未填写" in str(incomplete.message)
    assert incomplete.extra["problems"] == ["地址未填写"]
    assert refused(name="submit", actor=world.admin_a1, comment="x" * 2001).code == "workflow_comment_too_long"

    application.refresh_from_db()
    assert application.state == "draft"
    assert Event.objects.filter(case=application).count() == 1  # the start only
    assert not Notification.objects.exists()


def test_a_reason_is_required_to_return_or_reject(world, application):
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    with pytest.raises(ApiError) as caught:
        transition_perform(case=application, name="reject", actor=world.street_a_staff, comment="  ")
    assert caught.value.code == "workflow_comment_required" and caught.value.field == "comment"


def test_a_page_opened_before_someone_else_acted_is_told_it_is_stale(world, application):
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    seen = "submitted"
    transition_perform(case=application, name="approve", actor=world.street_a_staff, expected_state=seen)
    with pytest.raises(ApiError) as caught:
        transition_perform(case=application, name="return", actor=world.street_a_staff, comment="晚了", expected_state=seen)
    assert caught.value.code == "workflow_stale" and caught.value.status == 409 and "已通过" in str(caught.value.message)


def test_buttons_are_the_transitions_the_user_may_take_now(world, application):
    assert [t.name for t in available_transitions(application, world.admin_a1)] == ["submit"]
    assert available_transitions(application, world.street_a_staff) == []
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    assert [t.name for t in available_transitions(application, world.street_a_staff)] == ["return", "approve", "reject"]


def test_deadlines_remind_expire_and_move_a_notice_on_by_itself(world, application):
    start = timezone.now()
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    deadline = open_deadline(application)
    assert deadline.state == "submitted"
    assert abs((deadline.due_at - start) - timedelta(days=10)) < timedelta(minutes=1)

    assert deadlines_tick(now=start + timedelta(days=7)) == {"reminded": 0, "expired": 0}
    assert deadlines_tick(now=start + timedelta(days=8, minutes=1)) == {"reminded": 1, "expired": 0}
    assert deadlines_tick(now=start + timedelta(days=9)) == {"reminded": 0, "expired": 0}  # once only
    assert Notification.objects.filter(recipient=world.street_a_staff, title="测试申报：办理时限将到").exists()

    transition_perform(case=application, name="approve", actor=world.street_a_staff)
    assert Deadline.objects.get(state="submitted").closed_at is not None  # left the state in time
    transition_perform(case=application, name="publish", actor=world.district_staff)
    assert deadlines_tick(now=timezone.now() + timedelta(days=6)) == {"reminded": 0, "expired": 0}
    assert deadlines_tick(now=timezone.now() + timedelta(days=7, minutes=1))["expired"] == 1
    application.refresh_from_db()
    assert application.state == "final"
    last = timeline(application)[-1]
    assert last.action == "公示期满" and last.actor == "系统"


def test_the_permission_matrix_kit(world):
    def make_case(state):
        org = Organisation.objects.get(pk=world.org_a1.pk)
        org.address = "有地址"
        org.save(update_fields=["address"])
        Case.objects.filter(object_id=org.pk, process=PROCESS.key).delete()
        case = case_start(process=PROCESS.key, subject=org, actor=world.admin_a1)
        Case.objects.filter(pk=case.pk).update(state=state)
        case.refresh_from_db()
        return case

    actors = {
        "grassroots": world.admin_a1,
        "street": world.street_a_staff,
        "district": world.district_staff,
        "worker": world.worker_a1.user,
    }
    matrix = transition_matrix(PROCESS, make_case=make_case, actors=actors)
    allowed = {cell for cell, ok in matrix.items() if ok}
    assert allowed == {
        ("draft", "submit", "grassroots"),
        ("returned", "submit", "grassroots"),
        ("submitted", "return", "street"),
        ("submitted", "approve", "street"),
        ("submitted", "reject", "street"),
        ("approved", "publish", "district"),
    }
    assert len(matrix) == 6 * 4  # every non-system transition × every actor was tried
    assert not Case.objects.exists() and not Event.objects.exists()  # each cell was rolled back


def test_an_expiry_the_guard_refuses_leaves_the_case_and_tells_a_person(world, application):
    blocked = {"objection": True}
    process = Process(
        key="tests.notice",
        label="测试公示",
        initial="notice",
        states=[State("notice", "公示中", deadline=timedelta(days=7), on_expiry="name"), State("named", "已命名", terminal=True)],
        transitions=[
            Transition(
                "name",
                ["notice"],
                "named",
                "命名",
                allowed=is_district,
                guard=lambda case: ["尚有未处理的异议"] if blocked["objection"] else [],
            ),
        ],
        reminder_recipients=lambda case: [world.district_staff],
    )
    processes.register(process)
    case = case_start(process=process.key, subject=world.org_b1, actor=world.district_staff)
    assert deadlines_tick(now=timezone.now() + timedelta(days=8))["expired"] == 1
    case.refresh_from_db()
    assert case.state == "notice"
    told = Notification.objects.get(recipient=world.district_staff, title="测试公示：已到期，须人工办理")
    assert "尚有未处理的异议" in told.body
    blocked["objection"] = False
    transition_perform(case=case, name="name", actor=world.district_staff)  # a person takes it once resolved
    case.refresh_from_db()
    assert case.state == "named"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_one_wins_the_other_is_told(world, application):
    transition_perform(case=application, name="submit", actor=world.admin_a1)
    second_reviewer = world.street_b_staff  # also street staff: the process lets both act
    barrier = threading.Barrier(2)
    outcomes = []

    def act(name, actor, comment):
        try:
            barrier.wait()
            transition_perform(
                case=Case.objects.get(pk=application.pk), name=name, actor=actor, comment=comment, expected_state="submitted"
            )
            outcomes.append("ok")
        except ApiError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("approve", world.street_a_staff, "")),
        threading.Thread(target=act, args=("reject", second_reviewer, "不符合条件")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "workflow_stale"]
    application.refresh_from_db()
    assert application.state in {"approved", "rejected"}
    assert Event.objects.filter(case=application).exclude(transition__in=["start", "submit"]).count() == 1


EXTRA_DAYS: dict[int, int] = {}  # what the due date depends on, changed while the case waits


def _extendable_due(case, entered_at):
    return entered_at + timedelta(days=5 + EXTRA_DAYS.get(case.pk, 0))


EXTENDABLE = processes.register(
    Process(
        key="tests.extendable",
        label="测试延期",
        initial="open",
        states=[
            State("open", "办理中", deadline=_extendable_due, remind_before=timedelta(days=1)),
            State("plain", "无时限"),
            State("done", "办结", terminal=True),
        ],
        transitions=[
            Transition("park", ["open"], "plain", "转入", allowed=is_district),
            Transition("finish", ["open", "plain"], "done", "办结", allowed=is_district),
        ],
        reminder_recipients=lambda case: [],
    )
)


def test_a_changed_period_moves_the_open_deadline_and_its_reminder(world):
    from engines.workflow.services import deadline_recompute

    case = case_start(process=EXTENDABLE.key, subject=world.org_a2, actor=world.district_staff)
    deadline = open_deadline(case)
    first_due = deadline.due_at
    # The reminder was sent and the deadline even marked passed before the parties agreed.
    Deadline.objects.filter(pk=deadline.pk).update(reminded_at=timezone.now(), expired_at=timezone.now())
    EXTRA_DAYS[case.pk] = 10
    try:
        moved = deadline_recompute(case=case, actor=world.district_staff, reason="双方同意延长")
    finally:
        EXTRA_DAYS.pop(case.pk)
    assert moved.pk == deadline.pk and moved.due_at - first_due == timedelta(days=10)
    moved.refresh_from_db()
    assert moved.remind_at == moved.due_at - timedelta(days=1)
    assert moved.reminded_at is None and moved.expired_at is None  # reminded again, no longer passed
    entry = AuditLog.objects.get(action="tests.extendable.deadline_recompute")
    assert entry.changes["reason"] == "双方同意延长"
    assert Deadline.objects.filter(case=case, closed_at__isnull=True).count() == 1
    # Back to the declared period: the deadline follows again; a state without a deadline has none.
    assert deadline_recompute(case=case).due_at == first_due
    assert AuditLog.objects.filter(action="tests.extendable.deadline_recompute").count() == 2
    transition_perform(case=case, name="park", actor=world.district_staff)
    assert deadline_recompute(case=case) is None
