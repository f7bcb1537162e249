"""The craftsman alliance and skills competitions."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.errors import ApiError, Conflict, Forbidden, Invalid
from core.models import RoleAssignment
from core.tests.factories import UserFactory
from modules.honours import selectors, services_craft
from modules.honours.models import Certification, NeedResponse

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "brown").save(out, "PNG")
    return SimpleUploadedFile("hu.png", out.getvalue(), content_type="image/png")


def test_a_craftsman_publishes_a_work_and_answers_a_need(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    craftsman = services_craft.craftsman_join(actor=world.worker_a1.user, skill="紫砂壶制作", level="高级技师")
    work = services_craft.work_publish(actor=world.worker_a1.user, title="石瓢壶", description="全手工", picture=png())
    assert work.picture.name.endswith(".png")
    showcase = list(selectors.works_showcase())
    assert showcase == [work] and selectors.public_craftsman_name(craftsman) == "张*明"  # no consent: masked
    need = services_craft.need_post(actor=world.admin_b1, organisation=world.org_b1, kind="restoration", title="修复老式木门窗")
    response = services_craft.need_respond(actor=world.worker_a1.user, need=need, message="可上门修复，一周完成")
    with pytest.raises(Conflict):
        services_craft.need_respond(actor=world.worker_a1.user, need=need, message="再来一次")
    with pytest.raises(Forbidden):
        services_craft.match_record(actor=world.admin_a1, response=response)  # not the needing union
    services_craft.match_record(actor=world.admin_b1, response=response)
    assert NeedResponse.objects.get(pk=response.pk).matched_at is not None
    with pytest.raises(Conflict):
        services_craft.match_record(actor=world.admin_b1, response=response)
    page = world.client_for(world.worker_b1).get(reverse("honours:craft")).content.decode()
    assert "石瓢壶" in page and "张小明" not in page


def test_a_bad_picture_is_refused_with_the_field(world):
    services_craft.craftsman_join(actor=world.worker_a1.user, skill="木作")
    with pytest.raises(Invalid) as bad:
        services_craft.work_publish(actor=world.worker_a1.user, title="x", picture=SimpleUploadedFile("x.png", b"not an image"))
    assert bad.value.field == "picture"


def test_skill_certification_is_applied_for_and_decided(world):
    services_craft.craftsman_join(actor=world.worker_a1.user, skill="电工")
    certification = services_craft.certification_apply(actor=world.worker_a1.user, skill="电工", level="技师")
    with pytest.raises(Conflict):
        services_craft.certification_apply(actor=world.worker_a1.user, skill="电工", level="高级技师")
    with pytest.raises(Forbidden):
        services_craft.certification_decide(actor=world.street_a_staff, certification=certification, passed=True)
    services_craft.certification_decide(actor=world.district_staff, certification=certification, passed=True, note="实操优秀")
    certification.refresh_from_db()
    assert certification.status == Certification.Status.PASSED
    assert certification.craftsman.level == "技师"


def test_a_competition_ranks_with_theory_capped_and_judges_recusing(world):
    with pytest.raises(Invalid) as bad:
        services_craft.competition_create(actor=world.district_staff, title="电工比武", year=2026, theory_weight=40)
    assert bad.value.field == "theory_weight"
    competition = services_craft.competition_create(
        actor=world.district_staff, title="电工比武", year=timezone.localdate().year, theory_weight=30
    )
    a = services_craft.entrant_add(actor=world.admin_a1, competition=competition, member=world.worker_a1)
    b = services_craft.entrant_add(actor=world.admin_b1, competition=competition, member=world.worker_b1)
    judge_user = UserFactory(username="judge1", display_name="裁判一")
    RoleAssignment.objects.create(user=judge_user, role=RoleAssignment.Role.EXPERT, organisation=world.district)
    services_craft.judge_add(actor=world.district_staff, competition=competition, user=judge_user)
    services_craft.score_submit(actor=judge_user, entrant=a, theory=80, practice=90)  # 0.3·80 + 0.7·90 = 87
    services_craft.score_submit(actor=judge_user, entrant=b, theory=100, practice=80)  # 30 + 56 = 86
    ranking = services_craft.ranking(competition)
    assert [(e.member.name, e.place, str(e.evaluation.total)) for e in ranking] == [("张小明", 1, "87.00"), ("王芳", 2, "86.00")]
    services_craft.recuse(actor=judge_user, entrant=b, reason="同一单位前同事")
    with pytest.raises(Conflict):
        services_craft.score_submit(actor=judge_user, entrant=b, theory=100, practice=100)
    # a judge from the entrant's own union must recuse
    colleague = world.worker_a1_other.user
    services_craft.judge_add(actor=world.district_staff, competition=competition, user=colleague)
    with pytest.raises(ApiError) as refused:
        services_craft.score_submit(actor=colleague, entrant=a, theory=100, practice=100)
    assert refused.value.code == "honours_judge_conflict"
    appeal = services_craft.appeal_lodge(actor=world.worker_b1.user, entrant=b, text="实操第三项计时有误，请复核录像。")
    with pytest.raises(Forbidden):
        services_craft.appeal_lodge(actor=world.worker_a1.user, entrant=b, text="替别人申诉一下可以吗？？？")
    services_craft.appeal_resolve(actor=world.district_staff, appeal=appeal, upheld=False, resolution="复核录像，计时无误")
