"""One check for every uploaded image (scan photos, station photos and problem reports,
inspection photos, prize pictures): the type sniffed from the bytes, the file size and the
pixel count limited, anything else refused with a clear Chinese 4xx.

Pillow refuses an image declaring more than ~179 million pixels by raising
``DecompressionBombError`` — not an ``OSError`` — so a 100-byte PNG whose header says
100000×100000 answered 500 where the checks caught only the decoding errors (issue 29, finding
7). The pixel count is read from the header, before anything is decoded, and limited far lower.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _

from core.errors import Invalid

# What phones and office PCs send; HEIC is converted to JPEG by the browsers that upload it.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_BYTES = 8 * 1024 * 1024
# 50 megapixels: a 48 MP phone camera's full-size photo fits; decoding one takes ~150 MB.
MAX_PIXELS = 50_000_000


def check_image(upload, *, field: str = "photo", max_bytes: int = MAX_BYTES) -> str:
    """The image's format (``JPEG``…) if ``upload`` is an image we accept, else ``Invalid``.

    Leaves the file at its start for whoever saves it next.
    """
    from PIL import Image

    if upload.size is not None and upload.size > max_bytes:
        raise Invalid("photo_too_large", _("照片不能超过 %(mb)s MB") % {"mb": max_bytes // (1024 * 1024)}, field=field)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns from ~89 million pixels; the limit below refuses long before.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=FORMATS)  # reads the header only
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(field, width, height)
            image.verify()
            return image.format
    except Image.DecompressionBombError:
        raise _too_many_pixels(field)
    except Invalid:
        raise
    except Exception:  # whatever a malformed file makes the decoder raise (as Django's ImageField)
        raise Invalid("photo_invalid", _("照片格式无法识别，请上传 JPG、PNG、WebP 或 GIF 图片"), field=field)
    finally:
        upload.seek(0)


def _too_many_pixels(field: str, width: int | None = None, height: int | None = None) -> Invalid:
    limit = MAX_PIXELS // 10_000
    if width:
        message = _("照片尺寸 %(width)s×%(height)s 像素超出上限（最多 %(limit)s 万像素），请缩小后再上传") % {
            "width": width,
            "height": height,
            "limit": limit,
        }
    else:
        message = _("照片尺寸超出上限（最多 %(limit)s 万像素），请缩小后再上传") % {"limit": limit}
    return Invalid("photo_too_many_pixels", message, field=field)


class ImageUploadField(forms.ImageField):
    """A form's image field that applies ``check_image`` first, so a page shows the same clear
    reason beside the field (Django's own says only "upload a valid image")."""

    def __init__(self, *args, max_bytes: int = MAX_BYTES, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    def to_python(self, data):
        if data not in self.empty_values and hasattr(data, "seek"):
            try:
                check_image(data, field="", max_bytes=self.max_bytes)
            except Invalid as error:
                raise forms.ValidationError(str(error.message), code=error.code)
        return super().to_python(data)


@dataclass(frozen=True)
class PhotoStamp:
    """When and where a photo says it was taken (its EXIF data, as the camera wrote it)."""

    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None

    @property
    def complete(self) -> bool:
        return self.taken_at is not None and self.latitude is not None and self.longitude is not None


def photo_stamp(upload) -> PhotoStamp:
    """Read the time and GPS position an (already checked) photo carries; missing parts are None.

    A camera writes local time without a zone (EXIF 2.3's offset tag is optional and rare), so a
    time without an offset is read in the platform's zone. Leaves the file at its start.
    """
    from PIL import ExifTags, Image

    upload.seek(0)
    try:
        with Image.open(upload, formats=FORMATS) as image:
            exif = image.getexif()
            taken = exif.get_ifd(ExifTags.IFD.Exif)
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
            return PhotoStamp(
                _exif_time(taken.get(ExifTags.Base.DateTimeOriginal), taken.get(ExifTags.Base.OffsetTimeOriginal)),
                _exif_degrees(gps.get(2), gps.get(1), "NS"),
                _exif_degrees(gps.get(4), gps.get(3), "EW"),
            )
    except Exception:  # a photo without readable EXIF simply carries no stamp
        return PhotoStamp(None, None, None)
    finally:
        upload.seek(0)


def _exif_time(raw, offset) -> datetime | None:
    from django.utils import timezone

    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        if isinstance(offset, str) and offset.strip("\x00 "):
            return datetime.strptime(f"{moment:%Y-%m-%d %H:%M:%S}{offset.strip()}", "%Y-%m-%d %H:%M:%S%z")
        return timezone.make_aware(moment)
    except (ValueError, OverflowError):
        return None


def _exif_degrees(value, ref, refs: str) -> Decimal | None:
    if not value or len(value) != 3 or not isinstance(ref, str) or ref.strip("\x00 ")[:1] not in refs:
        return None
    try:
        degrees, minutes, seconds = (Decimal(str(float(part))) for part in value)
    except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    limit = 90 if refs == "NS" else 180
    if not (0 <= result <= limit):
        return None
    sign = -1 if ref.strip("\x00 ")[:1] in "SW" else 1
    return (sign * result).quantize(Decimal("0.000001"))
