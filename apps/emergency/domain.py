"""Facts of the emergency domain that need no database: how precisely a position is kept (``apps.common.geo``),
and when an armed check-in is overdue."""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.common.geo import COORDINATE_PLACES, coordinate, to_coordinate

__all__ = ["COORDINATE_PLACES", "coordinate", "overdue_at", "to_coordinate"]


def overdue_at(expected_at: datetime, *, grace_seconds: int) -> datetime:
    """An armed check-in not checked in by ``expected_at`` plus the grace raises the alarm at this moment."""
    return expected_at + timedelta(seconds=grace_seconds)
