"""Checks shared by every image upload: refuse polyglots (an image that is also something else).

Re-encoding already drops whatever rides along in a picture; refusing such files as well means a
crafted upload is answered 400 and never stored, not even in a cleaned form.
"""

from __future__ import annotations

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
