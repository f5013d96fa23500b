"""Pictures uploaded by anyone: checked by content with Pillow, resized and re-encoded from the pixels only,
so EXIF (GPS position, camera serial), XMP, comments and anything hidden after the image data are dropped;
an image that is also something else (a polyglot: trailing archive, embedded markup) is refused outright.

Used for trek and guide photos (``apps.treks``), profile photos (``apps.users``) and community photos.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from apps.common.uploads import polyglot_reason

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before Pillow's own limit
MEGABYTE = 1024 * 1024


class ImageInvalid(ValueError):
    """The upload is not an acceptable image (the message says why, for the client)."""


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    extension: str  # "jpg", "png" or "webp"


def read_limited(upload: IO[bytes], *, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from ``upload``; ImageInvalid when there is more."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageInvalid(f"An image may be at most {max_bytes // MEGABYTE} MB.")
    return data


def reencode_image(data: bytes, *, max_bytes: int, max_edge: int, keep_format: bool = False) -> CleanImage:
    """Validate ``data`` as a JPEG/PNG/WebP picture and return a clean copy.

    The copy is at most ``max_edge`` pixels on its longest side, turned upright by its EXIF orientation and
    made of pixels only. ``keep_format`` keeps PNG/WebP (with transparency); otherwise the result is a JPEG
    (transparent areas on white).
    """
    if len(data) > max_bytes:
        raise ImageInvalid(f"An image may be at most {max_bytes // MEGABYTE} MB.")
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
