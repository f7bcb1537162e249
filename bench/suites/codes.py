"""Code creation: a batch of 100,000 coded bags issued to a union (the service staff use), then
all its 100,000 signed codes computed (what the CSV export and the labels need)."""

from __future__ import annotations

import time

from bench.context import Context, Result


def staff_and_union():
    from core.models import Organisation, User

    actor = User.objects.get(username="bench-district")
    union = Organisation.objects.filter(level="grassroots").order_by("id").first()
    return actor, union


def run(ctx: Context) -> None:
    size = 10_000 if ctx.quick else 100_000
    title = f"code creation: batch of {size:,} bags + their codes"
    target = "100,000 codes < 5 s"
    try:
        from modules.bags import codes
        from modules.bags.services import batch_create
    except ImportError:
        ctx.not_built("codes", title, "modules.bags.services.batch_create", target)
        return
    actor, union = staff_and_union()
    t = time.perf_counter()
    batch = batch_create(actor=actor, organisation=union, size=size, note="bench codes")
    created = time.perf_counter() - t
    t = time.perf_counter()
    n = sum(1 for _ in codes.encode_many(batch.first_bag_id, batch.last_bag_id))
    encoded = time.perf_counter() - t
    total = created + encoded
    ctx.add(
        Result(
            "codes",
            title,
            value=round(total, 2),
            unit="s",
            target=target,
            met=(total * 100_000 / size) < 5,
            details={"batch_create_s": round(created, 3), "encode_s": round(encoded, 3), "codes": n},
            note=f"batch_create {created:.2f} s (one INSERT … generate_series) + encode {encoded:.2f} s ({n / encoded:,.0f} codes/s)",
        )
    )
