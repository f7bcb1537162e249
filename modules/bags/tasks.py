"""Background work of the field side (django-tasks): label PDFs of large batches."""

from __future__ import annotations

import logging
import tempfile

from django.core.files import File
from django.utils import timezone
from django_tasks import task

from modules.bags.models import LabelExport

log = logging.getLogger(__name__)


@task()
def labels_generate(export_id: int) -> int:
    """Render a label export's PDF, saving progress as it goes so the batch page can show it."""
    from modules.bags.labels import render_pdf

    export = LabelExport.objects.select_related("batch__organisation").filter(pk=export_id).first()
    if export is None or export.status == LabelExport.Status.READY:
        return 0
    LabelExport.objects.filter(pk=export.pk).update(status=LabelExport.Status.RUNNING, done=0)

    def progress(done: int) -> None:
        LabelExport.objects.filter(pk=export.pk).update(done=done)

    try:
        with tempfile.TemporaryFile() as out:
            count = render_pdf(export.batch, export.layout, export.base_url, out, progress=progress)
            out.seek(0)
            export.file.save(f"batch{export.batch_id}-{export.layout}-{export.pk}.pdf", File(out), save=False)
        LabelExport.objects.filter(pk=export.pk).update(
            status=LabelExport.Status.READY, done=count, file=export.file.name, finished_at=timezone.now()
        )
        return count
    except Exception as exc:  # the page must show the failure instead of spinning forever
        log.exception("label export %s failed", export_id)
        LabelExport.objects.filter(pk=export.pk).update(
            status=LabelExport.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:200], finished_at=timezone.now()
        )
        raise
