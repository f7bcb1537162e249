"""The optional photo of a scan, uploaded after the scan itself."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound
from core.images import check_image
from core.models import User
from modules.bags.models import Collection


def attach_photo(*, actor: User, client_id: str, photo) -> Collection:
    """Attach the optional photo of a scan after it was recorded (uploads separately from the scan)."""
    collection = Collection.objects.filter(client_id=client_id).first()
    if collection is None:
        raise NotFound("not_found", _("找不到该扫描记录"), field="client_id")
    if collection.collector_id != actor.pk:
        raise Forbidden("forbidden", _("只能为自己的扫描记录上传照片"))
    check_image(photo, field="photo")
    collection.photo.save(f"{collection.pk}.jpg", photo, save=True)
    return collection
