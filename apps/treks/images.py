"""Image uploads: checked by content with Pillow, re-encoded (which drops EXIF and anything hidden)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from apps.common.uploads import polyglot_reason

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_EDGE = 2560  # longest edge kept
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


class ImageInvalid(ValueError):
    """The upload is not an acceptable image."""


def reencode_image(data: bytes) -> bytes:
    """Validate ``data`` as a JPEG/PNG/WebP picture and return it re-encoded as a clean JPEG."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageInvalid(f"An image may be at most {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageInvalid("Only JPEG, PNG and WebP images are accepted.")
            reason = polyglot_reason(data, probe.format)
            if reason:
                raise ImageInvalid(reason)
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ImageInvalid("The image has too many pixels.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)
            if image.mode in ("RGBA", "LA", "P"):
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, (255, 255, 255))
                image.paste(rgba, mask=rgba.getchannel("A"))
            elif image.mode != "RGB":
                image = image.convert("RGB")
            image.thumbnail((MAX_EDGE, MAX_EDGE))
            out = io.BytesIO()
            # No exif= / icc_profile= arguments: the new file carries pixels only.
            image.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    except ImageInvalid:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageInvalid("The file is not a readable image.") from exc
    return out.getvalue()
