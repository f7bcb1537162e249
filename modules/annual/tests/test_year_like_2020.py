"""``seed_demo --year-like-2020`` at tiny scale: the annual review of the year it builds shows the
seed article's figures, and a second run adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import review
from core.models import RoleAssignment, User

# the article's figures as the review's keys
ARTICLE = {
    "labour.mediated": 184,  # 累计成功调解劳动争议案件184件
    "labour.model_units": 6,  # 培育6家“企业关爱职工·职工热爱企业”单位
    "labour.legal_events": 10,  # 开展10场“尊法守法·携手筑梦”职工普法宣传活动
    "fund.disbursed": 2_480_000.0,  # 累计下拨248万元
    "honours.national_individual": 3,  # 推荐申报全国先进工作者3名
    "honours.beijing_collective": 9,  # 北京市模范集体9个
    "honours.beijing_individual": 56,  # 北京市劳动模范和先进工作者56名
    "stations.funded": 904,  # 在904家（此前已拨付建设经费）的基础上
    "stations.inspected": 904,  # 10月起对已拨付建设经费904家暖心驿站进行走访调研
    "stations.built": 332,  # 今年新建成职工暖心驿站332家
    "stations.total": 1236,  # 904 + 332
    "training.trainees": 32,  # 30多位 on site
    "training.online": 520,  # 500多人 online
}


# the review's sections the article has no figures for (their key) and figures each must show
FIGURES_OF_THEIR_OWN = ["learning", "care_counselling", "knowledge", "studios", "care", "outdoor"]
NONZERO = [
    "learning.sessions",
    "learning.attendances",
    "learning.contests",
    "learning.contestants",
    "learning.calls",
    "learning.essays",
    "care.counselling",
    "care.hotline",
    "knowledge.attempts",
    "knowledge.workers",
    "studios.applied",
    "studios.named",
    "studios.subsidy",
    "care.wishes_posted",
    "care.wishes_claimed",
    "care.wishes_fulfilled",
    "care.wishes_value",
    "outdoor.answers",
]


@pytest.mark.django_db(transaction=False)
def test_seed_year_like_2020_reproduces_the_articles_figures_and_is_idempotent():
    year = timezone.localdate().year - 1
    call_command("seed_demo", "--year-like-2020", "--scale", "tiny", "--no-progress", stdout=io.StringIO())
    viewer = User.objects.filter(roles__role=RoleAssignment.Role.DISTRICT_STAFF).first()
    figures = review.figures(review.sections_for(year, viewer))
    assert {k: figures[k].value for k in ARTICLE} == ARTICLE
    # the sections the article gives no figures for get modest figures of their own in the year,
    # and the year before (which the review compares with) has none of them
    sections = {s.key: s for s in review.sections_for(year, viewer)}
    assert not any(sections[key].empty for key in FIGURES_OF_THEIR_OWN), [k for k in FIGURES_OF_THEIR_OWN if sections[k].empty]
    for key in NONZERO:
        assert figures[key].value > 0, key
        assert figures[key].previous is None, key  # nothing the year before: no comparison
    assert figures["care.wishes_fulfilled"].value <= figures["care.wishes_claimed"].value <= figures["care.wishes_posted"].value
    assert figures["studios.named"].value <= figures["studios.applied"].value
    before = {s.key: s for s in review.sections_for(year - 1, viewer)}
    assert all(before[key].empty for key in FIGURES_OF_THEIR_OWN)
    counts = {k: f.value for k, f in figures.items()}
    # a second run finds the year and adds nothing
    call_command("seed_demo", "--year-like-2020", "--scale", "tiny", "--no-progress", stdout=io.StringIO())
    again = review.figures(review.sections_for(year, viewer))
    assert {k: f.value for k, f in again.items()} == counts
    # the command prints the review of that year with the article's figures
    out = io.StringIO()
    call_command("annual_review", "--year", str(year), stdout=out)
    text = out.getvalue()
    assert "成功调解劳动争议案件：184 件" in text and "新建成职工暖心驿站：332 家" in text


@pytest.mark.django_db
@pytest.mark.parametrize("year", [review.MIN_YEAR, timezone.localdate().year, "abc"])
def test_seed_year_like_2020_refuses_a_year_without_a_year_before_it_or_not_yet_over(year):
    """The rest stations' base was built the years before; the year itself must be over."""
    from django.core.management.base import CommandError

    with pytest.raises((CommandError, SystemExit)):
        call_command("seed_demo", "--year-like-2020", "--year", str(year), stdout=io.StringIO(), stderr=io.StringIO())
