"""My messages: each user reads only their own, opening one marks it read and follows its link."""

from __future__ import annotations

from django.urls import reverse

from core.models import Notification
from core.notifications import mark_read, notify, unread_count


def test_notify_writes_one_message_per_distinct_recipient(world):
    written = notify(recipients=[world.admin_a1, world.admin_a1, world.street_a_staff, None], title="申报：通过", body="当前状态：已通过")
    assert written == 2
    assert unread_count(world.admin_a1) == 1 and unread_count(world.street_a_staff) == 1


def test_the_inbox_shows_only_my_messages_newest_first(world):
    notify(recipients=[world.admin_a1], title="第一条")
    notify(recipients=[world.admin_a1], title="第二条")
    notify(recipients=[world.admin_b1], title="别人的消息")
    page = world.client_for(world.admin_a1).get(reverse("core:notifications"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("第二条") < html.index("第一条") and "别人的消息" not in html
    assert "2 条未读" in html


def test_an_empty_inbox_says_so_and_a_worker_gets_the_phone_layout(world):
    page = world.client_for(world.worker_a1).get(reverse("core:notifications"))
    assert page.status_code == 200 and "还没有消息" in page.content.decode()
    assert "base_mobile.html" in [t.name for t in page.templates]


def test_opening_a_message_marks_it_read_and_follows_only_links_inside_the_platform(world):
    notify(recipients=[world.admin_a1], title="站内", url="/jobs/")
    notify(recipients=[world.admin_a1], title="站外", url="https://evil.example/phish")
    inside, outside = Notification.objects.order_by("id")
    client = world.client_for(world.admin_a1)
    assert client.post(reverse("core:notification_open", args=[inside.pk]))["Location"] == "/jobs/"
    assert client.post(reverse("core:notification_open", args=[outside.pk]))["Location"] == reverse("core:notifications")
    assert unread_count(world.admin_a1) == 0


def test_nobody_opens_or_marks_another_users_message(world):
    notify(recipients=[world.admin_a1], title="私信")
    message = Notification.objects.get()
    assert world.client_for(world.admin_b1).post(reverse("core:notification_open", args=[message.pk])).status_code == 404
    world.client_for(world.admin_b1).post(reverse("core:notifications_read_all"))
    assert mark_read(user=world.admin_b1, ids=[message.pk]) == 0
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read_and_anonymous_visitors_are_sent_to_log_in(world, client):
    notify(recipients=[world.admin_a1], title="一")
    notify(recipients=[world.admin_a1], title="二")
    world.client_for(world.admin_a1).post(reverse("core:notifications_read_all"))
    assert unread_count(world.admin_a1) == 0
    assert client.get(reverse("core:notifications")).status_code == 302
    assert client.get(reverse("core:notification_open", args=[1])).status_code in (302, 405)


def test_the_inbox_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(30):
        notify(recipients=[world.admin_a1], title=f"消息{i}")
    client = world.client_for(world.admin_a1)
    # Session, user, roles, the menu's permission checks, the count and the page: never one per message.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("core:notifications")).status_code == 200
