"""Demo data generation: ``manage.py seed_demo`` on a fresh embedded SQLite database, as
``make demo`` runs it (migrations are not timed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time

from bench import env
from bench.context import Context, Result


def run(ctx: Context) -> None:
    scale = "small" if ctx.quick else "default"
    var = tempfile.mkdtemp(prefix="uh-bench-demo-")
    proc_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    proc_env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "UNIONHUB_VAR_DIR": var, "MEDIA_ROOT": os.path.join(var, "media")})
    python = str(env.VENV_BIN / "python")
    try:
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=env.ROOT,
            env=proc_env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        t = time.perf_counter()
        out = subprocess.run(
            [python, "manage.py", "seed_demo", "--scale", scale, "--no-progress"],
            cwd=env.ROOT,
            env=proc_env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        seconds = time.perf_counter() - t
        if out.returncode != 0:
            lines = [ln.strip() for ln in (out.stderr or out.stdout).splitlines() if ln.strip()]
            where = next((ln for ln in reversed(lines) if ln.startswith("File ")), "")
            ctx.add(
                Result(
                    "demo",
                    f"demo data generation (seed_demo --scale {scale}, SQLite)",
                    status="error",
                    note=f"{lines[-1] if lines else ''} ({where})"[:300],
                )
            )
            return
        steps = re.findall(r"✓ (.+?)（([\d.]+) 秒）", out.stdout)
        summary = next((ln for ln in out.stdout.splitlines() if "演示数据已生成" in ln), "")
        ctx.add(
            Result(
                "demo",
                f"demo data generation (seed_demo --scale {scale}, SQLite)",
                value=round(seconds, 1),
                unit="s",
                details={"steps": steps, "summary": summary},
                note="; ".join(f"{name} {s} s" for name, s in steps)[:400],
            )
        )
    finally:
        shutil.rmtree(var, ignore_errors=True)
