"""Issue 18, items 1, 2 and 5 at the HTTP level: a menu offers only pages the role may open, error
pages are Chinese and phone-sized with a way home (the API keeps its JSON), phone pages can log out."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from core.context_processors import platform
from core.views_errors import bad_request, server_error

ROLES = ["district_staff", "street_a_staff", "admin_a1", "collector_a", "inspector", "worker_a1"]


def _user(world, role):
    who = getattr(world, role)
    return who.user if hasattr(who, "organisation") and hasattr(who, "user") else who


def _menu(world, role) -> list[str]:
    """Every link the role's menus show: the desktop menu (nav_items) and the phone tab bar."""
    request = RequestFactory().get("/")
    request.user = _user(world, role)
    context = platform(request)
    names = [item.url_name for item in context["nav_items"]] + [item.url_name for item in context["tab_items"]]
    return sorted(set(names))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_a_role_sees_opens(world, role):
    client = world.client_for(getattr(world, role))
    menu = _menu(world, role)
    assert menu, f"{role} sees no menu at all"
    answers = {name: client.get(reverse(name), follow=True).status_code for name in menu}
    assert answers == {name: 200 for name in menu}


def test_grassroots_admin_menu_leaves_out_what_it_may_not_open(world):
    menu = _menu(world, "admin_a1")
    assert "core:coverage" not in menu and "bags:points" not in menu and "bags:points_rules" not in menu
    assert "core:dashboard" in menu and "bags:batches" in menu
    # the district still sees them all
    assert {"core:coverage", "bags:points", "bags:points_rules"} <= set(_menu(world, "district_staff"))


def test_permission_denied_renders_a_chinese_phone_page_with_a_way_home(world):
    response = world.client_for(world.admin_a1).get(reverse("core:coverage"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "没有权限打开这个页面" in html and 'name="viewport"' in html
    assert f'href="{reverse("core:home")}"' in html and "返回首页" in html
    assert "退出登录" in html  # the shared handset can switch users from here
    assert "Forbidden" not in html


def test_permission_denied_in_english(world):
    client = world.client_for(world.admin_a1)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("core:coverage"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You may not open this page" in html


def test_unknown_page_is_a_chinese_404_with_a_way_home(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到这个页面" in html and 'name="viewport"' in html and "返回首页" in html


def test_api_errors_stay_json(world):
    response = Client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "找不到该接口或对象", "field": None}


def test_server_error_page_needs_no_database_nor_request_context():
    # no ``db`` fixture: any query would raise here
    response = server_error(RequestFactory().get("/bags/me/"))
    html = response.content.decode()
    assert response.status_code == 500 and "服务器出错了" in html and 'name="viewport"' in html and "返回首页" in html


def test_server_error_on_the_api_is_json():
    response = server_error(RequestFactory().post("/api/v1/bags/scans"))
    assert response.status_code == 500 and b'"code": "server_error"' in response.content


def test_bad_request_page(db):
    response = bad_request(RequestFactory().get("/"), ValueError("x"))
    assert response.status_code == 400 and "请求无效" in response.content.decode()


@pytest.mark.parametrize("path", ["bags:me", "core:my_data"])
def test_phone_pages_offer_logout_as_a_post(world, path):
    html = world.client_for(world.worker_a1).get(reverse(path)).content.decode()
    form = html[html.index(f'action="{reverse("core:logout")}"') - 40 :]
    assert 'method="post"' in form[:80] and "csrfmiddlewaretoken" in form[:400] and "退出登录" in form[:600]


def test_collector_station_offers_logout_and_it_logs_out(world):
    client = world.client_for(world.collector_a)
    assert "退出登录" in client.get(reverse("bags:station")).content.decode()
    assert client.post(reverse("core:logout")).status_code == 302
    assert client.get(reverse("bags:station")).status_code in (302, 403)


def test_tab_bar_holds_at_most_five_tabs_the_rest_under_more(world):
    client = world.client_for(world.worker_a1)
    response = client.get(reverse("bags:me"))
    bar = response.context["tab_bar"]
    assert len(bar["main"]) + (1 if bar["more"] else 0) <= 5
    shown = [t["item"].url_name for t in bar["main"] + bar["more"]]
    assert len(shown) == len(set(shown)) == len(response.context["tab_items"])
    html = response.content.decode()
    assert 'class="m-more"' in html and "更多" in html
    assert 'aria-current="page"' in html


def test_a_stale_form_gets_a_chinese_page_not_django_s_csrf_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.collector_a)
    response = client.post(reverse("core:logout"))
    html = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in html and 'name="viewport"' in html and "返回首页" in html
