"""Writing a run's results: JSON under bench/results/ and the current table of BENCHMARKS.md.

BENCHMARKS.md shows ONE table of current figures. Its rows live in ``bench/current.json``
(committed): a district run replaces the rows of the benchmarks it measured and keeps the others,
and every row names the run it comes from (command, commit, date, machine). Each figure is shown
with its target and with the ceiling it is measured against: a result's ``ratio``/``ceiling`` (the
hello app, pgbench) and any further named ceilings a suite lists in ``details["ceilings"]`` as
``{"name": …, "ratio": 0.42, "value": 3286, "unit": "req/s"}`` (e.g. "hello at the door").
The sessions' narrative stays in docs/benchmarks-history.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import env

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
CURRENT = env.BENCH_DIR / "current.json"
# Scales whose runs replace rows of the current table (the targets are set for the district).
CURRENT_SCALES = ("district",)
# A result's ceiling name → the run's ceiling figure it was divided by.
CEILING_FIGURES = {"hello": ("hello_rps", "req/s"), "pgbench scan tps": ("pgbench_scan_tps", "tps")}


PG_SETTINGS = ("shared_buffers", "max_wal_size", "wal_compression", "commit_delay", "commit_siblings", "synchronous_commit", "autovacuum")
PG_SETTINGS_SQL = "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ({}) ORDER BY name".format(
    ", ".join(f"'{name}'" for name in PG_SETTINGS)
)


def machine(database: str = "postgres") -> dict:
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release()}
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        info["memory_gb"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"], capture_output=True, text=True, timeout=10
        )
        info["postgresql"] = out.stdout.strip()
        # The settings a result depends on, as the data set's database sees them (a tuned
        # database is never mistaken for the default).
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-AtF=", "-c", PG_SETTINGS_SQL],
            capture_output=True,
            text=True,
            timeout=10,
        )
        info["postgresql_settings"] = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        out = subprocess.run(["redis-cli", "INFO", "server"], capture_output=True, text=True, timeout=10)
        info["redis"] = next((line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("redis_version")), "")
        info["wrk"] = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/loadavg") as f:
            info["loadavg_at_start"] = f.read().split()[:3]
    except OSError:
        pass
    return info


def _pg_settings_text(settings: dict | None) -> str:
    return f" ({', '.join(f'{k} {v}' for k, v in sorted(settings.items()))})" if settings else ""


def commit() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=env.ROOT, capture_output=True, text=True).stdout.strip()

    exported = env.ROOT / ".commit"  # a snapshot made with `git archive` (no .git of its own)
    if exported.exists():
        sha = exported.read_text().strip()
        return {"sha": sha, "subject": git("log", "-1", "--format=%s", sha), "dirty": False, "snapshot": str(env.ROOT)}
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {"sha": git("rev-parse", "--short", "HEAD"), "subject": git("log", "-1", "--format=%s"), "dirty": bool(dirty)}


def _fmt(value, digits=1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _cell(text) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def table(results: list[dict]) -> str:
    lines = [
        "| benchmark | result | p50 / p95 / p99 ms | vs ceiling | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if r["status"] in ("not built yet", "error", "skipped"):
            result = f"**{r['status']}**" + (f" — {_cell(r['note'])[:300]}" if r.get("note") else "")
            lines.append(f"| {r['title']} | {result} | | | {r.get('target', '')} | |")
            continue
        value = f"{_fmt(r['value'])} {r['unit']}" if r.get("value") is not None else ""
        lat = " / ".join(_fmt(r.get(k), 1) for k in ("p50_ms", "p95_ms", "p99_ms")) if r.get("p95_ms") is not None else ""
        ratio = f"{r['ratio']:.0%} of {r['ceiling']}" if r.get("ratio") is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.get("met")]
        note = f" <br><sub>{_cell(r['note'])}</sub>" if r.get("note") else ""
        lines.append(f"| {r['title']} | {value}{note} | {lat} | {ratio} | {r.get('target', '')} | {met} |")
    return "\n".join(lines)


def growth_of(by_scale: dict[str, dict]) -> dict:
    """The scans', dashboard's and ceilings' figures of the latest run at each scale, side by side
    (the shape kept in bench/current.json under "growth"); {} with fewer than two scales."""
    order = [s for s in ("small", "medium", "district", "large") if s in by_scale]
    if len(order) < 2:
        return {}
    rows: dict[str, dict] = {}
    for scale in order:
        for r in by_scale[scale]["results"]:
            if not r["bench"].startswith(("scan", "dashboard", "ceiling")):
                continue
            if r["status"] not in ("ok", "miss") or r.get("value") is None:
                cell = r["status"]
            else:
                cell = f"{_fmt(r['value'])} {r['unit']}"
                if r.get("p95_ms") is not None and "p95" not in r["unit"]:
                    cell += f", p95 {_fmt(r['p95_ms'])} ms"
            row = rows.setdefault(r["bench"], {"bench": r["bench"], "title": r["title"], "cells": {}})
            row["cells"][scale] = cell
    scales = []
    for scale in order:
        data = by_scale[scale]
        scans = (data.get("dataset") or {}).get("tables", {}).get("bags_collection")
        scales.append({"name": scale, "scans": scans, **run_of(data)})
    return {"scales": scales, "rows": list(rows.values())}


def render_growth(growth: dict) -> str:
    """The growth table, then the run each column comes from."""
    if not growth:
        return ""
    scales = growth["scales"]
    head = "| benchmark | " + " | ".join(f"{s['name']} ({s['scans']:,} scans)" if s.get("scans") else s["name"] for s in scales) + " |"
    lines = [head, "|---|" + "---|" * len(scales)]
    for row in growth["rows"]:
        lines.append(f"| {_cell(row['title'])} | " + " | ".join(_cell(row["cells"].get(s["name"], "")) for s in scales) + " |")
    lines += ["", "Columns:"]
    lines += [f"- **{s['name']}**: {s['date']} · commit `{s['commit']}` · `{s['command']}`" for s in scales]
    return "\n".join(lines)


def growth_table(by_scale: dict[str, dict]) -> str:
    """Scans and dashboard figures of the latest run at each scale, side by side."""
    return render_growth(growth_of(by_scale))


def latest_by_scale() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(env.RESULTS_DIR.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("quick"):
            continue
        found[data["scale"]] = data  # sorted by stamp: the last one wins
    return found


def write(ctx, names: list[str], started: float, markdown: bool = True) -> Path:
    env.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dataset = (ctx.marker or {}).get("dataset", {}).get("stats", {})
    data = {
        "stamp": stamp,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": ctx.scale.name,
        "quick": ctx.quick,
        "benchmarks": names,
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "machine": machine(ctx.scale.database),
        "commit": commit(),
        "gunicorn_workers": ctx.workers,
        "dataset": dataset,
        "extras": (ctx.marker or {}).get("extras", {}),
        "ceilings": ctx.ceilings,
        "problems": ctx.problems,
        "seconds": round(time.time() - started, 1),
        "results": [r.as_dict() for r in ctx.results],
    }
    path = env.RESULTS_DIR / f"{stamp}-{ctx.scale.name}{'-quick' if ctx.quick else ''}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    md = markdown_of(data)
    growth = growth_table(latest_by_scale())
    if growth:
        md += f"\n\n### Growth with data (latest run at each scale)\n\n{growth}"
    (env.RESULTS_DIR / f"{stamp}-{ctx.scale.name}.md").write_text(md)
    print("\n" + md + "\n", flush=True)
    if markdown and ctx.scale.name in CURRENT_SCALES:
        current = merge_current(load_current(), data)
        if any(r["bench"].startswith("growth_") and r["status"] == "ok" for r in data["results"]):
            # The growth suite just ran the other scales: their latest runs and this one side by side.
            current["growth"] = growth_of(latest_by_scale())
        save_current(current)
        update_benchmarks_md(render_current(current))
    return path


def machine_line(data: dict) -> str:
    m = data.get("machine") or {}
    return (
        f"{m.get('nproc')} cores ({m.get('cpu', '')}), {m.get('memory_gb')} GB RAM, kernel {m.get('kernel', '?')}, "
        f"PostgreSQL {m.get('postgresql', '?')}{_pg_settings_text(m.get('postgresql_settings'))}, "
        f"Redis {m.get('redis', '?')}, Python {m.get('python')}, {m.get('wrk', 'wrk')}, gunicorn {data.get('gunicorn_workers')} sync workers"
    )


def markdown_of(data: dict) -> str:
    ds = data.get("dataset") or {}
    t = ds.get("tables", {})
    parts = [
        f"Run of {data['date']} — scale **{data['scale']}**, commit `{data['commit']['sha']}`"
        f"{' (work tree had uncommitted changes)' if data['commit'].get('dirty') else ''}, "
        f"`{data['command']}`, {data['seconds']:.0f} s.",
        "",
        f"Machine: {machine_line(data)}; load average at start {', '.join(data['machine'].get('loadavg_at_start', []))}. "
        f"Platform: gunicorn {data['gunicorn_workers']} sync workers, production settings, CONN_MAX_AGE=600, Redis.",
        "",
    ]
    if t:
        parts += [
            f"Data set: {t.get('core_organisation', 0):,} organisations, {t.get('core_member', 0):,} members, "
            f"{t.get('bags_bag', 0):,} bags, {t.get('bags_collection', 0):,} collections, {t.get('ledger_entry', 0):,} ledger entries "
            f"({ds.get('rows', 0):,} rows; COPY {ds.get('load_rows_per_s', 0):,} rows/s, indexes {ds.get('index_seconds')} s, "
            f"built in {ds.get('total_seconds')} s).",
            "",
        ]
    c = data.get("ceilings", {})
    if c:
        parts += ["Ceilings of this run: " + ", ".join(f"{k} = {v:,.0f}" for k, v in c.items() if isinstance(v, (int, float))) + ".", ""]
    parts.append(table(data["results"]))
    if data.get("problems"):
        parts += ["", "Problems the run found:", *[f"- {p}" for p in data["problems"]]]
    return "\n".join(parts)


def _ceilings_of(result: dict, data: dict) -> list[dict]:
    """The named ceilings a figure is measured against: its own ratio first, then any the suite listed."""
    found = []
    if result.get("ratio") is not None and result.get("ceiling"):
        key, unit = CEILING_FIGURES.get(result["ceiling"], ("", ""))
        value = _details(result).get("hello_rps") if result["ceiling"] == "hello" else None
        found.append(
            {"name": result["ceiling"], "ratio": result["ratio"], "value": value or (data.get("ceilings") or {}).get(key), "unit": unit}
        )
    found += [c for c in _details(result).get("ceilings", []) if isinstance(c, dict) and c.get("name")]
    return found


def _details(result: dict) -> dict:
    """A result's details when they are a mapping (some suites record a sentence there)."""
    details = result.get("details")
    return details if isinstance(details, dict) else {}


