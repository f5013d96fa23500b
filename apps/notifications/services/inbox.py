"""The user's side: reading the inbox, choosing preferences, registering push devices, unsubscribing."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.exceptions import NotFound, ValidationFailed
from apps.notifications.domain import UNSUBSCRIBE_SALT
from apps.notifications.errors import InvalidUnsubscribeToken, PreferenceLocked
from apps.notifications.models import Channel, Delivery, Device, Notification, NotificationPreference
from apps.notifications.policy import CONFIGURABLE_CHANNELS, DEFAULT_PREFERENCES, is_locked
from apps.users.models import User

logger = logging.getLogger(__name__)

UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 365


def notification_mark_read(*, user: User, notification_id: Any) -> Notification:
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
        if notification is None:
            raise NotFound("Notification not found.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    now = timezone.now()
    with transaction.atomic():
        return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now, updated_at=now)


def preferences_update(*, user: User, changes: Iterable[dict[str, Any]]) -> None:
    """Apply ``[{"category", "channel", "enabled"}, ...]``; all or nothing."""
    changes = list(changes)
    for change in changes:
        category, channel = change["category"], change["channel"]
        if is_locked(category):
            if change["enabled"]:
                continue  # asking for what is always on is fine
            raise PreferenceLocked(details={"category": category, "channel": channel})
        if category not in DEFAULT_PREFERENCES or channel not in CONFIGURABLE_CHANNELS:
            raise ValidationFailed(
                "This category and channel cannot be configured.",
                details={"category": category, "channel": channel},
            )
    with transaction.atomic():
        for change in changes:
            if is_locked(change["category"]):
                continue
            NotificationPreference.objects.update_or_create(
                user=user,
                category=change["category"],
                channel=change["channel"],
                defaults={"enabled": bool(change["enabled"])},
            )


def device_register(*, user: User, token: str, platform: str) -> tuple[Device, bool]:
    """Register or refresh a push token. A token is unique: one that moved to another account moves with it.

    Returns ``(device, created)``. Concurrent registrations of one token end with one row.
    """
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                device, created = Device.objects.select_for_update().get_or_create(
                    token=token, defaults={"user": user, "platform": platform, "last_seen_at": now}
                )
                if not created:
                    device.user, device.platform, device.last_seen_at = user, platform, now
                    device.save(update_fields=["user", "platform", "last_seen_at", "updated_at"])
                return device, created
        except IntegrityError:  # a concurrent insert of the same token won; update that row instead
            continue
    raise IntegrityError("could not register the device token")  # pragma: no cover - needs three racing inserts


def device_remove(*, user: User, device_id: Any) -> None:
    with transaction.atomic():
        deleted, _ = Device.objects.filter(pk=device_id, user=user).delete()
    if not deleted:
        raise NotFound("Device not found.")


def device_remove_token(*, token: str, user: User | None = None) -> bool:
    """Forget a push token, e.g. on logout (pass the user so one account cannot drop another's device).

    Returns whether a device was removed. Safe to call with an unknown token.
    """
    devices = Device.objects.filter(token=token)
    if user is not None:
        devices = devices.filter(user=user)
    with transaction.atomic():
        deleted, _ = devices.delete()
    return bool(deleted)


def user_notifications_forget(*, user: User) -> dict[str, int]:
    """The account changed hands: forget its push devices, notification choices and inbox, and cancel what is
    still queued for it (addressed to the previous holder's devices and numbers). Inside the caller's transaction.
    """
    counts = {
        "devices": Device.objects.filter(user=user).delete()[0],
        "preferences": NotificationPreference.objects.filter(user=user).delete()[0],
        "inbox": Notification.objects.filter(user=user).delete()[0],
        "queued": Delivery.objects.filter(user=user, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.CANCELLED, last_error="the account changed hands", updated_at=timezone.now()
        ),
    }
    logger.info("notifications of user %s forgotten: %s", user.pk, counts)
    return counts


def unsubscribe(*, token: str) -> tuple[str, str]:
    """Turn off e-mail for the category named in a signed unsubscribe link. Returns (user id, category)."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
        user_id, category = str(payload["u"]), str(payload["c"])
    except (signing.BadSignature, KeyError, TypeError) as exc:
        raise InvalidUnsubscribeToken() from exc
    user = User.objects.filter(pk=user_id).first()
    if user is None or category not in DEFAULT_PREFERENCES:
        raise InvalidUnsubscribeToken()
    preferences_update(user=user, changes=[{"category": category, "channel": Channel.EMAIL, "enabled": False}])
    logger.info("user %s unsubscribed from %s e-mail", user_id, category)
    return user_id, category
