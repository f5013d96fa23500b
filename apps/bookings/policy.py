"""Business rules of bookings that depend on nothing but their inputs and the settings."""

from __future__ import annotations

from django.conf import settings


def refund_percent_for(days_before_start: int) -> int:
    """The policy table (``BOOKINGS_CANCELLATION_POLICY``): the first row whose ``min_days`` is reached."""
    for row in sorted(settings.BOOKINGS_CANCELLATION_POLICY, key=lambda r: -int(r["min_days"])):
        if days_before_start >= int(row["min_days"]):
            return int(row["refund_percent"])
    return 0
