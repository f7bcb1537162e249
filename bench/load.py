"""Load generators run as separate processes: ``wrk`` for HTTP, ``pgbench`` for SQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from bench import env

WRK_THREADS = 1  # one wrk thread keeps the load generator's share of the 2 cores small


def write_requests(path: Path, lines: list[tuple[str, str, dict, str]]) -> Path:
    """Each line: method, path, headers, body (JSON in one line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for method, url_path, headers, body in lines:
            head = "|".join(f"{k}: {v}" for k, v in headers.items())
            assert "\t" not in body and "\n" not in body
            f.write(f"{method}\t{url_path}\t{head}\t{body}\n")
    return path


def wrk(base_url: str, requests_file: Path, *, connections: int, seconds: float, wrap: bool = False, threads: int = WRK_THREADS) -> dict:
    """Run wrk for at most ``seconds`` and at most the prepared requests; return its figures."""
    cmd = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(max(connections, threads)),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(env.BENCH_DIR / "lua" / "requests.lua"),
        base_url,
    ]
    proc_env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_THREADS": str(threads), "BENCH_WRAP": "1" if wrap else "0"}
    out = subprocess.run(cmd, env=proc_env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(line[len("BENCH_JSON ") :])
    seconds_run = raw["duration_us"] / 1e6
    ok = sum(v for k, v in raw["statuses"].items() if k.startswith("2"))
    lat = raw["latency_us"]
    return {
        "tool": "wrk",
        "connections": connections,
        "threads": threads,
        "seconds": round(seconds_run, 2),
        "requests": raw["requests"],
        "ok": ok,
        "statuses": raw["statuses"],
        "errors": raw["errors"],
        "rps": round(raw["requests"] / seconds_run, 1) if seconds_run else 0,
        "ok_rps": round(ok / seconds_run, 1) if seconds_run else 0,
        "p50_ms": lat["p50"] / 1000,
        "p90_ms": lat["p90"] / 1000,
        "p95_ms": lat["p95"] / 1000,
        "p99_ms": lat["p99"] / 1000,
        "max_ms": lat["max"] / 1000,
        "mean_ms": round(lat["mean"] / 1000, 3),
    }


def pgbench(
    dbname: str, script: Path, *, clients: int, seconds: int, defines: dict[str, object] | None = None, transactions: int | None = None
) -> dict:
    cmd = ["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-c", str(clients), "-j", str(min(clients, 2)), "-M", "prepared", "-r"]
    if transactions:
        cmd += ["-t", str(transactions)]
    else:
        cmd += ["-T", str(seconds)]
    for k, v in (defines or {}).items():
        cmd += ["-D", f"{k}={v}"]
    cmd += ["-f", str(script), dbname]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120 if not transactions else 600)
    text = out.stdout + out.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", text)
    lat = re.search(r"latency average = ([\d.]+) ms", text)
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    failed = re.search(r"number of failed transactions: (\d+)", text)
    if not tps:
        raise RuntimeError(f"pgbench gave no result: {text[-800:]}")
    return {
        "tool": "pgbench",
        "clients": clients,
        "tps": float(tps.group(1)),
        "latency_avg_ms": float(lat.group(1)) if lat else None,
        "transactions": int(done.group(1)) if done else None,
        "failed": int(failed.group(1)) if failed else 0,
    }
