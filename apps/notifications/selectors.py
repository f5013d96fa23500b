"""Reads: the inbox, effective preferences, devices, deliveries due for the sweeper, bookings for reminders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from apps.notifications.models import Delivery, Device, Notification, NotificationPreference
from apps.notifications.policy import CONFIGURABLE_CHANNELS, DEFAULT_PREFERENCES
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
    """:func:`preferences_for` of many users in one query, by user id (only ``categories`` read when given)."""
    effective = {user.pk: {cat: dict(channels) for cat, channels in DEFAULT_PREFERENCES.items()} for user in users}
    rows = NotificationPreference.objects.filter(user__in=list(effective), channel__in=CONFIGURABLE_CHANNELS)
    if categories is not None:
        rows = rows.filter(category__in=list(categories))
    for user_id, cat, channel, enabled in rows.values_list("user_id", "category", "channel", "enabled"):
        if cat in effective[user_id]:
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


# --- bookings, read by the reminder jobs --------------------------------------------------------------
# The bookings app is built separately. These selectors are the whole contract the reminder jobs rely on:
#   Booking.user               -> the trekker (notified)
#   Booking.batch.start_date   -> local date the trek starts; Booking.batch.trek.name -> shown in texts
#   Booking.status             -> "pending" or "confirmed" bookings are reminded
#   Booking.hold_expires_at    -> aware datetime when a pending booking's seat hold lapses (nullable)
#   Booking.balance_due        -> Decimal still to pay (attribute, property or annotation; optional)
#   Booking.missing_documents  -> iterable of labels of documents still to upload (optional)
#   Booking.reference          -> short human reference (optional; the id is used otherwise)

BOOKINGS_APP = "apps.bookings"
REMINDABLE_BOOKING_STATUSES = ("pending", "confirmed")


def _booking_model() -> Any | None:
    if not apps.is_installed(BOOKINGS_APP):  # noqa: TID251  hidden upward edge to bookings, to be removed
        return None
    model_label = "bookings.Booking"
    return apps.get_model(model_label)  # noqa: TID251  hidden upward edge to bookings, to be removed


def bookings_starting_on(*, start_date: date) -> Iterable[Any]:
    """Pending or confirmed bookings whose batch starts on ``start_date`` (nothing until bookings exist)."""
    booking_model = _booking_model()
    if booking_model is None:
        return []
    return booking_model.objects.filter(
        batch__start_date=start_date, status__in=REMINDABLE_BOOKING_STATUSES
    ).select_related("user", "batch__trek")


def bookings_with_hold_expiring(*, after: datetime, until: datetime) -> Iterable[Any]:
    """Pending bookings whose seat hold lapses in ``(after, until]`` (nothing until bookings exist)."""
    booking_model = _booking_model()
    if booking_model is None:
        return []
    return booking_model.objects.filter(
        status="pending", hold_expires_at__gt=after, hold_expires_at__lte=until
    ).select_related("user", "batch__trek")


def preference_table(*, user: User) -> list[dict[str, Any]]:
    """Every category with its channels, as the preferences endpoint shows it."""
    from apps.notifications.models import Category
    from apps.notifications.policy import is_locked

    effective = preferences_for(user=user)
    table = []
    for category in Category:
        locked = is_locked(category)
        channels = dict.fromkeys(CONFIGURABLE_CHANNELS, True) if locked else effective[category]
        table.append({"category": category.value, "name": str(category.label), "locked": locked, "channels": channels})
    return table
