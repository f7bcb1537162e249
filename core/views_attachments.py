"""Downloading and removing attachments; who may is the owner programme's rule (core.attachments)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import attachments
from core.audit import audit
from core.errors import ApiError

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def download(request, pk):
    try:
        attachment, owner = attachments.attachment_for(request.user, pk)
    except ApiError:
        raise Http404 from None
    audit(actor=request.user, action="attachment.download", obj=owner, changes={"attachment": attachment.pk})
    content_type = CONTENT_TYPES.get(attachment.kind, "application/octet-stream")
    # Served as a download (never rendered inline as the platform's own page) and never cached.
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def remove(request, pk):
    back = request.POST.get("next", "")
    try:
        attachment, owner = attachments.attachment_for(request.user, pk, change=True)
        attachments.attachment_remove(actor=request.user, attachment=attachment, owner=owner)
        messages.success(request, _("附件已删除"))
    except ApiError as error:
        messages.error(request, str(error.message))
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("core:home")
