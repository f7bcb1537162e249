"""The staff's pages through the Django client: the live quota panel at 500-nomination scale in a
fixed number of queries, the export, and the public notice with an objection."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from modules.honours import services
from modules.honours.models import Nomination, Objection, PersonCategory
from modules.honours.tests.conftest import nominate, submitted

pytestmark = pytest.mark.django_db


def test_the_quota_panel_page_costs_the_same_for_many_nominations(world, honour, django_assert_max_num_queries):
    for i in range(12):
        submitted(world, honour, name=f"人{i}", category=PersonCategory.FRONTLINE)
    client = world.client_for(world.district_staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("honours:honour_panel", args=[honour.pk]))
    assert response.status_code == 200 and "什刹海街道总工会" in response.content.decode()
    with django_assert_max_num_queries(25):
        page = client.get(reverse("honours:honour", args=[honour.pk]))
    assert page.status_code == 200


def test_a_street_sees_only_its_own_row_and_nominations(world, honour):
    submitted(world, honour, name="甲街道的人")
    submitted(world, honour, name="乙街道的人", organisation=world.org_b1, admin=world.admin_b1)
    page = world.client_for(world.street_b_staff).get(reverse("honours:honour", args=[honour.pk])).content.decode()
    assert "乙街道的人" in page and "甲街道的人" not in page
    assert "金融街街道总工会" in page and "什刹海街道总工会" not in page


def test_the_export_is_a_workbook_of_the_visible_rows(world, honour):
    nominate(world, honour, name='=HYPERLINK("x")')
    body = world.client_for(world.district_staff).get(reverse("honours:honour_export", args=[honour.pk])).content
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[2][0] == '=HYPERLINK("x")'  # text, not a formula
    assert rows[2][6] == "草稿"


def test_the_workflow_through_pages_with_an_objection(world, honour):
    n = submitted(world, honour, member=world.worker_a1)
    street = world.client_for(world.street_a_staff)
    district = world.client_for(world.district_staff)
    street.post(reverse("honours:transition", args=[n.pk]), {"transition": "recommend", "expected_state": "submitted"})
    for name in ("review", "approve", "publish"):
        district.post(reverse("honours:transition", args=[n.pk]), {"transition": name})
    assert services.case_of(n).state == "notice"
    public = world.client_for(world.worker_b1)
    assert "张小明" in public.get(reverse("honours:notice")).content.decode()
    public.post(reverse("honours:notice"), {"nomination": n.pk, "text": "事迹材料中的获奖情况与事实不符。"})
    assert Objection.objects.filter(nomination=n).count() == 1
    # a stale page is refused and changes nothing
    street.post(reverse("honours:transition", args=[n.pk]), {"transition": "recommend", "expected_state": "submitted"})
    assert services.case_of(n).state == "notice"
    me = world.client_for(world.worker_a1).get(reverse("honours:me")).content.decode()
    assert "公示中" in me
    assert Nomination.objects.count() == 1


def test_bad_form_input_gets_a_field_error_not_a_500(world, honour):
    client = world.client_for(world.admin_a1)
    response = client.post(
        reverse("honours:nomination_new") + f"?honour={honour.pk}",
        {"organisation": world.org_a1.pk, "nominee_name": "", "category": "nope", "official_rank": "none"},
    )
    assert response.status_code == 200 and "form" in response.context
    assert Nomination.objects.count() == 0
    response = world.client_for(world.district_staff).post(reverse("honours:quota_set", args=[honour.pk]), {"unit": "x", "places": "abc"})
    assert response.status_code == 302


def test_the_workers_own_data_export_carries_their_honours_part(world, honour):
    submitted(world, honour, member=world.worker_a1)
    from modules.honours.privacy import honours_section

    title, rows = honours_section(world.worker_a1)
    assert "树榜样" in title and rows[0]["内容"].endswith("北京市劳动模范")
    response = world.client_for(world.worker_a1).get(reverse("core:my_data_download", kwargs={"fmt": "json"}))
    assert response.status_code == 200 and "北京市劳动模范" in response.content.decode()


def test_the_menus_lead_to_the_objection_desk_and_my_competitions(world):
    """District staff find the objection desk in their menu (nobody else is offered it); a worker's
    phone menu has their competition results and appeals."""
    from core.tests.test_error_pages_and_nav import _menu

    assert "honours:objections" in _menu(world, "district_staff")
    assert "honours:objections" not in _menu(world, "street_a_staff")
    assert "honours:my_competitions" in _menu(world, "worker_a1")
    assert world.client_for(world.worker_a1).get(reverse("honours:my_competitions")).status_code == 200
