"""Checking a finding's photo before it is stored: at most 5 MB, and really a JPEG, PNG or WebP
image (the content is decoded, the file name and the browser's content type are not trusted).

What is stored is not the upload but the decoded picture written again in its own format: a
phone's EXIF block (the GPS position where it was taken, the device) is left behind, the picture
is turned upright first (the orientation lived in that block), and a file that does not decode
to the end (cut off, or with a payload after the image) never reaches the archive.
"""

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from quality.errors import QualityError

MAX_BYTES = 5 * 1024 * 1024
# Pillow's format name -> the extension the stored file gets.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Far beyond any phone camera; refuses decompression bombs before decoding.
MAX_PIXELS = 60_000_000
# Written again at a quality that keeps a finding legible; PNG stays lossless.
SAVE_OPTIONS = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}, "PNG": {"optimize": True}}


@dataclass(frozen=True)
class CleanPhoto:
    extension: str
    content: ContentFile


def clean(upload) -> CleanPhoto:
    """The photo to store: decoded whole, upright, without metadata, in its own format. Raises
    QualityError with the reason for anything that is not such a photo."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > MAX_BYTES:
        raise QualityError(
            _("The photo is larger than %(mb)s MB; please send a smaller one.")
            % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise QualityError(_("The photo is empty."))
    not_a_photo = QualityError(_("The photo must be a JPEG, PNG or WebP image."))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            if kind not in FORMATS or width * height > MAX_PIXELS:
                raise not_a_photo
            image.load()  # decodes every byte: a truncated file raises here
            upright = ImageOps.exif_transpose(image)
            if kind == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            buffer = io.BytesIO()
            upright.save(buffer, format=kind, **SAVE_OPTIONS[kind])
    except QualityError:
        raise
    except Exception as exc:
        raise not_a_photo from exc
    finally:
        upload.seek(0)
    return CleanPhoto(FORMATS[kind], ContentFile(buffer.getvalue()))
