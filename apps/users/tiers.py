"""Loyalty tiers, pure policy read from ``settings.LOYALTY_TIERS``; the points ledger is ``services.loyalty``.

Booking pricing asks :func:`tier_discount_percent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Tier:
    tier: str
    name: str
    min_points: int
    discount_percent: Decimal
    perks: str


def tiers() -> list[Tier]:
    """The tiers, lowest first."""
    rows = [
        Tier(
            tier=row["tier"],
            name=row["name"],
            min_points=int(row["min_points"]),
            discount_percent=Decimal(str(row["discount_percent"])),
            perks=row.get("perks", ""),
        )
        for row in settings.LOYALTY_TIERS
    ]
    return sorted(rows, key=lambda tier: tier.min_points)


def tier_for_points(points: int) -> Tier:
    table = tiers()
    reached = table[0]
    for tier in table:
        if points >= tier.min_points:
            reached = tier
    return reached


def next_tier_for_points(points: int) -> Tier | None:
    for tier in tiers():
        if tier.min_points > points:
            return tier
    return None


def tier_named(code: str) -> Tier:
    for tier in tiers():
        if tier.tier == code:
            return tier
    return tiers()[0]


def tier_discount_percent(user: Any) -> Decimal:
    """The loyalty discount (percent of the trek price, e.g. ``Decimal("5")``) the user's tier grants.

    Anonymous users, staff accounts and deactivated accounts get no discount.
    """
    if not (user and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)):
        return Decimal("0")
    return tier_named(user.tribe_tier).discount_percent
