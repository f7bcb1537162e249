"""Data that belongs to programmes other than the harness, added once their code exists.

Each step names the app whose migrations decide whether its data is current; the step is
skipped (and its benchmark reports "not built yet") while the feature is absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.scales import Scale


@dataclass
class Step:
    name: str
    apps: tuple[str, ...]
    available: Callable[[], bool]
    run_fn: Callable[[Scale], dict | None]

    def key(self, state: dict) -> str | None:
        if not self.available():
            return None
        leaves = [leaf for leaf in state.get("leaves", []) if leaf.split(".")[0] in self.apps]
        return ",".join(leaves) or "-"

    def run(self, scale: Scale) -> dict | None:
        t = time.perf_counter()
        result = self.run_fn(scale)
        if result is None:
            return None
        return {"seconds": round(time.perf_counter() - t, 1), **result}


def _has_command(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


def _command(name: str):
    def run(scale: Scale) -> dict:
        from bench.dataset import run_command_if_exists

        _ok, seconds, out = run_command_if_exists(name)
        return {"command": name, "output": out.strip().splitlines()[-1][-300:] if out.strip() else ""}

    return run


def _stations_available() -> bool:
    try:
        from modules.stations import hours, models  # noqa: F401

        return hasattr(models, "Station") and hasattr(hours, "slots")
    except ImportError:
        return False


# Xicheng's extent (WGS-84), where the stations and the people looking for one are.
LAT_RANGE = (39.865, 39.955)
LNG_RANGE = (116.300, 116.410)
HOURS_TEMPLATES = [
    ["08:00-20:00"] * 5 + ["09:00-17:00"] * 2,
    ["全天"] * 7,
    ["07:00-11:00, 13:00-19:00"] * 6 + ["休息"],
    ["09:00-18:00"] * 5 + ["休息", "休息"],
    ["06:00-22:00"] * 7,
    ["18:00-06:00"] * 7,
]


def _stations(scale: Scale) -> dict:
    """``scale.stations`` rest stations over the district: 85 % open, the rest building, suspended
    or closed; hours from six real-world patterns (office hours, all day, overnight …)."""
    import random

    from core.models import Organisation
    from modules.stations import hours as hours_mod
    from modules.stations.models import Kind, Station, StationOpenSlot, Status

    rng = random.Random(904)
    Station.objects.all().delete()
    streets = list(Organisation.objects.filter(level="street").values_list("id", flat=True))
    hosts = list(Organisation.objects.filter(level="grassroots").values_list("id", "street_id")[:5000])
    kinds = [k for k, _l in Kind.choices]
    templates = [hours_mod.parse_week(t) for t in HOURS_TEMPLATES]
    stations = []
    for i in range(scale.stations):
        host, street = rng.choice(hosts)
        status = rng.choices([Status.OPEN, Status.BUILDING, Status.SUSPENDED, Status.CLOSED], [0.85, 0.05, 0.05, 0.05])[0]
        stations.append(
            Station(
                name=f"职工暖心驿站{i + 1}号",
                host_id=host,
                street_id=street or rng.choice(streets),
                address=f"北京市西城区{rng.randrange(1, 400)}号",
                lat=rng.uniform(*LAT_RANGE),
                lng=rng.uniform(*LNG_RANGE),
                kind=rng.choice(kinds),
                hours=rng.choice(templates),
                services=rng.randrange(1, 64),
                capacity=rng.randrange(4, 40),
                status=status,
                built_year=rng.choice([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]),
            )
        )
    stations = Station.objects.bulk_create(stations, batch_size=2000)
    slots = [StationOpenSlot(station_id=s.pk, start=a, end=b) for s in stations for a, b in hours_mod.slots(s.hours)]
    StationOpenSlot.objects.bulk_create(slots, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stations_station")
        cursor.execute("ANALYZE stations_stationopenslot")
    return {"stations": len(stations), "slots": len(slots)}


STEPS: list[Step] = [
    Step("stations", ("stations",), _stations_available, _stations),
    Step("sortstats_rebuild", ("sortstats",), lambda: _has_command("sortstats_rebuild"), _command("sortstats_rebuild")),
    # Redis boards are rebuilt by the ranking benchmark itself (Redis is not the truth).
]
