"""apps.common.uploads: content checks and clean re-encoding shared by every upload of pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from apps.common.uploads import ImageInvalid, read_limited, reencode_image


def _encoded(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def test_jpeg_output_drops_exif_and_flattens_transparency() -> None:
    exif = Image.Exif()
    exif[0x010F] = "TrailCam"
    photo = _encoded(Image.new("RGB", (300, 200), (10, 20, 30)), "JPEG", exif=exif)
    clean = reencode_image(photo, max_bytes=10**6, max_edge=150)
    result = Image.open(io.BytesIO(clean.data))
    assert (result.format, result.size, clean.extension) == ("JPEG", (150, 100), "jpg")
    assert not result.getexif()

    transparent = _encoded(Image.new("RGBA", (20, 20), (0, 0, 0, 0)), "PNG")
    flat = Image.open(io.BytesIO(reencode_image(transparent, max_bytes=10**6, max_edge=50).data))
    assert flat.mode == "RGB"
    assert flat.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize(("fmt", "extension"), [("PNG", "png"), ("WEBP", "webp")])
def test_keep_format_keeps_png_and_webp_with_alpha(fmt: str, extension: str) -> None:
    data = _encoded(Image.new("RGBA", (40, 40), (0, 128, 0, 100)), fmt)
    clean = reencode_image(data, max_bytes=10**6, max_edge=20, keep_format=True)
    result = Image.open(io.BytesIO(clean.data))
    assert (result.format, result.mode, result.size, clean.extension) == (fmt, "RGBA", (20, 20), extension)


def test_refusals() -> None:
    with pytest.raises(ImageInvalid, match="at most"):
        reencode_image(b"x" * 2048, max_bytes=1024, max_edge=10)
    with pytest.raises(ImageInvalid, match="at most"):
        read_limited(io.BytesIO(b"x" * 2048), max_bytes=1024)
    assert read_limited(io.BytesIO(b"abc"), max_bytes=1024) == b"abc"
    with pytest.raises(ImageInvalid, match="readable"):
        reencode_image(b"\xff\xd8\xff not really a jpeg", max_bytes=1024, max_edge=10)
    gif = _encoded(Image.new("RGB", (4, 4)), "GIF")
    with pytest.raises(ImageInvalid, match="Only JPEG"):
        reencode_image(gif, max_bytes=10**6, max_edge=10)
    huge = _encoded(Image.new("1", (8000, 6000)), "PNG")  # 48 megapixels, a few KB
    with pytest.raises(ImageInvalid):
        reencode_image(huge, max_bytes=10**7, max_edge=10)
