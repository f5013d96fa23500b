"""Positions as the database keeps them: degrees as a Decimal with 6 places (about 11 cm)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

COORDINATE_PLACES = Decimal("0.000001")


def coordinate(value: float | Decimal) -> Decimal:
    """Degrees as a Decimal with 6 places: device fixes often carry more digits."""
    return Decimal(str(value)).quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


def to_coordinate(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else coordinate(value)
