"""One attachment service: the type from the bytes, limits, private files, the owner's rules."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import attachments
from core.errors import ApiError
from core.models import AuditLog, Organisation
from core.registry import registry

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(width=4, height=4) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def may_view_org(user, org) -> bool:
    from core import scoping

    return scoping.can_view_organisation(user, org)


def may_change_org(user, org) -> bool:
    from core import scoping

    return scoping.can_manage_organisation(user, org)


@pytest.fixture
def owner(world, monkeypatch, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    monkeypatch.setitem(registry.attachment_owners, "core.organisation", (f"{__name__}.may_view_org", f"{__name__}.may_change_org"))
    return world.org_a1


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("专利证书.pdf", PDF, "pdf"), ("现场.png", None, "image"), ("说明.docx", None, "docx")],
)
def test_pdfs_images_and_office_files_are_kept_privately(world, owner, name, content, kind):
    content = content or (png() if kind == "image" else docx())
    attachment = attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload(name, content))
    assert attachment.kind == kind and attachment.name == name and attachment.size == len(content)
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - a private file has no public address
    assert AuditLog.objects.filter(action="attachment.add").count() == 1


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("病毒.pdf", b"MZ\x90\x00 not a pdf at all", "attachment_type"),
        ("伪装.png", b"<html><script>alert(1)</script></html>", "attachment_type"),
        ("压缩包.docx", b"PK\x03\x04 broken zip", "attachment_type"),
        ("空.pdf", b"", "attachment_missing"),
    ],
)
def test_anything_else_is_refused_with_the_reason(world, owner, name, content, code):
    with pytest.raises(ApiError) as refused:
        attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload(name, content))
    assert refused.value.code == code and refused.value.field == "file"
    assert not attachments.attachments_of(owner).exists()


def test_an_image_bomb_and_an_oversize_file_are_refused(world, owner, monkeypatch):
    from core import images

    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    with pytest.raises(ApiError) as bomb:
        attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload("大图.png", png(20, 20)))
    assert bomb.value.code == "photo_too_many_pixels"
    monkeypatch.setattr(attachments, "MAX_BYTES", 10)
    with pytest.raises(ApiError) as big:
        attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload("大.pdf", PDF))
    assert big.value.code == "attachment_too_large"


def test_at_most_twenty_files_per_object(world, owner, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_OBJECT", 2)
    for i in range(2):
        attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload(f"{i}.pdf", PDF))
    with pytest.raises(ApiError) as third:
        attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload("3.pdf", PDF))
    assert third.value.code == "attachment_too_many"


def test_downloads_and_removals_follow_the_owners_rules(world, owner):
    attachment = attachments.attachment_add(actor=world.admin_a1, owner=owner, upload=upload("证书.pdf", PDF))
    url = reverse("core:attachment_download", args=[attachment.pk])
    page = world.client_for(world.street_a_staff).get(url)
    assert page.status_code == 200 and b"".join(page.streaming_content) == PDF
    assert "attachment" in page["Content-Disposition"] and "no-store" in page["Cache-Control"]
    assert AuditLog.objects.filter(action="attachment.download", actor=world.street_a_staff).exists()
    for outsider in (world.admin_b1, world.street_b_staff, world.worker_a1.user):
        assert world.client_for(outsider).get(url).status_code == 404
    remove = reverse("core:attachment_remove", args=[attachment.pk])
    world.client_for(world.street_b_staff).post(remove)
    assert attachments.attachments_of(owner).count() == 1
    world.client_for(world.admin_a1).post(remove)
    assert attachments.attachments_of(owner).count() == 0
    assert world.client_for(world.admin_a1).get(url).status_code == 404


def test_an_object_whose_programme_takes_no_attachments_is_refused(world):
    with pytest.raises(ApiError) as refused:
        attachments.attachment_add(actor=world.district_staff, owner=Organisation.objects.first(), upload=upload("x.pdf", PDF))
    assert refused.value.code == "attachment_not_allowed"
