"""Renderers of the media types other than JSON that views answer (CSV lives with its writer, csv_export).

A view lists the renderer of every media type it answers, so a client that asks for it (``Accept`` or
``?format=``) is served and not refused with 406; errors are the JSON envelope whatever was asked
(``apps.common.exceptions``).
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class StoredFileRenderer(BaseRenderer):
    """For a view that answers a stored file itself (a ``FileResponse``): only lets the file's type be asked for."""

    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        raise TypeError(f"{type(self).__name__} renders no data: the view answers the file itself")


def stored_file_renderers(*media_types: str) -> list[type[BaseRenderer]]:
    """One renderer class per media type a stored-file view may answer (``?format=`` its subtype: ``pdf``...)."""
    return [
        type(
            f"StoredFileRenderer_{media.replace('/', '_').replace('-', '_')}",
            (StoredFileRenderer,),
            {"media_type": media, "format": media.split("/")[1]},
        )
        for media in media_types
    ]
