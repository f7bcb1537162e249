"""The care programme's world: a campaign, wishes in each state, a counsellor, a loan."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import RoleAssignment
from core.tests.factories import UserFactory
from modules.care import services


def png(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


WISH = {"first_name": "小明", "item": "一个书包", "category": "study", "value": 12000, "story": "孩子上一年级", "consent_publish": True}


@pytest.fixture
def campaign(world):
    today = timezone.localdate()
    return services.campaign_create(
        actor=world.district_staff,
        year=today.year,
        title="微心愿圆梦行动",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        value_limit=50000,
        hotline_name="权益部",
        hotline_phone="010-66000000",
    )


@pytest.fixture
def published(world, campaign):
    """A wish of worker_a1 (张小明), posted by them, verified by their union, published by the district."""
    wish = services.wish_post(actor=world.worker_a1.user, campaign=campaign, data=dict(WISH))
    services.wish_verify(actor=world.admin_a1, wish=wish)
    return services.wish_publish(actor=world.district_staff, wish=wish)


@pytest.fixture
def donor(db):
    return UserFactory(username="donor", display_name="爱心人士")


@pytest.fixture
def checker(world):
    user = UserFactory(username="district2", display_name="复核人")
    RoleAssignment.objects.create(user=user, role=RoleAssignment.Role.DISTRICT_STAFF, organisation=world.district)
    return user


@pytest.fixture
def counsellor(world):
    user = UserFactory(username="counsellor", display_name="林老师")
    c = services.counsellor_create(actor=world.district_staff, user=user, name="林老师")
    services.availability_set(actor=world.district_staff, counsellor=c, windows=[(d, 0, 24) for d in range(7)])
    services.assessment_record(
        actor=world.district_staff, purpose="目的", risks="风险", measures="措施", retention_days=30, consent_text="告知书"
    )
    return c


def next_hour(days: int = 1):
    at = timezone.now() + timedelta(days=days)
    return at.replace(minute=0, second=0, microsecond=0)
