"""Checking a finding's photo before it is stored: at most 5 MB, and really a JPEG, PNG or WebP
image (the content is decoded, the file name and the browser's content type are not trusted)."""

from django.utils.translation import gettext as _
from PIL import Image

from quality.errors import QualityError

MAX_BYTES = 5 * 1024 * 1024
# Pillow's format name -> the extension the stored file gets.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Far beyond any phone camera; refuses decompression bombs before decoding.
MAX_PIXELS = 60_000_000


def validate(upload) -> str:
    """Return the extension for a valid photo; raise QualityError with the reason otherwise."""
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
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError("too many pixels")
            image.verify()
    except Exception as exc:
        raise QualityError(_("The photo must be a JPEG, PNG or WebP image.")) from exc
    finally:
        upload.seek(0)
    if kind not in FORMATS:
        raise QualityError(_("The photo must be a JPEG, PNG or WebP image."))
    return FORMATS[kind]
