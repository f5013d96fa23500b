from __future__ import annotations

from rest_framework.throttling import UserRateThrottle


class CheckInArmThrottle(UserRateThrottle):
    """Check-ins armed per user (rate ``check_in_arm`` in settings)."""

    scope = "check_in_arm"
