"""Issue 29 finding 11: after ``/me/close/`` the person's name and phone are nowhere in the database.

Closing an account left the name in audit entries' object descriptions, the phone in the
login records (django-axes keeps the username ``m<phone>``) and in one-time codes, and the
free text the worker typed (a problem report). The test searches every text, char and JSON
column of every model (``apps.get_models()``), on SQLite and on PostgreSQL, for the closed
person's name and phone. What the audit trail must keep is pseudonymised: a stable keyed hash
of the member (``core.privacy.member_pseudonym``), never the phone.
"""

from __future__ import annotations

import base64
import json
import re

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.test import Client, override_settings
from django.urls import reverse

from core.models import AuditLog, Member
from core.sms import OutboxSmsBackend

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def find_everywhere(*needles: str) -> list[str]:
    """``model.field: value`` for every stored text that contains one of ``needles``."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            rows = model._default_manager.all()
            column = field.name
            if isinstance(field, models.JSONField):
                rows = rows.annotate(_as_text=Cast(field.name, models.TextField()))
                column = "_as_text"
            for needle in needles:
                # JSON on SQLite is stored ASCII-escaped (\\u5f20...): look for that spelling too.
                for spelling in {needle, json.dumps(needle)[1:-1]}:
                    for value in rows.filter(**{f"{column}__icontains": spelling}).values_list(column, flat=True)[:3]:
                        found.append(f"{model._meta.label}.{field.name}: {str(value)[:120]}")
    return found


def _otp_login(phone: str) -> Client:
    client = Client(REMOTE_ADDR="10.20.30.40")
    OutboxSmsBackend.outbox.clear()
    client.post(reverse("core:worker_login"), {"phone": phone})
    code = re.search(r"\d{6}", OutboxSmsBackend.outbox[-1].text).group(0)
    client.post(reverse("core:worker_login"), {"phone": phone, "code": "000000"})  # a wrong guess first
    assert client.post(reverse("core:worker_login"), {"phone": phone, "code": code}).status_code == 302
    return client


@override_settings(SMS_BACKEND="core.sms.OutboxSmsBackend")
def test_nothing_of_a_closed_account_is_left_in_the_database(world):
    from modules.stations.tests.factories import make_station

    member = world.worker_a1
    name, phone = member.name, member.phone
    # the footprint of a year: staff edit and reveal, the worker logs in and writes to a station
    staff = world.client_for(world.admin_a1)
    staff.post(reverse("core:member_phone", args=[member.pk]), {"context": "roster"}, HTTP_HX_REQUEST="true")
    staff.get("/api/v1/members/", {"q": phone})
    from core.services import member_update

    member_update(actor=world.admin_a1, member=member, data={"employee_no": "E-77"})
    worker = _otp_login(phone)
    station = make_station(world.district_staff, world.org_a1, name="甲驿站")
    worker.post(reverse("stations:report", args=[station.pk]), {"kind": "other", "description": f"我是{name}，电话{phone}，饮水机坏了"})
    from modules.stations.services import rating_submit

    rating_submit(actor=member.user, station=station, stars=5, comment=f"{name}（{phone}）：很好")
    assert find_everywhere(name, phone), "the footprint was not made"

    assert worker.post("/me/close/", {"confirm": "yes"}).status_code == 302

    left = find_everywhere(name, phone)
    assert left == [], "\n".join(left)
    # the audit trail keeps its entries, under a pseudonym that is the same in all of them
    entries = AuditLog.objects.filter(object_type="core.member", object_id=str(member.pk))
    assert entries.count() >= 2 and len({e.object_repr for e in entries}) == 1
    pseudonym = entries.first().object_repr
    assert pseudonym.startswith("已注销会员#") and phone not in pseudonym
    assert base64.b16encode(phone.encode()).decode().lower() not in pseudonym
    assert Member.objects.get(pk=member.pk).name == pseudonym
