"""How the hot path and the dashboard grow with data: the ceilings, the scans and the dashboard
queries again at the smaller scales (each its own data set, built on first use), in separate
processes on their own ports; the run's Markdown (bench/results/) sets the latest run of every
scale side by side."""

from __future__ import annotations

import subprocess
import sys

from bench import env
from bench.context import Context, Result


def run(ctx: Context) -> None:
    if ctx.quick:
        ctx.add(Result("growth", "growth with data (other scales)", status="skipped", note="full runs only"))
        return
    for i, scale in enumerate(ctx.growth_scales):
        cmd = [
            sys.executable,
            "-m",
            "bench",
            "ceiling",
            "scan",
            "dashboard",
            "--scale",
            scale,
            "--no-markdown",
            "--workers",
            str(ctx.workers),
            "--port-base",
            str(ctx.port_base + 10 * (i + 1)),
        ]
        if ctx.keep_feature_data:
            cmd.append("--keep-feature-data")
        out = subprocess.run(cmd, cwd=env.ROOT, capture_output=True, text=True, timeout=3600)
        status = "ok" if out.returncode == 0 else "error"
        ctx.add(
            Result(
                f"growth_{scale}",
                f"growth run at scale {scale}",
                status=status,
                note=("see the growth table" if status == "ok" else out.stderr[-300:]),
            )
        )