def run_of(data: dict) -> dict:
    """What the table says about the run a row comes from."""
    sha = data["commit"]["sha"] + (" (uncommitted changes)" if data["commit"].get("dirty") else "")
    return {"date": data["date"], "command": data["command"], "commit": sha, "machine": machine_line(data), "scale": data["scale"]}


def merge_current(current: dict, data: dict) -> dict:
    """``current`` with the rows this run measured replaced (or added) and every other row kept.

    Only figures count: a benchmark that errored, was skipped or is not built yet keeps its last
    figure (the run's own Markdown under bench/results/ reports the failure).
    """
    runs = dict(current.get("runs", {}))
    rows = [dict(r) for r in current.get("rows", [])]
    stamp = data["stamp"]
    measured = [
        r for r in data["results"] if r.get("status") in ("ok", "miss") and (r.get("value") is not None or r.get("p95_ms") is not None)
    ]
    for r in measured:
        row = {
            "bench": r["bench"],
            "title": r["title"],
            "value": r.get("value"),
            "unit": r.get("unit", ""),
            "p95_ms": r.get("p95_ms"),
            "p99_ms": r.get("p99_ms"),
            "target": r.get("target", ""),
            "met": r.get("met"),
            "ceilings": _ceilings_of(r, data),
            "run": stamp,
        }
        at = next((i for i, old in enumerate(rows) if old["bench"] == r["bench"]), None)
        if at is None:
            rows.append(row)
        else:
            rows[at] = row
    if measured:
        runs[stamp] = run_of(data)
    used = {row["run"] for row in rows}
    merged = {"runs": {k: v for k, v in sorted(runs.items()) if k in used}, "rows": rows}
    if current.get("growth"):
        merged["growth"] = current["growth"]
    return merged


