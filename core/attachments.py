"""One attachment service for every programme: the type sniffed from the bytes, the size and the
number of files limited, the file kept in the private storage, every add, removal and download in
the audit log. Who may see or change an owner's attachments is the owner programme's rule
(``registry.add_attachment_owner``)."""

from __future__ import annotations

import hashlib
import posixpath
import zipfile

from django.db import transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Forbidden, Invalid, NotFound
from core.images import check_image
from core.models import Attachment
from core.registry import registry

MAX_BYTES = 20 * 1024 * 1024
MAX_PER_OBJECT = 20
NAME_MAX = 120
OFFICE = {
    "word/": "docx",
    "xl/": "xlsx",
}


def _label(obj) -> str:
    return obj._meta.label_lower


def _rules(obj) -> tuple:
    found = registry.attachment_owners.get(_label(obj))
    if found is None:
        raise Forbidden("attachment_not_allowed", _("该对象不能上传附件"))
    return import_string(found[0]), import_string(found[1])


def may_view(user, obj) -> bool:
    return _rules(obj)[0](user, obj)


def may_change(user, obj) -> bool:
    return _rules(obj)[1](user, obj)


def _sniff(upload, field: str) -> str:
    """pdf, image, docx or xlsx — from the bytes, never from the name or the browser's word."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            for prefix, kind in OFFICE.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
    else:
        try:
            check_image(upload, field=field, max_bytes=MAX_BYTES)
            return "image"
        except Invalid as refused:
            if refused.code != "photo_invalid":
                raise  # a real image that is too big or has too many pixels says so
    raise Invalid("attachment_type", _("只能上传 PDF、图片（JPEG/PNG/WebP/GIF）、Word 或 Excel 文件"), field=field)


def _clean_name(raw: str) -> str:
    name = posixpath.basename((raw or "").replace("\\", "/")).strip() or "file"
    stem, dot, extension = name.rpartition(".")
    if len(name) > NAME_MAX:
        name = (stem[: NAME_MAX - len(extension) - 1] + "." + extension) if dot else name[:NAME_MAX]
    return name


def attachment_add(*, actor, owner, upload, field: str = "file") -> Attachment:
    if not may_change(actor, owner):
        raise Forbidden("forbidden", _("没有权限为此上传附件"))
    if upload is None or not getattr(upload, "size", 0):
        raise Invalid("attachment_missing", _("请选择要上传的文件"), field=field)
    if upload.size > MAX_BYTES:
        raise Invalid("attachment_too_large", _("附件不能超过 20 MB"), field=field)
    kind = _sniff(upload, field)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        # One owner's files are counted under a lock on the owner, so two uploads at once cannot pass the cap.
        type(owner).objects.select_for_update().filter(pk=owner.pk).exists()
        if attachments_of(owner).count() >= MAX_PER_OBJECT:
            raise Invalid("attachment_too_many", _("每项最多上传 %(n)s 个附件") % {"n": MAX_PER_OBJECT}, field=field)
        name = _clean_name(getattr(upload, "name", ""))
        attachment = Attachment(
            object_type=_label(owner),
            object_id=str(owner.pk),
            name=name,
            kind=kind,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        audit(actor=actor, action="attachment.add", obj=owner, changes={"attachment": attachment.pk, "name": name, "kind": kind})
    return attachment


def attachments_of(owner) -> QuerySet[Attachment]:
    return Attachment.objects.filter(object_type=_label(owner), object_id=str(owner.pk)).order_by("uploaded_at", "pk")


def owner_of(attachment: Attachment):
    from django.apps import apps

    model = apps.get_model(attachment.object_type)
    return model._default_manager.filter(pk=attachment.object_id).first()


def attachment_for(user, pk: int, *, change: bool = False) -> tuple[Attachment, object]:
    """The attachment and its owner, if ``user`` may see (or change) it; otherwise NotFound, so
    an attachment nobody may see looks the same as one that does not exist."""
    attachment = Attachment.objects.filter(pk=pk).first()
    owner = owner_of(attachment) if attachment else None
    if owner is None or not (may_change if change else may_view)(user, owner):
        raise NotFound("not_found", _("找不到该附件"))
    return attachment, owner


def attachment_remove(*, actor, attachment: Attachment, owner) -> None:
    if not may_change(actor, owner):
        raise Forbidden("forbidden", _("没有权限删除此附件"))
    with transaction.atomic():
        audit(actor=actor, action="attachment.remove", obj=owner, changes={"attachment": attachment.pk, "name": attachment.name})
        attachment.delete()
    attachment.file.delete(save=False)
