"""The fund's world: a fund with the article's three purposes, and helpers that bring an
application to each stage through the services (as its users would)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.attachments import attachment_add
from core.models import RoleAssignment, User
from core.tests.factories import UserFactory
from modules.fund import services
from modules.fund.models import Fund, Purpose

Role = RoleAssignment.Role
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id(n: int, born: str = "19900307") -> str:
    """A well-formed resident ID number (with its check digit) for person ``n``."""
    body = f"110101{born}{n % 1000:03d}"
    if n >= 1000:
        body = f"11{n // 1000 % 100:02d}01{born}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


@dataclass
class FundWorld:
    fund: Fund
    frontline: Purpose  # 慰问一线职工
    prevention: Purpose  # 支持基层工会防疫
    smes: Purpose  # 助力小微企业复工复产
    finance: User  # a second district officer (approves transfers; pays)


@pytest.fixture
def fw(world) -> FundWorld:
    fund = services.fund_create(
        actor=world.district_staff,
        name="抗疫专项基金",
        year=timezone.localdate().year,
        total_budget=300_000_00,
        purposes=[
            {"name": "慰问一线职工", "limit": 100_000_00},
            {"name": "支持基层工会防疫", "limit": 80_000_00},
            {"name": "助力小微企业复工复产", "limit": 50_000_00, "allow_repeat": True},
        ],
    )
    frontline, prevention, smes = fund.purposes.order_by("order")
    finance = UserFactory(username="finance", display_name="财务科")
    RoleAssignment.objects.create(user=finance, role=Role.DISTRICT_STAFF, organisation=world.district)
    return FundWorld(fund, frontline, prevention, smes, finance)


def people(*amounts_yuan, start: int = 1) -> list[dict]:
    return [
        {"name": f"职工{start + i}", "id_number": make_id(start + i), "amount": str(a), "category": "社区防疫一线"}
        for i, a in enumerate(amounts_yuan)
    ]


def draft(world, fw, purpose=None, rows=None, organisation=None, admin=None, title="慰问社区防疫一线职工"):
    organisation = organisation or world.org_a1
    admin = admin or world.admin_a1
    application = services.application_create(
        actor=admin, fund=fw.fund, purpose=purpose or fw.frontline, organisation=organisation, title=title
    )
    services.beneficiaries_replace(actor=admin, application=application, rows=rows if rows is not None else people(500, 500, 800))
    attachment_add(actor=admin, owner=application, upload=SimpleUploadedFile("名单.pdf", b"%PDF-1.4\n signed list\n"))
    application.refresh_from_db()
    return application


def reviewed(world, fw, **kwargs):
    application = draft(world, fw, **kwargs)
    admin = kwargs.get("admin") or world.admin_a1
    services.application_transition(actor=admin, application=application, name="submit")
    street = world.street_a_staff if application.street_id == world.street_a.pk else world.street_b_staff
    services.application_transition(actor=street, application=application, name="pass")
    application.refresh_from_db()
    return application


def approved(world, fw, **kwargs):
    application = reviewed(world, fw, **kwargs)
    services.application_transition(actor=world.district_staff, application=application, name="approve")
    application.refresh_from_db()
    return application


def paid(world, fw, reference="FK-0001", **kwargs):
    application = approved(world, fw, **kwargs)
    services.disbursement_record(actor=fw.finance, application=application, reference=reference, paid_on=timezone.localdate())
    application.refresh_from_db()
    return application
