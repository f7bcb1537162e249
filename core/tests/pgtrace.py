"""What a piece of work sent to PostgreSQL, from libpq's protocol trace of Django's connection:
the client's messages by kind and the round trips (how many times the client's messages were
followed by the server's)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from itertools import pairwise

from django.db import connection


@dataclass(frozen=True)
class Traced:
    sent: dict[str, int]
    round_trips: int

    def count(self, kind: str) -> int:
        return self.sent.get(kind, 0)


def traced(work) -> Traced:
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.NamedTemporaryFile(prefix="pgtrace") as trace:
        pgconn.trace(trace.fileno())
        try:
            work()
        finally:
            pgconn.untrace()
        with open(trace.name) as f:
            lines = [parts for line in f.read().splitlines() if len(parts := line.split("\t")) > 3]
    sides = [parts[1] for parts in lines]
    sent = [parts[3] for parts in lines if parts[1] == "F"]
    trips = sum(1 for before, after in pairwise(sides) if (before, after) == ("F", "B"))
    return Traced({kind: sent.count(kind) for kind in set(sent)}, trips)
