"""Reads: the inbox, effective preferences, devices, deliveries due for the sweeper."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from apps.notifications.models import Category, Delivery, Device, Notification, NotificationPreference
from apps.notifications.policy import CONFIGURABLE_CHANNELS, DEFAULT_PREFERENCES, is_locked
from apps.users.models import User


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preferences_for(*, user: User, category: str | None = None) -> dict[str, dict[str, bool]]:
    """Effective switchable preferences: the defaults, overridden by the user's stored choices."""
    return preferences_of(users=[user], categories=None if category is None else {category})[user.pk]


def preferences_of(
    *, users: Iterable[User], categories: Iterable[str] | None = None
) -> dict[Any, dict[str, dict[str, bool]]]:
    """:func:`preferences_for` of many users in one query, by user id (only ``categories`` read when given).

    A user whose stored choices were prefetched as ``notification_preferences`` (all of them: a statement that
    read the user anyway, e.g. the booking hold's seat take) costs no query; the others are read together.
    """
    users = list(users)
    effective = {user.pk: {cat: dict(channels) for cat, channels in DEFAULT_PREFERENCES.items()} for user in users}
    wanted = None if categories is None else set(categories)
    found: list[tuple[Any, str, str, bool]] = []
    missing = []
    for user in users:
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("notification_preferences")
        if prefetched is None:
            missing.append(user.pk)
        else:
            found += [(user.pk, row.category, row.channel, row.enabled) for row in prefetched]
    if missing:
        rows = NotificationPreference.objects.filter(user__in=missing)
        if wanted is not None:
            rows = rows.filter(category__in=list(wanted))
        found += rows.values_list("user_id", "category", "channel", "enabled")
    for user_id, cat, channel, enabled in found:
        if channel in CONFIGURABLE_CHANNELS and (wanted is None or cat in wanted) and cat in effective[user_id]:
            effective[user_id][cat][channel] = enabled
    return effective


def device_list(*, user: User) -> QuerySet[Device]:
    return Device.objects.filter(user=user).order_by("-last_seen_at")


def deliveries_lost_in_queue(*, older_than: datetime) -> QuerySet[Delivery]:
    """Queued deliveries that should have been picked up by now (their enqueue was lost, or a retry was)."""
    return Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=older_than)


def deliveries_stuck_sending(*, started_before: datetime) -> QuerySet[Delivery]:
    """Deliveries claimed by a worker that never reported back (killed mid-send)."""
    return Delivery.objects.filter(status=Delivery.Status.SENDING, sending_started_at__lte=started_before)


def preference_table(*, user: User) -> list[dict[str, Any]]:
    """Every category with its channels, as the preferences endpoint shows it."""
    effective = preferences_for(user=user)
    table = []
    for category in Category:
        locked = is_locked(category)
        channels = dict.fromkeys(CONFIGURABLE_CHANNELS, True) if locked else effective[category]
        table.append({"category": category.value, "name": str(category.label), "locked": locked, "channels": channels})
    return table
