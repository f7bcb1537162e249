"""Choosing the union of a bag batch (issue 18, item 9): before, a <select> of every union in
scope (2,001 options at district scale); now a search over the viewer's scope by name, pinyin
initials or credit code, at most 20 radio options, the chosen id checked again on the server."""

import pytest
from django.urls import reverse

from core.models import Organisation
from core.tests.factories import OrganisationFactory
from modules.bags import selectors
from modules.bags.models import BagBatch

SEARCH = reverse("bags:batch_union_search")


@pytest.fixture
def unions(world):
    world.org_a1.credit_code = "91110102MA01ABCD1X"
    world.org_a1.save(update_fields=["credit_code"])
    world.org_b1.credit_code = "91110102MA01ZZZZ9Y"
    world.org_b1.save(update_fields=["credit_code"])
    extra = OrganisationFactory(name="西单商业工会", parent=world.street_a, street=world.street_a, kind=Organisation.Kind.ENTERPRISE)
    outside = OrganisationFactory(name="西单银行工会", parent=world.street_b, street=world.street_b, kind=Organisation.Kind.ENTERPRISE)
    return world, extra, outside


def _names(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_search_by_name_initials_pinyin_and_credit_code(unions):
    w, extra, outside = unions
    client = w.client_for(w.street_a_staff)
    by_name = _names(client.get(SEARCH, {"q": "柳荫"}))
    assert "柳荫街社区工会" in by_name and "北京某科技" not in by_name
    by_initials = _names(client.get(SEARCH, {"q": "lyj"}))
    assert "柳荫街社区工会" in by_initials and "西单商业工会" not in by_initials
    by_pinyin = _names(client.get(SEARCH, {"q": "xidan"}))
    assert "西单商业工会" in by_pinyin
    by_code = _names(client.get(SEARCH, {"q": "91110102MA01AB"}))
    assert "北京某科技有限公司工会" in by_code and "91110102MA01ABCD1X" in by_code


@pytest.mark.django_db
def test_search_never_returns_unions_out_of_scope(unions):
    w, extra, outside = unions
    client = w.client_for(w.street_a_staff)
    for q in ("西单", "xd", "xidan", "金融街", "jrj", "91110102MA01ZZ", ""):
        body = _names(client.get(SEARCH, {"q": q}))
        assert "西单银行工会" not in body and "金融街园区工会" not in body and f'value="{outside.pk}"' not in body, q
    assert "没有找到“jrj”" in _names(client.get(SEARCH, {"q": "jrj"}))
    # the district sees both
    assert "西单银行工会" in _names(w.client_for(w.district_staff).get(SEARCH, {"q": "xd"}))
    # field roles and workers may not search at all
    assert w.client_for(w.collector_a).get(SEARCH, {"q": "xd"}).status_code == 403
    found, total = selectors.issuable_organisation_search(w.admin_a1, "")
    assert found == [] and total == 0


@pytest.mark.django_db
def test_at_most_twenty_options_and_a_count(world):
    for i in range(30):
        OrganisationFactory(name=f"测试工会{i:02d}", parent=world.street_a, street=world.street_a)
    body = _names(world.client_for(world.district_staff).get(reverse("bags:batch_create")))
    assert body.count('name="organisation"') == 20 and "<select" not in body
    assert "共 34 个匹配" in body  # 30 + the fixture's four grassroots unions


@pytest.mark.django_db
def test_form_refuses_an_out_of_scope_id_and_accepts_a_chosen_one(unions):
    w, extra, outside = unions
    client = w.client_for(w.street_a_staff)
    refused = client.post(reverse("bags:batch_create"), {"organisation": outside.pk, "size": 12})
    assert refused.status_code == 200 and "选择一个有效的选项" in refused.content.decode()
    assert not BagBatch.objects.filter(organisation=outside).exists()
    assert client.post(reverse("bags:batch_create"), {"organisation": "abc", "size": 12}).status_code == 200
    # an in-scope choice with another field wrong keeps the choice checked
    kept = client.post(reverse("bags:batch_create"), {"organisation": extra.pk, "size": 1}).content.decode()
    assert f'value="{extra.pk}" checked' in kept
    done = client.post(reverse("bags:batch_create"), {"organisation": extra.pk, "size": 12})
    assert done.status_code == 302 and BagBatch.objects.get(organisation=extra).size == 12


@pytest.mark.django_db
def test_search_works_without_javascript(unions):
    w, extra, outside = unions
    body = _names(w.client_for(w.street_a_staff).get(reverse("bags:batch_create"), {"q": "xd"}))
    assert "西单商业工会" in body and "柳荫街社区工会" not in body and 'value="xd"' in body
