"""Profile photos: checked by content, resized, and re-encoded without metadata (EXIF, GPS) by
``apps.common.images``; the format (JPEG, PNG or WebP) is kept."""

from __future__ import annotations

import uuid
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile

from apps.common.exceptions import ValidationFailed
from apps.common.images import ImageInvalid, read_limited, reencode_image


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(details={"photo": [message]})


def sanitize_profile_photo(upload: IO[bytes], *, size: int | None) -> ContentFile[bytes]:
    """Return a clean copy of ``upload``: JPEG/PNG/WebP only, at most PROFILE_PHOTO_MAX_DIMENSION px on each
    side, no EXIF or other metadata. Raises ValidationFailed for anything else."""
    limit = settings.PROFILE_PHOTO_MAX_BYTES
    too_big = f"The photo must be at most {limit // (1024 * 1024)} MB."
    if size is not None and size > limit:
        raise _invalid(too_big)
    try:
        data = read_limited(upload, max_bytes=limit)
    except ImageInvalid as exc:
        raise _invalid(too_big) from exc
    try:
        clean = reencode_image(data, max_bytes=limit, max_edge=settings.PROFILE_PHOTO_MAX_DIMENSION, keep_format=True)
    except ImageInvalid as exc:
        raise _invalid(str(exc)) from exc
    return ContentFile(clean.data, name=f"{uuid.uuid4().hex}.{clean.extension}")
