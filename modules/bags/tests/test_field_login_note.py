# ruff: noqa: F811  (the shared "bags" fixture is imported, then requested by name)
"""Issue 18 item 7: a bag scanned while logged out — the phone login says it will bind that bag,
shows its union and number (never its owner), and after the code the bag is bound."""

import re
from urllib.parse import unquote

from django.test import Client
from django.urls import reverse

from core.sms import OutboxSmsBackend
from modules.bags import codes, services
from modules.bags.models import Bag
from modules.bags.tests.field_fixtures import bags  # noqa: F401


def _follow_to_login(client: Client, code: str):
    response = client.get(f"/b/{code}")
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:worker_login"))
    return response["Location"]


def test_the_login_step_names_the_scanned_bag_and_binds_it_after_the_code(world, bags):
    code = bags.code(bags.batch_a1, 3)
    client = Client()
    login_url = _follow_to_login(client, code)
    html = client.get(login_url).content.decode()
    assert "登录后绑定这个垃圾袋" in html
    assert "北京某科技有限公司工会" in html and codes.group(code) in html
    # both steps of the login keep saying it (the phone number step, then the code step)
    next_url = unquote(login_url.split("next=", 1)[1])
    OutboxSmsBackend.outbox.clear()
    step2 = client.post(login_url, {"phone": "13800000001", "next": next_url}).content.decode()
    assert "登录后绑定这个垃圾袋" in step2 and codes.group(code) in step2
    sms = [m for m in OutboxSmsBackend.outbox if m.phone == "13800000001"][-1]
    otp = re.search(r"\d{6}", sms.text).group(0)
    done = client.post(login_url, {"phone": "13800000001", "code": otp, "next": next_url})
    assert done.status_code == 302 and unquote(done["Location"]) == next_url
    client.get(done["Location"])
    assert Bag.objects.get(pk=bags.batch_a1.first_bag_id + 3).owner_id == world.worker_a1.pk


def test_a_bound_bag_shows_no_owner_on_the_login(world, bags):
    code = bags.code(bags.batch_a1, 4)
    services.bag_bind(actor=world.worker_a1.user, code=code)
    html = Client().get(_follow_to_login(Client(), code)).content.decode()
    assert "登录后查看这个垃圾袋" in html and world.worker_a1.name not in html and world.worker_a1.phone not in html


def test_an_ordinary_login_says_nothing_about_bags(world, bags):
    html = Client().get(reverse("core:worker_login") + "?next=/bags/me/").content.decode()
    assert "垃圾袋编号" not in html
    html = Client().get(reverse("core:worker_login") + "?next=/b/NOT-A-CODE").content.decode()
    assert "垃圾袋编号" not in html
