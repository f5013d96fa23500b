"""Profile photos: checked by content, resized, and re-encoded without metadata (EXIF, GPS)."""

from __future__ import annotations

import io
import uuid
import warnings
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.common.exceptions import ValidationFailed

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(details={"photo": [message]})


def sanitize_profile_photo(upload: IO[bytes], *, size: int | None) -> ContentFile[bytes]:
    """Return a clean copy of ``upload``: JPEG/PNG/WebP only, at most PROFILE_PHOTO_MAX_DIMENSION px on each
    side, no EXIF or other metadata. Raises ValidationFailed for anything else."""
    limit = settings.PROFILE_PHOTO_MAX_BYTES
    if size is not None and size > limit:
        raise _invalid(f"The photo must be at most {limit // (1024 * 1024)} MB.")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _invalid(f"The photo must be at most {limit // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                if image_format not in ALLOWED_FORMATS:
                    raise _invalid("Upload a JPEG, PNG or WebP image.")
                if probe.width * probe.height > MAX_PIXELS:
                    raise _invalid("The image has too many pixels.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                oriented = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _invalid("Upload a JPEG, PNG or WebP image.") from exc

    maximum = settings.PROFILE_PHOTO_MAX_DIMENSION
    oriented.thumbnail((maximum, maximum), Image.Resampling.LANCZOS)
    # Copy the pixels only: a new image carries no EXIF, XMP, ICC comments or GPS tags.
    mode = "RGB" if image_format == "JPEG" else ("RGBA" if "A" in oriented.getbands() else "RGB")
    clean = Image.new(mode, oriented.size)
    clean.paste(oriented.convert(mode))
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[image_format]}")
