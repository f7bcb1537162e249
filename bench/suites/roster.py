"""Roster import: a 50,000-row xlsx (and the same as CSV) uploaded into one grassroots union,
through the import service the roster page uses (validation of every row, duplicate checks
against the database, one all-or-nothing write). The imported members are removed afterwards
so the data set stays as built."""

from __future__ import annotations

import io
import random
import time

from bench import env
from bench.context import Context, Result
from bench.dataset import person_name

UNION_NAME = "基准测试名册导入工会"


def _union():
    from core.models import Organisation

    union = Organisation.objects.filter(name=UNION_NAME).first()
    if union is None:
        street = Organisation.objects.filter(level="street").order_by("id").first()
        union = Organisation(name=UNION_NAME, level="grassroots", kind="enterprise", parent=street, street=street)
        union.save()
    return union


def _rows(n: int, run: int) -> list[list]:
    rng = random.Random(run)
    return [
        [person_name(rng), f"15{run % 10}{i:08d}", f"R{i:06d}", rng.choice(["男", "女"]), 1965 + i % 40, "", "2024-03-01", ""]
        for i in range(n)
    ]


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名册")
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(header: list[str], rows: list[list]) -> bytes:
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _cleanup(ctx: Context, union_id: int) -> None:
    with env.connect(ctx.scale, autocommit=True) as conn:
        conn.execute("DELETE FROM core_member WHERE organisation_id = %s", [union_id])
        conn.execute("UPDATE core_organisation SET member_count = 0 WHERE id = %s", [union_id])


def run(ctx: Context) -> None:
    n = 5_000 if ctx.quick else 50_000
    target = "50,000 rows (no figure set)"
    try:
        from core.roster import COLUMNS, roster_import
    except ImportError:
        ctx.not_built("roster_import", f"roster import of {n:,} rows", "core.roster.roster_import", target)
        return
    from core.models import User

    actor = User.objects.get(username="bench-district")
    union = _union()
    header = [str(label) for _field, label in COLUMNS]
    for fmt, maker in (("xlsx", _xlsx), ("csv", _csv)):
        _cleanup(ctx, union.pk)
        rows = _rows(n, run=1 if fmt == "xlsx" else 2)
        data = maker(header, rows)
        t = time.perf_counter()
        try:
            result = roster_import(actor=actor, organisation=union, filename=f"roster.{fmt}", data=data)
        except Exception as exc:  # noqa: BLE001
            detail = getattr(exc, "extra", {}) or {}
            ctx.add(
                Result(
                    f"roster_import_{fmt}",
                    f"roster import of {n:,} rows ({fmt})",
                    status="error",
                    note=f"{type(exc).__name__}: {getattr(exc, 'message', exc)} {str(detail.get('rows', ''))[:200]}",
                )
            )
            continue
        seconds = time.perf_counter() - t
        created = result.get("created", 0) if isinstance(result, dict) else 0
        ctx.add(
            Result(
                f"roster_import_{fmt}",
                f"roster import of {n:,} rows ({fmt}, {len(data) / 1e6:.1f} MB)",
                status="ok" if created == n else "error",
                value=round(seconds, 2),
                unit="s",
                target=target,
                details={"created": created, "bytes": len(data)},
                note=f"{created:,} members created, {created / seconds:,.0f} rows/s",
            )
        )
    _cleanup(ctx, union.pk)
