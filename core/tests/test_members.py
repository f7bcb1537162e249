"""A grassroots admin keeps the roster: masked phones, logged reveals, add/edit, transfers, counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditLog, Member, MemberTransfer, Organisation, PersonalDataAccess
from core.services import member_create, member_transfer, member_update
from core.tests.factories import MemberFactory


def test_roster_masks_phones_and_paginates(world, django_assert_max_num_queries):
    MemberFactory.create_batch(60, organisation=world.org_a1)
    client = world.client_for(world.admin_a1)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("core:roster", args=[world.org_a1.pk]))
    page = response.content.decode()
    assert "138****0001" in page and "13800000001" not in page
    assert response.context["page"].paginator.count == 62 and len(response.context["rows"]) == 50
    assert "查看完整手机号" in page
    second = client.get(reverse("core:roster", args=[world.org_a1.pk]), {"page": 2})
    assert len(second.context["rows"]) == 12


def test_roster_search_and_filters(world):
    world.worker_a1.tags = ["courier"]
    world.worker_a1.save()
    Member.objects.filter(pk=world.worker_a1_other.pk).update(status=Member.Status.LEFT)
    client = world.client_for(world.admin_a1)
    url = reverse("core:roster", args=[world.org_a1.pk])
    assert [r["member"].pk for r in client.get(url, {"q": "张小"}).context["rows"]] == [world.worker_a1.pk]
    assert [r["member"].pk for r in client.get(url, {"q": "13800000002"}).context["rows"]] == [world.worker_a1_other.pk]
    assert client.get(url, {"q": "0002"}).context["rows"] == []  # the last digits of a masked phone find nobody
    assert [r["member"].pk for r in client.get(url, {"tag": "courier"}).context["rows"]] == [world.worker_a1.pk]
    assert [r["member"].pk for r in client.get(url, {"status": "left"}).context["rows"]] == [world.worker_a1_other.pk]
    assert client.get(url, {"tag": "<script>", "status": "x", "page": "abc"}).status_code == 200


def test_revealing_a_phone_is_logged(world):
    client = world.client_for(world.admin_a1)
    response = client.post(reverse("core:member_phone", args=[world.worker_a1.pk]), {"context": "roster"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "13800000001" in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.viewer, access.member, access.field) == (world.admin_a1, world.worker_a1, "phone")
    # Out of scope: 404 and nothing logged.
    assert world.client_for(world.admin_b1).post(reverse("core:member_phone", args=[world.worker_a1.pk])).status_code == 404
    assert PersonalDataAccess.objects.count() == 1
    assert client.get(reverse("core:member_phone", args=[world.worker_a1.pk])).status_code == 405


def test_admin_adds_a_member_and_the_count_follows(world):
    client = world.client_for(world.admin_a1)
    response = client.post(
        reverse("core:member_create", args=[world.org_a1.pk]),
        {
            "name": "赵六",
            "phone": "+86 139-1234-5678",
            "employee_no": "A9",
            "gender": "M",
            "birth_year": "1990",
            "tags": ["courier", "outdoor"],
            "status": "active",
            "joined_on": "2025-06-01",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(name="赵六")
    assert member.phone == "13912345678" and member.tags == ["courier", "outdoor"]
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 3
    assert AuditLog.objects.filter(action="member.create", object_id=str(member.pk), actor=world.admin_a1).exists()


@pytest.mark.parametrize(
    "data, field, reason",
    [
        ({"phone": "12345"}, "phone", "11 位"),
        ({"phone": "13800000002"}, "phone", "已在会员名册中"),
        ({"name": ""}, "name", "必填"),
        ({"birth_year": "1800"}, "birth_year", ""),
        ({"joined_on": "2099-01-01"}, "joined_on", "不能晚于今天"),
        ({"employee_no": "DUP"}, "employee_no", "已存在"),
    ],
)
def test_bad_member_form_answers_field_and_reason(world, data, field, reason):
    world.worker_a1_other.employee_no = "DUP"
    world.worker_a1_other.save()
    body = {"name": "钱七", "phone": "13711112222", "status": "active", **data}
    response = world.client_for(world.admin_a1).post(reverse("core:member_create", args=[world.org_a1.pk]), body)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and reason in " ".join(errors[field])
    assert not Member.objects.filter(name="钱七").exists()


def test_members_only_on_grassroots_unions(world):
    response = world.client_for(world.street_a_staff).post(
        reverse("core:member_create", args=[world.street_a.pk]), {"name": "孙八", "phone": "13711113333", "status": "active"}
    )
    assert response.status_code == 200 and "基层工会" in response.content.decode()


def test_leaving_updates_the_count(world):
    member_update(actor=world.admin_a1, member=world.worker_a1, data={"status": "left"})
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 1


def test_changing_the_phone_moves_the_login(world):
    member_update(actor=world.admin_a1, member=world.worker_a1, data={"phone": "13800009999"})
    world.worker_a1.user.refresh_from_db()
    assert world.worker_a1.user.phone == "13800009999"
    entry = AuditLog.objects.get(action="member.update")
    assert entry.changes["phone"] == ["***", "***"]


def test_street_staff_moves_a_member_with_history(world):
    client = world.client_for(world.street_a_staff)
    page = client.get(reverse("core:member_move", args=[world.worker_a1.pk]))
    assert [o.pk for o in page.context["form"].fields["to_organisation"].queryset] == [world.org_a2.pk]
    response = client.post(reverse("core:member_move", args=[world.worker_a1.pk]), {"to_organisation": world.org_a2.pk, "note": "调动"})
    assert response.status_code == 302
    world.worker_a1.refresh_from_db()
    assert world.worker_a1.organisation == world.org_a2
    assert Organisation.objects.get(pk=world.org_a1.pk).member_count == 1
    assert Organisation.objects.get(pk=world.org_a2.pk).member_count == 1
    detail = client.get(reverse("core:member_detail", args=[world.worker_a1.pk])).content.decode()
    assert "调动" in detail and world.org_a1.name in detail
    # Out of the actor's scope: refused with the field named.
    refused = client.post(reverse("core:member_move", args=[world.worker_a1.pk]), {"to_organisation": world.org_b1.pk})
    assert "to_organisation" in refused.context["form"].errors


def test_transfer_to_same_or_non_grassroots_is_refused(world):
    from core.errors import Invalid

    with pytest.raises(Invalid) as same:
        member_transfer(actor=world.district_staff, member=world.worker_a1, to_organisation=world.org_a1)
    assert same.value.field == "to_organisation"
    with pytest.raises(Invalid):
        member_transfer(actor=world.district_staff, member=world.worker_a1, to_organisation=world.street_b)
    assert not MemberTransfer.objects.exists()


def test_member_count_stays_right_through_every_service(world):
    m = member_create(actor=world.admin_b1, organisation=world.org_b1, data={"name": "周九", "phone": "13711114444"})
    member_transfer(actor=world.district_staff, member=m, to_organisation=world.org_a1)
    member_update(actor=world.district_staff, member=world.worker_b1, data={"status": "closed"})
    for org in Organisation.objects.filter(level="grassroots"):
        assert org.member_count == Member.objects.filter(organisation=org, status="active").count(), org.name


def test_worker_cannot_open_staff_pages(world):
    client = world.client_for(world.worker_a1)
    assert client.get(reverse("core:roster", args=[world.org_a1.pk])).status_code == 403
    assert client.get(reverse("core:org_tree")).status_code == 403
