"""Which channels each category uses, what users get by default and may switch off, and how deliveries retry."""

from __future__ import annotations

import secrets

from django.conf import settings

from apps.notifications.models import Category, Channel, Delivery

# Categories a user cannot silence: OTPs, password resets, sign-in alerts, SOS.
LOCKED_CATEGORIES: frozenset[str] = frozenset({Category.SECURITY.value, Category.EMERGENCY.value})

# Channels a user can choose per category (the inbox is always kept: it is the record).
CONFIGURABLE_CHANNELS: tuple[str, ...] = (Channel.EMAIL.value, Channel.SMS.value, Channel.PUSH.value)

# Default preference for every (switchable category, channel). Marketing is opt-in; SMS, which costs money
# and reaches people on the trail, is kept for what matters (bookings, payments, trek reminders).
DEFAULT_PREFERENCES: dict[str, dict[str, bool]] = {
    "booking": {"email": True, "sms": True, "push": True},
    "payment": {"email": True, "sms": True, "push": True},
    "reminder": {"email": True, "sms": True, "push": True},
    "community": {"email": False, "sms": False, "push": True},
    "message": {"email": False, "sms": False, "push": True},
    "marketing": {"email": False, "sms": False, "push": False},
}

# Channels used when the caller names none, for the categories preferences do not govern.
LOCKED_DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    "security": ("inbox", "email"),
    "emergency": ("inbox", "email", "sms", "push"),
}


def default_channels(category: str) -> tuple[str, ...]:
    """Channels ``notify`` considers when the caller names none (before preferences)."""
    if category in LOCKED_CATEGORIES:
        return LOCKED_DEFAULT_CHANNELS[category]
    return ("inbox", *CONFIGURABLE_CHANNELS)


def is_locked(category: str) -> bool:
    return category in LOCKED_CATEGORIES


def retry_delay(attempt: int) -> float:
    """Seconds before the next try after ``attempt`` failed: exponential, capped, with jitter in [d/2, d]."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    capped = min(settings.NOTIFICATIONS_RETRY_MAX_SECONDS, base * 2 ** max(attempt - 1, 0))
    return secrets.SystemRandom().uniform(capped / 2, capped)


def never_twice(delivery: Delivery) -> bool:
    """An emergency message to someone outside (contact, satellite phone, ops list): never risk a duplicate."""
    return delivery.category == Category.EMERGENCY and delivery.user_id is None
