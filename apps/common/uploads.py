"""Every upload goes through here: pictures checked by content and re-encoded clean, sizes capped while reading,
and stored files removed once the transaction that replaced or deleted them commits.

Pictures are checked with Pillow, resized and re-encoded from the pixels only, so EXIF (GPS position, camera
serial), XMP, comments and anything hidden after the image data are dropped; an image that is also something
else (a polyglot: trailing archive, embedded markup) is refused outright and never stored, not even in a cleaned
form. Used for trek and guide photos (``apps.treks``), profile photos (``apps.users``) and community photos;
each caller keeps its own limits and turns :class:`ImageInvalid` into its own error response.
"""

from __future__ import annotations

import io
import logging
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
MEGABYTE = 1024 * 1024


_END_MARKERS = {"JPEG": b"\xff\xd9", "PNG": b"IEND\xaeB`\x82"}
# Markup or executables that have no business inside a photo (lower-cased search).
_FOREIGN_SIGNATURES = (b"<?php", b"<script", b"<html", b"<!doctype", b"<svg", b"<iframe", b"javascript:")


def polyglot_reason(data: bytes, image_format: str | None) -> str | None:
    """Why ``data`` (already identified by Pillow as ``image_format``) is not a plain image, or None."""
    end = _END_MARKERS.get(image_format or "")
    if end is not None and not data.rstrip(b"\x00\r\n\t ").endswith(end):
        return "The file carries data after the end of the image."
    lowered = data.lower()
    if any(signature in lowered for signature in _FOREIGN_SIGNATURES):
        return "The file carries markup or script inside the image."
    return None


class ImageInvalid(ValueError):
    """The upload is not acceptable (the message says why, for the client)."""


class UploadTooLarge(ImageInvalid):
    """The upload is larger than its limit (``max_bytes``)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"An image may be at most {max_bytes // MEGABYTE} MB.")
        self.max_bytes = max_bytes


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # "jpg", "png" or "webp"


def read_limited(upload: IO[bytes], *, max_bytes: int, size: int | None = None) -> bytes:
    """Read at most ``max_bytes`` from ``upload``; UploadTooLarge when its declared ``size`` (by default its
    ``size`` attribute, as Django's uploaded files have) or what it holds is more."""
    size = getattr(upload, "size", None) if size is None else size
    if size is not None and size > max_bytes:
        raise UploadTooLarge(max_bytes)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadTooLarge(max_bytes)
    return data


def reencode_image(data: bytes, *, max_bytes: int, max_edge: int, keep_format: bool = False) -> CleanImage:
    """Validate ``data`` as a JPEG/PNG/WebP picture and return a clean copy.

    The copy is at most ``max_edge`` pixels on its longest side, turned upright by its EXIF orientation and
    made of pixels only. ``keep_format`` keeps PNG/WebP (with transparency); otherwise the result is a JPEG
    (transparent areas on white).
    """
    if len(data) > max_bytes:
        raise UploadTooLarge(max_bytes)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                if image_format not in ACCEPTED_FORMATS:
                    raise ImageInvalid("Only JPEG, PNG and WebP images are accepted.")
                reason = polyglot_reason(data, image_format)
                if reason:
                    raise ImageInvalid(reason)
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageInvalid("The image has too many pixels.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image: Image.Image = ImageOps.exif_transpose(opened)  # upright once EXIF is gone
    except ImageInvalid:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageInvalid("The file is not a readable JPEG, PNG or WebP image.") from exc

    image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    out_format = image_format if keep_format else "JPEG"
    transparent = "A" in image.getbands() or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    # A new image of the same pixels carries no EXIF, XMP, ICC comments or GPS tags.
    if out_format == "JPEG":
        clean = Image.new("RGB", image.size, (255, 255, 255))
        if transparent:
            rgba = image.convert("RGBA")
            clean.paste(rgba, mask=rgba.getchannel("A"))
        else:
            clean.paste(image.convert("RGB"))
        clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    else:
        mode = "RGBA" if transparent else "RGB"
        clean = Image.new(mode, image.size)
        clean.paste(image.convert(mode))
        if out_format == "PNG":
            clean.save(out, format="PNG", optimize=True)
        else:
            clean.save(out, format="WEBP", quality=85)
    return CleanImage(data=out.getvalue(), extension=ACCEPTED_FORMATS[str(out_format)])


def image_upload_clean(
    upload: IO[bytes], *, max_bytes: int, max_edge: int, keep_format: bool = False, size: int | None = None
) -> ContentFile[bytes]:
    """Read ``upload`` (at most ``max_bytes``) and return a clean re-encoded copy under a random name, ready for
    an ``ImageField``. Raises :class:`UploadTooLarge` or :class:`ImageInvalid` (see :func:`reencode_image`)."""
    data = read_limited(upload, max_bytes=max_bytes, size=size)
    clean = reencode_image(data, max_bytes=max_bytes, max_edge=max_edge, keep_format=keep_format)
    return ContentFile(clean.data, name=f"{uuid.uuid4().hex}.{clean.extension}")


def file_delete_on_commit(storage: Storage, *names: str | None) -> None:
    """Delete the stored files ``names`` (empty ones skipped) once the current transaction commits (at once
    outside one): a rolled-back replacement keeps the old file. A storage error leaves an orphan, logged."""
    stored = [name for name in names if name]
    if not stored:
        return

    def _delete() -> None:
        for name in stored:
            try:
                storage.delete(name)
            except OSError:  # pragma: no cover - storage hiccup; the file is only an orphan
                logger.warning("could not delete %s", name)

    transaction.on_commit(_delete)
