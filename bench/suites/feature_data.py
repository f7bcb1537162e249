"""Data that belongs to programmes other than the harness, added once their code exists.

Each step names the app whose migrations decide whether its data is current; the step is
skipped (and its benchmark reports "not built yet") while the feature is absent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

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
        return {"command": name, "output": out.strip()[-300:]}

    return run


STEPS: list[Step] = [
    Step("sortstats_rebuild", ("sortstats", "bags"), lambda: _has_command("sortstats_rebuild"), _command("sortstats_rebuild")),
]
