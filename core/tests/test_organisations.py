"""Staff browse and edit the organisation tree; every change is validated and audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditLog, Organisation
from core.validators import credit_code_error, make_credit_code

VALID_CODE = "91110000802100433B"


@pytest.mark.parametrize("code", ["91110000802100433B", "91350100M000100Y43", make_credit_code("12110102MB1234567")])
def test_valid_credit_codes_pass(code):
    assert credit_code_error(code) is None


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91110000802100433", "18 位"),
        ("91110000802100433C", "校验位"),
        ("91110000802100433I", "无效字符"),
        ("911A0000802100433B", "行政区划"),
    ],
)
def test_wrong_credit_codes_say_why(code, reason):
    assert reason in credit_code_error(code)


def test_district_staff_opens_the_tree_at_the_district(world):
    client = world.client_for(world.district_staff)
    response = client.get(reverse("core:org_tree"))
    assert response.status_code == 302 and response["Location"] == reverse("core:org_detail", args=[world.district.pk])
    page = client.get(response["Location"]).content.decode()
    assert world.street_a.name in page and world.industry.name in page


def test_street_staff_sees_only_their_subtree(world, django_assert_max_num_queries):
    client = world.client_for(world.street_a_staff)
    assert client.get(reverse("core:org_tree"))["Location"] == reverse("core:org_detail", args=[world.street_a.pk])
    with django_assert_max_num_queries(14):
        page = client.get(reverse("core:org_detail", args=[world.street_a.pk])).content.decode()
    assert world.org_a1.name in page and world.org_b1.name not in page
    found = {org.pk for org in client.get(reverse("core:org_tree"), {"q": "工会"}).context["page"]}
    assert found == {world.street_a.pk, world.org_a1.pk, world.org_a2.pk}


def test_street_staff_founds_a_union_and_it_is_audited(world):
    client = world.client_for(world.street_a_staff)
    response = client.post(
        reverse("core:org_create") + f"?parent={world.street_a.pk}",
        {
            "name": "北京新街科技有限公司工会",
            "level": "grassroots",
            "kind": "enterprise",
            "ownership": "non_public",
            "parent": world.street_a.pk,
            "credit_code": VALID_CODE.lower(),
            "address": "什刹海 1 号",
            "contact_name": "刘芳",
            "contact_phone": "010-66001234",
            "founded_on": "2026-03-01",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="北京新街科技有限公司工会")
    assert org.street == world.street_a and org.path.startswith(world.street_a.path) and org.credit_code == VALID_CODE
    entry = AuditLog.objects.get(action="organisation.create", object_id=str(org.pk))
    assert entry.actor == world.street_a_staff


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("credit_code", "91110000802100433C", "校验位不正确"),
        ("credit_code", "123", "18 位"),
        ("contact_phone", "12345", "有效的手机号或固定电话"),
        ("name", "", "必填"),
        ("founded_on", "2099-01-01", "不能晚于今天"),
        ("founded_on", "2020-13-45", "有效的日期"),
    ],
)
def test_bad_union_form_answers_field_and_reason(world, field, value, reason):
    data = {"name": "某公司工会", "level": "grassroots", "kind": "enterprise", "parent": world.street_a.pk}
    data[field] = value
    response = world.client_for(world.street_a_staff).post(reverse("core:org_create"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and reason in " ".join(errors[field])
    assert not Organisation.objects.filter(name="某公司工会").exists()


def test_duplicate_credit_code_is_refused(world):
    world.org_a2.credit_code = VALID_CODE
    world.org_a2.save()
    response = world.client_for(world.district_staff).post(
        reverse("core:org_create"),
        {
            "name": "重复代码工会",
            "level": "grassroots",
            "kind": "enterprise",
            "parent": world.street_b.pk,
            "credit_code": VALID_CODE,
        },
    )
    assert "已被其他工会使用" in " ".join(response.context["form"].errors["credit_code"])


def test_street_staff_cannot_place_a_union_in_another_street(world):
    response = world.client_for(world.street_a_staff).post(
        reverse("core:org_create"),
        {
            "name": "越界工会",
            "level": "grassroots",
            "kind": "enterprise",
            "parent": world.street_b.pk,
        },
    )
    assert response.status_code == 200 and "parent" in response.context["form"].errors
    assert not Organisation.objects.filter(name="越界工会").exists()


def test_grassroots_admin_edits_details_but_not_the_place(world):
    client = world.client_for(world.admin_a1)
    response = client.post(
        reverse("core:org_edit", args=[world.org_a1.pk]),
        {
            "name": world.org_a1.name,
            "level": "street",
            "kind": "enterprise",
            "parent": world.district.pk,
            "address": "新地址",
        },
    )
    assert response.status_code == 302
    world.org_a1.refresh_from_db()
    assert world.org_a1.level == "grassroots" and world.org_a1.parent == world.street_a and world.org_a1.address == "新地址"
    assert client.get(reverse("core:org_create") + f"?parent={world.street_a.pk}").status_code == 404


def test_industry_grassroots_needs_a_street(world):
    response = world.client_for(world.district_staff).post(
        reverse("core:org_create"),
        {
            "name": "某小学工会",
            "level": "grassroots",
            "kind": "institution",
            "parent": world.industry.pk,
        },
    )
    assert "street" in response.context["form"].errors


def test_moving_a_street_repaths_its_subtree(world):
    from core.services import organisation_update

    organisation_update(actor=world.district_staff, organisation=world.org_a1, data={"parent": world.industry, "street": world.street_a})
    world.org_a1.refresh_from_db()
    assert world.org_a1.path.startswith(world.industry.path)
    assert world.street_a_staff.has_perm("core.view_organisation", world.org_a1) is False
