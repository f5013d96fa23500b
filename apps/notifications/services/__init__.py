"""Notification writes. ``notify`` is the public entry point used by every other domain."""

from apps.notifications.planning import Message, message
from apps.notifications.services.delivery import deliveries_sweep, delivery_retry, delivery_send
from apps.notifications.services.dispatch import notify, notify_many, notify_plan, notify_written
from apps.notifications.services.inbox import (
    device_register,
    device_remove,
    device_remove_token,
    notification_mark_read,
    notifications_mark_all_read,
    preferences_update,
    unsubscribe,
    user_notifications_forget,
)

__all__ = [
    "Message",
    "deliveries_sweep",
    "delivery_retry",
    "delivery_send",
    "device_register",
    "device_remove",
    "device_remove_token",
    "message",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notify",
    "notify_many",
    "notify_plan",
    "notify_written",
    "preferences_update",
    "unsubscribe",
    "user_notifications_forget",
]
