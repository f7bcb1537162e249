"""Stations for tests, built through the service so hours become slots exactly as in production."""

from __future__ import annotations

from itertools import count

from modules.stations import services
from modules.stations.models import Status

_seq = count(1)
EVERY_DAY = ["08:00-20:00"] * 7


def make_station(
    actor, host, *, lat=39.90, lng=116.36, hours=None, services_=("water", "charging"), status=Status.OPEN, name=None, **extra
):
    n = next(_seq)
    data = {
        "name": name or f"测试驿站{n}",
        "host": host,
        "street": host.street,
        "address": f"北京市西城区测试路{n}号",
        "lat": lat,
        "lng": lng,
        "kind": "shop",
        "hours": hours if hours is not None else EVERY_DAY,
        "services": list(services_),
        "capacity": 6,
        **extra,
    }
    return services.station_create(actor=actor, data=data, status=status)
