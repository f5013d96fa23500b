"""The staff admin (``/admin/``): django-unfold's theme, its dashboard and the incident map's tiles."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

UNFOLD: dict[str, Any] = {
    "SITE_TITLE": "OBS back-office",
    "SITE_HEADER": "OBS Experiences",
    "SITE_SYMBOL": "landscape",
    "SHOW_HISTORY": True,
    # the admin index: today's and this week's departures, open incidents, pending refunds, failed deliveries
    "DASHBOARD_CALLBACK": "apps.backoffice.dashboard.dashboard_callback",
    "SIDEBAR": {"show_search": True, "show_all_applications": True},
}

# The incident map: Leaflet is served by the app itself (the copy django-leaflet ships, as static files under
# ``leaflet/``, collected and served by WhiteNoise: no CDN), the tiles by OpenStreetMap. The package is not an
# installed app (that would need GeoDjango): only its static folder is used.
_LEAFLET = find_spec("leaflet")
STATICFILES_DIRS = [("leaflet", Path(_LEAFLET.origin or "").parent / "static" / "leaflet")] if _LEAFLET else []
BACKOFFICE_MAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# The incident list reloads itself this often (seconds).
BACKOFFICE_INCIDENTS_REFRESH_SECONDS = 30
