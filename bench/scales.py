"""The data-set scales and the fixed parameters of a run."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    organisations: int  # grassroots unions
    members: int
    bags: int  # collected bags over the year
    streets: int = 15
    industries: int = 6
    # members that have logged in (a User row), for the worker pages
    logged_in: int = 2_000
    stations: int = 10_000

    @property
    def database(self) -> str:
        # BENCH_DATABASE_PREFIX: several people benchmarking on one server each keep their own data set.
        prefix = os.environ.get("BENCH_DATABASE_PREFIX", "uh_bench")
        return prefix if self.name == "district" else f"{prefix}_{self.name}"


SCALES = {
    "small": Scale("small", organisations=200, members=20_000, bags=200_000, logged_in=500, stations=10_000),
    "medium": Scale("medium", organisations=1_000, members=100_000, bags=2_000_000, logged_in=1_000),
    "district": Scale("district", organisations=10_000, members=1_000_000, bags=20_000_000, logged_in=2_000),
    "large": Scale("large", organisations=30_000, members=3_000_000, bags=60_000_000, logged_in=5_000),
}

# Bump when the generator's output changes: a data set built by another version is rebuilt.
GENERATOR_VERSION = 5

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USER = "postgres"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
PORT_PLATFORM = 8300
PORT_HELLO = 8301
PORT_SWEEP = 8302


def database_url(dbname: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def conninfo(dbname: str) -> str:
    return f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={dbname}"
