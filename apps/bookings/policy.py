"""Business rules of bookings that depend on nothing but their inputs and the settings."""

from __future__ import annotations

from django.conf import settings


def refund_percent_for(days_before_start: int) -> int:
    """The policy table (``BOOKINGS_CANCELLATION_POLICY``): the first row whose ``min_days`` is reached."""
    for row in sorted(settings.BOOKINGS_CANCELLATION_POLICY, key=lambda r: -int(r["min_days"])):
        if days_before_start >= int(row["min_days"]):
            return int(row["refund_percent"])
    return 0


def credit_percent_for(refund_percent: int) -> int:
    """Trek credit instead of a refund of ``refund_percent``: that much plus ``TREK_CREDIT_CANCELLATION_EXTRA_PERCENT``
    points, at most ``TREK_CREDIT_CANCELLATION_MAX_PERCENT`` (never below the refund itself)."""
    extra = int(settings.TREK_CREDIT_CANCELLATION_EXTRA_PERCENT)
    return max(refund_percent, min(refund_percent + extra, int(settings.TREK_CREDIT_CANCELLATION_MAX_PERCENT)))
