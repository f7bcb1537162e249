"""The annual review (年度重点工作盘点), computed from the platform's data, when it exists."""

from __future__ import annotations

import io
import time

from bench.context import Context, Result

CANDIDATES = ("annual_review", "annual_report", "review_annual", "year_review")


def run(ctx: Context) -> None:
    from django.core.management import call_command, get_commands
    from django.utils import timezone

    title = "annual review from the platform's data"
    name = next((c for c in CANDIDATES if c in get_commands()), None)
    if name is None:
        ctx.not_built("annual_report", title, "a manage.py annual review command")
        return
    out = io.StringIO()
    t = time.perf_counter()
    try:
        # This year's review (the annual suite's year): the command asks for one.
        call_command(name, f"--year={timezone.localdate().year}", stdout=out, stderr=out)
    except Exception as exc:  # noqa: BLE001
        ctx.add(Result("annual_report", title, status="error", note=f"{type(exc).__name__}: {exc}"[:300]))
        return
    seconds = time.perf_counter() - t
    ctx.add(
        Result(
            "annual_report",
            f"{title} (manage.py {name})",
            value=round(seconds, 2),
            unit="s",
            note=f"{len(out.getvalue()):,} characters of output",
        )
    )
