"""The counsellor's own page (issue 22): a menu entry for counsellors alone (desktop menu and the
phone tab bar) and a phone-first page whose bookings are cards on a 360 px screen."""

from __future__ import annotations

import re

from django.test import Client, RequestFactory
from django.urls import reverse

from core.context_processors import platform
from modules.care import services
from modules.care.tests.conftest import next_hour


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _menu(user) -> set[str]:
    request = RequestFactory().get("/")
    request.user = user
    context = platform(request)
    return {item.url_name for item in context["nav_items"]} | {item.url_name for item in context["tab_items"]}


def test_the_counsellor_menu_entry_is_for_counsellors_alone(world, counsellor):
    from django.contrib.auth.models import AnonymousUser

    assert "care:counsellor_home" in _menu(counsellor.user)
    for who in (AnonymousUser(), world.worker_a1.user, world.district_staff, world.admin_a1):
        assert "care:counsellor_home" not in _menu(who)
    # the entry is a tab on the phone, not hidden under 更多, and it opens
    client = _client(counsellor.user)
    response = client.get(reverse("care:counsellor_home"))
    assert response.status_code == 200
    tabs = [t["item"].url_name for t in response.context["tab_bar"]["main"]]
    assert "care:counsellor_home" in tabs
    assert 'aria-current="page"' in response.content.decode()


def test_the_counsellors_page_is_phone_first_cards_no_inline_styles(world, counsellor):
    soon = services.booking_create(
        actor=world.worker_a1.user, counsellor=counsellor, starts_at=next_hour(), mode="online", consent=True, intake="睡不好"
    )[0]
    html = _client(counsellor.user).get(reverse("care:counsellor_home")).content.decode()
    assert 'name="viewport"' in html and 'class="mobile' in html  # the phone layout, with its tab bar
    assert 'class="table stack"' in html  # rows become cards under 600 px (app.css)
    # every cell carries its label for the card view
    cells = re.findall(r"<td[^>]*>", html)
    assert cells and all("data-label=" in cell for cell in cells)
    assert "style=" not in html and "<script>" not in html
    assert reverse("care:booking_note", args=[soon.pk]) in html
    assert "待进行" in html and "睡不好" not in html  # the intake stays on the booking's own page
    note = _client(counsellor.user).get(reverse("care:booking_note", args=[soon.pk])).content.decode()
    assert 'class="mobile' in note and "style=" not in note and "睡不好" in note
