"""The benchmark harness's current table (bench/results.py): a run replaces the rows it measured,
keeps the others, names its run (command, commit, machine, date) and the ceilings of each figure.
No timings here: these are small hand-made results dicts."""

from __future__ import annotations

import pytest

from bench import results

RUN_A = "20261125T112800Z"


def run_data(stamp: str, sha: str, results_list: list[dict], command: str = "python -m bench scan --scale district") -> dict:
    return {
        "stamp": stamp,
        "date": f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T12:00:00+00:00",
        "scale": "district",
        "command": command,
        "commit": {"sha": sha, "dirty": False},
        "gunicorn_workers": 3,
        "machine": {
            "nproc": 2,
            "cpu": "AMD EPYC",
            "memory_gb": 23.5,
            "kernel": "6.18",
            "postgresql": "15.20",
            "redis": "7.0.15",
            "python": "3.11.7",
        },
        "ceilings": {"hello_rps": 3000.0, "pgbench_scan_tps": 2500.0},
        "results": results_list,
    }


def result(bench: str, value, **extra) -> dict:
    return {"bench": bench, "title": f"{bench} title", "status": "ok", "value": value, "unit": "req/s", "target": "", "met": None, **extra}


def seeded() -> dict:
    first = run_data(
        RUN_A,
        "aaaaaaa",
        [
            result("scan_single", 1284.0, ratio=0.42, ceiling="hello", target="≥ 40 % of hello req/s", met=True),
            result("labels", 4.9, unit="s", target="10,000 labels < 15 s", met=True),
            result("worker_page", None, p95_ms=15.8, p99_ms=19.1, target="p95 < 20 ms", met=True),
        ],
        command="python -m bench all --scale district",
    )
    return results.merge_current({"runs": {}, "rows": []}, first)


def test_a_later_run_replaces_the_rows_it_measured_and_keeps_the_others():
    current = seeded()
    later = run_data(
        "20261204T090000Z",
        "bbbbbbb",
        [
            result(
                "scan_single", 1500.0, ratio=0.5, ceiling="hello", details={"hello_rps": 3000.0}, target="≥ 40 % of hello req/s", met=True
            ),
            result("labels", None, status="error", note="boom"),  # a failure keeps the last figure
            result("codes", 1.4, unit="s", target="100,000 codes < 5 s", met=True),
        ],
    )
    merged = results.merge_current(current, later)
    by_bench = {row["bench"]: row for row in merged["rows"]}
    assert [row["bench"] for row in merged["rows"]] == ["scan_single", "labels", "worker_page", "codes"]
    assert by_bench["scan_single"]["value"] == 1500.0 and by_bench["scan_single"]["run"] == "20261204T090000Z"
    assert by_bench["labels"]["value"] == 4.9 and by_bench["labels"]["run"] == RUN_A
    assert by_bench["codes"]["run"] == "20261204T090000Z"
    assert list(merged["runs"]) == [RUN_A, "20261204T090000Z"]
    assert merged["runs"]["20261204T090000Z"]["commit"] == "bbbbbbb"
    # When no row of a run is left, the run leaves the list too.
    again = results.merge_current(
        merged, run_data("20261205T090000Z", "ccccccc", [result("labels", 5.0, unit="s"), result("worker_page", None, p95_ms=14.0)])
    )
    assert RUN_A not in again["runs"]


def test_the_table_names_target_ceiling_and_run():
    current = seeded()
    door = {"name": "hello at the door", "ratio": 0.8, "value": 1600.0, "unit": "req/s"}
    current = results.merge_current(
        current,
        run_data(
            "20261204T090000Z",
            "bbbbbbb",
            [result("scan_single", 1284.0, ratio=0.42, ceiling="hello", details={"hello_rps": 3057.0, "ceilings": [door]}, met=True)],
        ),
    )
    table = results.render_current(current)
    scan = next(line for line in table.splitlines() if line.startswith("| scan_single"))
    assert "1,284 req/s" in scan and "42 % of hello (3,057 req/s)" in scan and "80 % of hello at the door (1,600 req/s)" in scan
    assert scan.endswith("| yes | R2 |")
    labels = next(line for line in table.splitlines() if line.startswith("| labels"))
    assert "4.9 s" in labels and "10,000 labels < 15 s" in labels and labels.endswith("| R1 |")
    worker = next(line for line in table.splitlines() if line.startswith("| worker_page"))
    assert "p95 15.8 ms, p99 19.1 ms" in worker
    run_lines = [line for line in table.splitlines() if line.startswith("- **R")]
    assert run_lines[0].startswith("- **R1** 2026-11-25T12:00:00+00:00") and "`aaaaaaa`" in run_lines[0]
    assert "`python -m bench all --scale district`" in run_lines[0] and "2 cores (AMD EPYC), 23.5 GB RAM" in run_lines[0]
    assert "`bbbbbbb`" in run_lines[1]


