"""Departure announcements: ops or the departure's acting guide tell everyone booked on it, at once.

Each booker gets the message in the inbox and by push, and by SMS as well when it is urgent (their preferences for
booking messages apply, as for every booking message); a copy goes into the departure's group chat; an audit row
records who said what to how many. The API rate-limits it per sender and per departure; the admin's action on the
batch page calls the same service.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from apps.bookings.errors import DepartureNotActive
from apps.bookings.models import ACTIVE_STATUSES, Booking, DepartureAnnouncement
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import Forbidden
from apps.messaging.services import batch_announcement_post
from apps.notifications.models import Category
from apps.notifications.services import message, notify_many
from apps.treks.models import Batch
from apps.treks.selectors import guides_batch
from apps.users.models import User
from apps.users.roles import Capability, has_capability

logger = logging.getLogger(__name__)

ANNOUNCE_CAPABILITY = Capability.BATCHES_MANAGE
CLOSED_STATUSES = (Batch.Status.CANCELLED, Batch.Status.COMPLETED)


def may_announce(*, user: Any, batch: Batch) -> bool:
    """Ops holding ``batches.manage``, or the departure's acting guide (checked afresh on every call)."""
    return has_capability(user, ANNOUNCE_CAPABILITY) or guides_batch(user, batch)


def departure_announce(
    *, sender: User, batch: Batch, body: str, urgent: bool = False, via: str = ""
) -> DepartureAnnouncement:
    """Send ``body`` to everyone booked (pending or confirmed) on ``batch``; 403 for anyone who may not, 409
    ``departure_not_active`` for a cancelled or completed departure."""
    body = body.strip()
    with transaction.atomic():
        batch = Batch.objects.select_for_update(of=("self",)).select_related("trek", "guide__user").get(pk=batch.pk)
        if not may_announce(user=sender, batch=batch):
            raise Forbidden("Only operations or this departure's guide may announce to it.")
        if batch.status in CLOSED_STATUSES:
            raise DepartureNotActive(details={"status": batch.status})
        bookers = {
            booking.user_id: booking.user
            for booking in Booking.objects.filter(batch=batch, status__in=ACTIVE_STATUSES)
            .select_related("user")
            .order_by("created_at", "id")
            if booking.user.is_active and booking.user_id != sender.pk
        }
        chat = batch_announcement_post(
            batch_id=batch.pk, sender=sender, message_body=f"{'URGENT: ' if urgent else ''}{body}"
        )
        announcement = DepartureAnnouncement.objects.create(
            batch=batch, sender=sender, body=body, urgent=urgent, recipients=len(bookers), message_id=chat.pk
        )
        channels = ["inbox", "push", *(["sms"] if urgent else [])]
        context = {
            "trek_name": batch.trek.name,
            "start_date": batch.start_date.isoformat(),
            "sender_name": sender.display_name,
            "body": body,
            "urgent": urgent,
            "batch_id": str(batch.pk),
            "conversation_id": str(chat.conversation_id),
        }
        notify_many(
            [
                message(
                    template="departure_announcement",
                    category=Category.BOOKING,
                    context={**context, "first_name": user.first_name},
                    user=user,
                    channels=channels,
                    dedupe_key=f"announcement:{announcement.pk}",
                )
                for user in bookers.values()
            ]
        )
        audit(
            actor=sender,
            action=AuditAction.BATCH_ANNOUNCED,
            target=batch,
            changes={
                "announcement": str(announcement.pk),
                "urgent": urgent,
                "recipients": len(bookers),
                "as": "ops" if has_capability(sender, ANNOUNCE_CAPABILITY) else "guide",
                **({"via": via} if via else {}),
            },
        )
    logger.info("announcement %s on batch %s to %d booker(s)", announcement.pk, batch.pk, len(bookers))
    return announcement