def load_current(path: Path | None = None) -> dict:
    path = path or CURRENT
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"runs": {}, "rows": []}


def save_current(current: dict, path: Path | None = None) -> None:
    (path or CURRENT).write_text(json.dumps(current, ensure_ascii=False, indent=1) + "\n")


def _figure(row: dict) -> str:
    parts = []
    value = row.get("value")
    if value is not None:
        # One decimal below a thousand (174.9 s stays 174.9 s), whole numbers above.
        shown = f"{value:,.1f}" if isinstance(value, float) and abs(value) < 1000 else f"{value:,.0f}"
        parts.append(f"{shown} {row.get('unit', '')}".strip())
    parts += [f"{k[:3]} {_fmt(row[k])} ms" for k in ("p95_ms", "p99_ms") if row.get(k) is not None and k[:3] not in row.get("unit", "")]
    return ", ".join(parts) or "—"


def _ceiling_text(ceiling: dict) -> str:
    text = f"{ceiling['ratio']:.0%} of {ceiling['name']}".replace("%", " %")
    if ceiling.get("value"):
        text += f" ({_fmt(ceiling['value'])} {ceiling.get('unit', '')})".replace(" )", ")")
    return text


def render_current(current: dict) -> str:
    """The current table: one row per benchmark, each with its target, ceiling(s) and run."""
    labels = {stamp: f"R{i}" for i, stamp in enumerate(current.get("runs", {}), start=1)}
    lines = [
        "| benchmark | figure | measured against | target | met | run |",
        "|---|---|---|---|---|---|",
    ]
    for row in current.get("rows", []):
        against = "<br>".join(_ceiling_text(c) for c in row.get("ceilings", [])) or "—"
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        lines.append(
            f"| {_cell(row['title'])} | {_cell(_figure(row))} | {against} | {_cell(row.get('target')) or '—'} | {met} | {labels.get(row['run'], '?')} |"
        )
    lines += ["", "Runs:"]
    for stamp, run in current.get("runs", {}).items():
        lines.append(
            f"- **{labels[stamp]}** {run['date']} · scale {run['scale']} · commit `{run['commit']}` · `{run['command']}` · machine: {run['machine']}"
        )
    growth = render_growth(current.get("growth") or {})
    if growth:
        lines += ["", "#### Growth with data: the scan, the dashboard and the ceilings at each scale (one run each)", "", growth]
    return "\n".join(lines)


def update_benchmarks_md(table_md: str, path: Path | None = None) -> None:
    """Replace the block between the markers of BENCHMARKS.md (the current table) and nothing else."""
    path = path or env.ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    block = f"{BEGIN}\n{table_md}\n{END}"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text += "\n" + block + "\n"
    path.write_text(text)