def test_only_the_marked_block_of_benchmarks_md_is_rewritten(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{results.BEGIN}\nold table\n{results.END}\n\n## What a run does\n\nkept\n")
    results.update_benchmarks_md(results.render_current(seeded()), path=path)
    text = path.read_text()
    assert "old table" not in text and "| scan_single title |" in text
    assert text.startswith("# Benchmarks\n\nintro\n") and text.endswith("## What a run does\n\nkept\n")


def test_the_committed_table_is_the_rendering_of_bench_current_json():
    text = (results.env.ROOT / "BENCHMARKS.md").read_text()
    block = text.split(results.BEGIN, 1)[1].split(results.END, 1)[0].strip()
    assert block == results.render_current(results.load_current())


@pytest.fixture
def run_in_tmp(tmp_path, monkeypatch):
    """A run's files (BENCHMARKS.md, bench/current.json, bench/results/) in ``tmp_path``."""
    (tmp_path / "BENCHMARKS.md").write_text(f"# Benchmarks\n\n{results.BEGIN}\n{results.END}\n")
    monkeypatch.setattr(results.env, "ROOT", tmp_path)
    monkeypatch.setattr(results.env, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(results, "CURRENT", tmp_path / "current.json")
    monkeypatch.setattr(results, "machine", lambda database="postgres": {"nproc": 2, "cpu": "test cpu", "memory_gb": 1.0})


def test_a_district_run_writes_its_json_and_updates_the_table(tmp_path, run_in_tmp):
    from bench.context import Context, Result
    from bench.scales import SCALES

    ctx = Context(scale=SCALES["district"], quick=False, marker={}, workers=3)
    ctx.ceilings["hello_rps"] = 3000.0
    ctx.results.append(
        Result(
            "worker_page",
            "worker page",
            value=150.0,
            unit="req/s",
            p95_ms=12.5,
            ratio=0.05,
            ceiling="hello",
            target="p95 < 20 ms",
            met=True,
        )
    )
    ctx.results.append(Result("annual_review", "annual review", status="not built yet"))
    path = results.write(ctx, ["worker"], started=0.0)
    assert path.exists()
    table = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| worker page | 150.0 req/s, p95 12.5 ms | 5 % of hello (3,000 req/s) | p95 < 20 ms | yes | R1 |" in table
    assert "annual review" not in table and "test cpu" in table
    assert [row["bench"] for row in results.load_current()["rows"]] == ["worker_page"]


def test_a_district_run_with_the_growth_suite_keeps_the_growth_table_of_every_scale(tmp_path, run_in_tmp):
    from bench.context import Context, Result
    from bench.scales import SCALES

    # What the growth suite's subprocess left: a small run (--no-markdown writes only its JSON).
    (tmp_path / "results").mkdir()
    small = run_data(
        "20000101T000000Z",
        "sssssss",
        [result("scan_single", 900.0, p95_ms=20.0)],
        command="python -m bench ceiling scan dashboard --scale small",
    )
    small["scale"] = "small"
    small["dataset"] = {"tables": {"bags_collection": 200_000}}
    (tmp_path / "results" / "20000101T000000Z-small.json").write_text(results.json.dumps(small))

    ctx = Context(
        scale=SCALES["district"], quick=False, marker={"dataset": {"stats": {"tables": {"bags_collection": 20_000_000}}}}, workers=3
    )
    ctx.results.append(Result("scan_single", "scan_single title", value=500.0, unit="req/s", p95_ms=70.0))
    ctx.results.append(Result("growth_small", "growth run at scale small", status="ok"))
    results.write(ctx, ["scan", "growth"], started=0.0)

    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| benchmark | small (200,000 scans) | district (20,000,000 scans) |" in text
    assert "| scan_single title | 900 req/s, p95 20.0 ms | 500 req/s, p95 70.0 ms |" in text
    assert "- **small**: 2000-01-01T12:00:00+00:00 · commit `sssssss`" in text

    # A later district run without the growth suite keeps that table as it was.
    ctx.results[:] = [Result("scan_single", "scan_single title", value=600.0, unit="req/s", p95_ms=60.0)]
    results.write(ctx, ["scan"], started=0.0)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| scan_single title | 900 req/s, p95 20.0 ms | 500 req/s, p95 70.0 ms |" in text
    assert "| scan_single title | 600.0 req/s, p95 60.0 ms |" in text
