"""Rate limits of departure announcements: per sender, and per departure whoever sends (rates in settings)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class AnnounceSenderThrottle(UserRateThrottle):
    """Announcements sent per staff member or guide (rate ``announce_sender``)."""

    scope = "announce_sender"


class AnnounceDepartureThrottle(SimpleRateThrottle):
    """Announcements sent to one departure, by anyone (rate ``announce_departure``): its trekkers are not spammed
    however many people may write to them."""

    scope = "announce_departure"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        batch_id = view.kwargs.get("batch_id")
        if batch_id is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(batch_id)}
