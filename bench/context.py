"""What one run shares: the scale, the data set's marker, the servers, the ceilings, the results."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.scales import Scale


@dataclass
class Result:
    bench: str
    title: str
    status: str = "ok"  # ok | miss | not built yet | error | skipped
    value: float | None = None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    ratio: float | None = None  # to the ceiling measured in the same run
    ceiling: str = ""
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    note: str = ""
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Context:
    scale: Scale
    quick: bool
    marker: dict
    workers: int = 4
    port_base: int = 8300
    growth_scales: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    keep_feature_data: bool = False
    convert_rows: int | None = None  # the convert suite's collections (None: from the scale)
    keep_convert_db: bool = False  # the convert suite's scratch database kept after the run
    results: list[Result] = field(default_factory=list)
    ceilings: dict = field(default_factory=dict)
    servers: dict = field(default_factory=dict)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="uh-bench-")))

    @property
    def secret(self) -> str:
        return self.marker["secret"]["key"]

    def seconds(self, full: float) -> float:
        """The load duration: short in --quick (the CI smoke run), full otherwise."""
        return 3 if self.quick else full

    def add(self, result: Result) -> Result:
        self.results.append(result)
        shown = f"{result.value:,.1f} {result.unit}" if result.value is not None else result.status
        extra = f" p95 {result.p95_ms:.1f} ms" if result.p95_ms is not None and "p95" not in result.unit else ""
        extra += f" p99 {result.p99_ms:.1f} ms" if result.p99_ms is not None else ""
        ratio = f" ({result.ratio:.0%} of {result.ceiling})" if result.ratio is not None else ""
        print(
            f"  → {result.title}: {shown}{extra}{ratio} {'[' + result.status + ']' if result.status != 'ok' else ''} {result.note}",
            flush=True,
        )
        return result

    def not_built(self, bench: str, title: str, what: str, target: str = "") -> Result:
        return self.add(Result(bench, title, status="not built yet", target=target, note=f"{what} does not exist yet"))

    def ratio_to(self, value: float | None, ceiling: str) -> float | None:
        base = self.ceilings.get(ceiling)
        if value is None or not base:
            return None
        return round(value / base, 3)
