"""The world every test starts from: a small district with every role, built through factories."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from core.models import Member, Organisation, RoleAssignment, User
from core.tests.factories import MemberFactory, OrganisationFactory, UserFactory

Role = RoleAssignment.Role
PASSWORD = "test-pass-123"


@dataclass
class World:
    district: Organisation
    street_a: Organisation
    street_b: Organisation
    industry: Organisation
    org_a1: Organisation  # grassroots enterprise in street A
    org_a2: Organisation  # grassroots community in street A
    org_b1: Organisation  # grassroots park in street B
    org_i1: Organisation  # grassroots under the industry union, located in street B
    district_staff: User
    street_a_staff: User
    street_b_staff: User
    admin_a1: User
    admin_b1: User
    collector_a: User
    collector_b: User
    inspector: User
    worker_a1: Member
    worker_a1_other: Member
    worker_b1: Member

    def client_for(self, user_or_member) -> Client:
        user = user_or_member.user if isinstance(user_or_member, Member) else user_or_member
        client = Client()
        client.force_login(user)
        return client


def staff(role: str, organisation: Organisation, username: str) -> User:
    # Office staff reach the Django admin too (as in the demo); field roles do not.
    user = UserFactory(
        username=username, display_name=username, is_staff=role in (Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.GRASSROOTS_ADMIN)
    )
    RoleAssignment.objects.create(user=user, role=role, organisation=organisation)
    return user


def worker(organisation: Organisation, phone: str, name: str) -> Member:
    user = UserFactory(username=f"m{phone}", phone=phone, display_name=name)
    return MemberFactory(organisation=organisation, phone=phone, name=name, user=user)


@pytest.fixture
def world(db) -> World:
    district = OrganisationFactory(name="西城区总工会", level=Organisation.Level.DISTRICT, parent=None)
    street_a = OrganisationFactory(name="什刹海街道总工会", level=Organisation.Level.STREET, parent=district)
    street_b = OrganisationFactory(name="金融街街道总工会", level=Organisation.Level.STREET, parent=district)
    industry = OrganisationFactory(name="区教育系统工会", level=Organisation.Level.INDUSTRY, parent=district)
    org_a1 = OrganisationFactory(
        name="北京某科技有限公司工会",
        parent=street_a,
        street=street_a,
        kind=Organisation.Kind.ENTERPRISE,
        ownership=Organisation.Ownership.NON_PUBLIC,
    )
    org_a2 = OrganisationFactory(name="柳荫街社区工会", parent=street_a, street=street_a, kind=Organisation.Kind.COMMUNITY)
    org_b1 = OrganisationFactory(name="金融街园区工会", parent=street_b, street=street_b, kind=Organisation.Kind.PARK)
    org_i1 = OrganisationFactory(name="某中学工会", parent=industry, street=street_b, kind=Organisation.Kind.INSTITUTION)
    built = World(
        district=district,
        street_a=street_a,
        street_b=street_b,
        industry=industry,
        org_a1=org_a1,
        org_a2=org_a2,
        org_b1=org_b1,
        org_i1=org_i1,
        district_staff=staff(Role.DISTRICT_STAFF, district, "district"),
        street_a_staff=staff(Role.STREET_STAFF, street_a, "street_a"),
        street_b_staff=staff(Role.STREET_STAFF, street_b, "street_b"),
        admin_a1=staff(Role.GRASSROOTS_ADMIN, org_a1, "admin_a1"),
        admin_b1=staff(Role.GRASSROOTS_ADMIN, org_b1, "admin_b1"),
        collector_a=staff(Role.COLLECTOR, street_a, "collector_a"),
        collector_b=staff(Role.COLLECTOR, street_b, "collector_b"),
        inspector=staff(Role.INSPECTOR, district, "inspector"),
        worker_a1=worker(org_a1, "13800000001", "张小明"),
        worker_a1_other=worker(org_a1, "13800000002", "李华"),
        worker_b1=worker(org_b1, "13900000001", "王芳"),
    )
    from core.services import recount_members

    recount_members([org_a1.pk, org_a2.pk, org_b1.pk, org_i1.pk])  # member_count as the services keep it
    return built


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and ranks live in the cache: every test starts from an empty one."""
    cache.clear()
    yield
    cache.clear()
