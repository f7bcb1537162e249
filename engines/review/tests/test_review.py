"""The rubric engine's story: a programme defines a weighted rubric, two scorers mark a subject,
the total and grade come out as computed by hand, and once approved nothing changes."""

from decimal import Decimal

import pytest

from core.errors import Conflict, Invalid
from engines.review import scoring, selectors, services
from engines.review.models import Evaluation, Rubric

ITEMS = [
    {"code": "sign", "title": "标识标牌", "weight": 20, "max_score": 10, "pass_score": 6},
    {"code": "hours", "title": "按时开放", "weight": 30, "max_score": 10, "pass_score": 6},
    {"code": "clean", "title": "环境整洁", "weight": 50, "max_score": 5},
]


@pytest.fixture
def rubric(world):
    return services.rubric_create(actor=world.district_staff, key="demo.checklist", name="年度检查", items=ITEMS)


def test_total_and_grade_hand_computed(world, rubric):
    evaluation = services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_a1)
    services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 8, "hours": 10, "clean": 4})
    evaluation.refresh_from_db()
    # 100 × (20·8/10 + 30·10/10 + 50·4/5) / 100 = 16 + 30 + 40 = 86 → 良好
    assert evaluation.total == Decimal("86.00")
    assert evaluation.grade == "良好"
    # a second scorer: means sign 6, hours 9, clean 4.5 → 12 + 27 + 45 = 84
    services.scores_submit(actor=world.street_a_staff, evaluation=evaluation, scores={"sign": 4, "hours": 8, "clean": 5})
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("84.00")
    assert evaluation.scorer_count == 2
    results = {r.code: r for r in selectors.item_results(evaluation)}
    assert results["sign"].mean == Decimal("6.00") and not results["sign"].failed
    assert results["hours"].mean == Decimal("9.00")


def test_resubmission_replaces_own_sheet(world, rubric):
    evaluation = services.evaluation_open(actor=world.district_staff, rubric=rubric, subject_key="studio:42")
    services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 0, "hours": 0, "clean": 0})
    services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 10, "hours": 10, "clean": 5})
    evaluation.refresh_from_db()
    assert evaluation.scorer_count == 1
    assert evaluation.total == Decimal("100.00") and evaluation.grade == "优秀"
    assert evaluation.subject_key == "studio:42" and evaluation.content_type is None


def test_failing_items_and_grade_thresholds(world, rubric):
    evaluation = services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_b1)
    services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 5, "hours": 6, "clean": 1})
    evaluation.refresh_from_db()
    # 10 + 18 + 10 = 38 → 不合格; sign 5 < 6 fails, hours 6 is not below 6, clean has no pass mark
    assert evaluation.total == Decimal("38.00") and evaluation.grade == "不合格"
    assert [r.code for r in selectors.failing_items(evaluation)] == ["sign"]


@pytest.mark.parametrize(
    ("total", "grade"), [("90", "优秀"), ("89.99", "良好"), ("75", "良好"), ("60", "合格"), ("59.99", "不合格"), ("0", "不合格")]
)
def test_grade_boundaries(total, grade):
    assert (
        scoring.grade_for(
            Decimal(total),
            scoring.validate_thresholds(
                [
                    {"min": 60, "label": "合格"},
                    {"min": 90, "label": "优秀"},
                    {"min": 75, "label": "良好"},
                    {"min": 0, "label": "不合格"},
                ]
            ),
        )
        == grade
    )


def test_scores_validated(world, rubric):
    evaluation = services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_a1)
    with pytest.raises(Invalid) as missing:
        services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 5, "hours": 6})
    assert missing.value.field == "scores.clean"
    with pytest.raises(Invalid) as too_high:
        services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 11, "hours": 6, "clean": 1})
    assert too_high.value.code == "score_range"
    with pytest.raises(Invalid):
        services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": "x", "hours": 6, "clean": 1})
    with pytest.raises(Invalid):
        services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 1, "hours": 6, "clean": 1, "bogus": 3})


def test_approved_result_is_locked(world, rubric):
    evaluation = services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_a1)
    with pytest.raises(Conflict):
        services.evaluation_approve(actor=world.district_staff, evaluation=evaluation)
    services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 8, "hours": 10, "clean": 4})
    services.evaluation_approve(actor=world.district_staff, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.is_locked and evaluation.locked_by == world.district_staff
    for attempt in (
        lambda: services.scores_submit(actor=world.inspector, evaluation=evaluation, scores={"sign": 1, "hours": 1, "clean": 1}),
        lambda: services.scores_submit(actor=world.street_a_staff, evaluation=evaluation, scores={"sign": 1, "hours": 1, "clean": 1}),
        lambda: services.sheet_withdraw(actor=world.inspector, evaluation=evaluation),
        lambda: services.evaluation_approve(actor=world.district_staff, evaluation=evaluation),
    ):
        with pytest.raises(Conflict) as error:
            attempt()
        assert error.value.code == "evaluation_locked"
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("86.00") and evaluation.scorer_count == 1


def test_used_rubric_is_frozen_and_revised_as_new_version(world, rubric):
    services.rubric_update(actor=world.district_staff, rubric=rubric, name="年度检查", items=ITEMS[:2], thresholds=rubric.thresholds)
    assert rubric.items.count() == 2
    services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_a1)
    with pytest.raises(Conflict):
        services.rubric_update(actor=world.district_staff, rubric=rubric, name="x", items=ITEMS, thresholds=rubric.thresholds)
    v2 = services.rubric_revise(actor=world.district_staff, rubric=rubric, items=ITEMS)
    assert (v2.key, v2.version) == ("demo.checklist", 2)
    assert v2.items.count() == 3 and rubric.items.count() == 2
    assert selectors.latest_rubric("demo.checklist") == v2


def test_rubric_validation(world):
    with pytest.raises(Invalid):
        services.rubric_create(actor=world.district_staff, key="k", name="n", items=[])
    with pytest.raises(Invalid):
        services.rubric_create(actor=world.district_staff, key="k", name="n", items=[{"title": "a", "weight": 0, "max_score": 5}])
    with pytest.raises(Invalid) as bad:
        services.rubric_create(actor=world.district_staff, key="k", name="n", items=ITEMS, thresholds=[{"min": 60, "label": "合格"}])
    assert bad.value.field == "thresholds"
    assert not Rubric.objects.filter(key="k").exists()


def test_evaluations_of_subject(world, rubric):
    services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_a1, title="一")
    services.evaluation_open(actor=world.district_staff, rubric=rubric, subject=world.org_b1, title="二")
    assert [e.title for e in selectors.evaluations_of(world.org_a1)] == ["一"]
    assert Evaluation.objects.count() == 2
