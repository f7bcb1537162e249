"""What demo seeders share: the tree core built, the demo users, a seeded random source, the scale."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.models import Member, Organisation, User

DEMO_PASSWORD = "demo12345"


@dataclass
class DemoScale:
    name: str
    streets: int
    industries: int
    organisations: int
    members: int


SCALES = {
    "tiny": DemoScale("tiny", streets=3, industries=1, organisations=30, members=600),
    "small": DemoScale("small", streets=15, industries=3, organisations=300, members=6_000),
    "default": DemoScale("default", streets=15, industries=5, organisations=2_000, members=50_000),
    "large": DemoScale("large", streets=15, industries=8, organisations=10_000, members=1_000_000),
}


@dataclass
class DemoContext:
    scale: DemoScale
    rng: random.Random
    district: Organisation | None = None
    streets: list[Organisation] = field(default_factory=list)
    industries: list[Organisation] = field(default_factory=list)
    grassroots: list[Organisation] = field(default_factory=list)
    # The demo logins by role name ("district", "street", "grassroots", "collector", "inspector").
    users: dict[str, User] = field(default_factory=dict)
    # The demo worker who logs in with phone 13800000001 (and a few more for rankings).
    demo_workers: list[Member] = field(default_factory=list)
    # Lines printed at the end of the demo command (e.g. demo bag codes to try).
    notes: list[str] = field(default_factory=list)
    progress: bool = True


def context_from_database(scale: DemoScale, rng: random.Random, progress: bool = False) -> DemoContext:
    """A context over the tree already in the database (``seed_demo --year-like-2020`` on a running demo)."""
    from core.models import RoleAssignment

    ctx = DemoContext(scale=scale, rng=rng, progress=progress)
    ctx.district = Organisation.objects.filter(level=Organisation.Level.DISTRICT).order_by("pk").first()
    ctx.streets = list(Organisation.objects.filter(level=Organisation.Level.STREET).order_by("pk"))
    ctx.industries = list(Organisation.objects.filter(level=Organisation.Level.INDUSTRY).order_by("pk"))
    ctx.grassroots = list(Organisation.objects.filter(level=Organisation.Level.GRASSROOTS).order_by("pk"))
    staff = (
        User.objects.filter(roles__role=RoleAssignment.Role.DISTRICT_STAFF, is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    if staff is not None:
        ctx.users["district"] = staff
    # the demo's street and grassroots logins (core's tree names them), else the first of each role
    for name, role in (("street", RoleAssignment.Role.STREET_STAFF), ("grassroots", RoleAssignment.Role.GRASSROOTS_ADMIN)):
        holders = User.objects.filter(roles__role=role, is_active=True).order_by("pk")
        user = holders.filter(username=name).first() or holders.first()
        if user is not None:
            ctx.users[name] = user
    return ctx
