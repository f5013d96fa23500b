"""Trek, gallery and guide pictures: validated and re-encoded as clean JPEGs by ``apps.common.images``."""

from __future__ import annotations

from apps.common.images import ImageInvalid
from apps.common.images import reencode_image as _reencode

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_EDGE = 2560  # longest edge kept

__all__ = ["MAX_EDGE", "MAX_IMAGE_BYTES", "ImageInvalid", "reencode_image"]


def reencode_image(data: bytes) -> bytes:
    """Validate ``data`` as a JPEG/PNG/WebP picture and return it re-encoded as a clean JPEG."""
    return _reencode(data, max_bytes=MAX_IMAGE_BYTES, max_edge=MAX_EDGE).data
