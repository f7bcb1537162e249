"""The honours world: an open honour with quotas for both streets, a course with a small session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from modules.honours import services
from modules.honours.models import Honour

DEEDS = "扎根一线二十年，带领班组完成抢修任务三百余次，获多项技术革新成果。"


def open_honour(world, *, places=10, name="北京市劳动模范", level="beijing", **options) -> Honour:
    today = timezone.localdate()
    return services.honour_create(
        actor=world.district_staff,
        year=today.year,
        name=name,
        level=level,
        places=places,
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=30),
        **options,
    )


@pytest.fixture
def honour(world) -> Honour:
    honour = open_honour(world, places=10, epidemic_reserved_pct=10)
    services.quota_set(actor=world.district_staff, honour=honour, unit=world.street_a, places=4)
    services.quota_set(actor=world.district_staff, honour=honour, unit=world.street_b, places=6)
    return honour


def nominate(world, honour, name="张小明", category="frontline", epidemic=False, organisation=None, admin=None, member=None, **extra):
    organisation = organisation or world.org_a1
    admin = admin or world.admin_a1
    data = {
        "nominee_name": name,
        "job_title": "班组长",
        "category": category,
        "epidemic_frontline": epidemic,
        "deeds": DEEDS,
        "consent_to_notice": True,
        **extra,
    }
    return services.nomination_create(actor=admin, honour=honour, organisation=organisation, data=data, member=member)


def submitted(world, honour, **kwargs):
    nomination = nominate(world, honour, **kwargs)
    services.nomination_transition(actor=kwargs.get("admin") or world.admin_a1, nomination=nomination, name="submit")
    return nomination


def street_staff_for(world, nomination):
    return world.street_a_staff if nomination.unit_id == world.street_a.pk else world.street_b_staff
