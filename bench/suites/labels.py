"""Label PDF: 10,000 QR labels of a batch, through the export service and its background task
(as the batch page asks for it), the PDF checked for its page count."""

from __future__ import annotations

import time

from bench.context import Context, Result


def run(ctx: Context) -> None:
    size = 1_000 if ctx.quick else 10_000
    title = f"label PDF of {size:,} labels"
    target = "10,000 labels < 15 s"
    try:
        from modules.bags import labels
        from modules.bags.services import batch_create
    except ImportError:
        ctx.not_built("labels", title, "modules.bags.labels", target)
        return
    from bench.suites.codes import staff_and_union

    actor, union = staff_and_union()
    batch = batch_create(actor=actor, organisation=union, size=size, note="bench labels")
    layout = next(iter(getattr(labels, "LAYOUTS", {"a4_3x8": None})))
    per_page = labels.LAYOUTS[layout].per_page if hasattr(labels, "LAYOUTS") else None
    via = "render_pdf"
    t = time.perf_counter()
    try:
        from modules.bags.models import LabelExport
        from modules.bags.services import label_export_request
        from modules.bags.tasks import labels_generate

        export = label_export_request(actor=actor, batch=batch, layout=layout, base_url="https://unionhub.example.cn")
        t = time.perf_counter()
        count = labels_generate.call(export.pk)
        seconds = time.perf_counter() - t
        export = LabelExport.objects.get(pk=export.pk)
        with export.file.open("rb") as f:
            pdf = f.read()
        via = "label_export_request + tasks.labels_generate"
    except ImportError:
        t = time.perf_counter()
        pdf = labels.render_pdf_bytes(batch, layout, "https://unionhub.example.cn")
        seconds = time.perf_counter() - t
        count = size
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    expected = -(-size // per_page) if per_page else None
    ok = expected is None or pages == expected
    ctx.add(
        Result(
            "labels",
            title,
            status="ok" if ok else "error",
            value=round(seconds, 2),
            unit="s",
            target=target,
            met=(seconds * 10_000 / size) < 15 and ok,
            details={"labels": count, "pages": pages, "bytes": len(pdf), "layout": layout, "via": via},
            note=f"{via}, layout {layout}: {pages} pages, {len(pdf) / 1e6:.1f} MB, {count / seconds:,.0f} labels/s"
            + ("" if ok else f"; expected {expected} pages"),
        )
    )
