"""Reminders: pre-trek (seven days and one day before the start), seat holds about to lapse (scheduled), and
the payment reminder staff send again from the admin (``booking_payment_link_send``).

Bookings are read through :mod:`apps.bookings.selectors`; the messages go out through ``notify()``. Each
reminder goes out once per booking and kind: its ``dedupe_key`` is ``booking:<id>:<kind>``, so a job that runs
twice, or overlaps itself, sends nothing new.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.bookings.domain import booking_context
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.paperwork import missing_by_participant, missing_readable
from apps.bookings.selectors import bookings_starting_on, bookings_with_hold_expiring
from apps.bookings.services.common import _lock_booking
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import InvalidTransition
from apps.notifications.models import Category
from apps.notifications.services import notify
from apps.users.models import User

logger = logging.getLogger(__name__)

PRETREK_DAYS_BEFORE = (7, 1)
HOLD_EXPIRY_NOTICE = timedelta(minutes=10)


def _reminder_context(booking: Booking, **extra: Any) -> dict[str, Any]:
    """The booking's message context; a reminder leaves out a balance of zero and lists what each participant
    still owes, by name (``missing_items``: ``[{"name", "labels"}]``)."""
    balance = booking.balance_due
    return booking_context(
        booking,
        balance_due=str(balance) if balance > 0 else "",
        # readable names per participant, never the checklist's codes
        missing_items=missing_by_participant(booking),
        missing_documents=missing_readable(booking),
        **extra,
    )


def send_pretrek_reminders(*, today: date | None = None) -> int:
    """For bookings starting in 7 days and in 1 day: packing list, missing documents, balance due."""
    today = today or timezone.localdate()
    sent = 0
    for days in PRETREK_DAYS_BEFORE:
        for booking in bookings_starting_on(start_date=today + timedelta(days=days)):
            context = _reminder_context(booking, days_before=days)
            with transaction.atomic():
                deliveries = notify(
                    template="pretrek_reminder",
                    category=Category.REMINDER,
                    context=context,
                    user=booking.user,
                    dedupe_key=f"booking:{booking.pk}:pretrek-{days}d",
                )
            sent += len(deliveries)
    logger.info("pre-trek reminders for %s: %d deliveries", today, sent)
    return sent


def send_hold_expiry_reminders(*, now: datetime | None = None) -> int:
    """For pending bookings whose seat hold lapses within the next ten minutes."""
    now = now or timezone.now()
    sent = 0
    for booking in bookings_with_hold_expiring(after=now, until=now + HOLD_EXPIRY_NOTICE):
        context = _reminder_context(
            booking, hold_expires_at=timezone.localtime(booking.hold_expires_at).strftime("%H:%M")
        )
        with transaction.atomic():
            deliveries = notify(
                template="hold_expiring",
                category=Category.BOOKING,
                context=context,
                user=booking.user,
                dedupe_key=f"booking:{booking.pk}:hold-expiring",
            )
        sent += len(deliveries)
    if sent:
        logger.info("hold-expiry reminders: %d deliveries", sent)
    return sent


def booking_payment_link_send(*, actor: User, booking: Booking, now: datetime | None = None) -> int:
    """Staff send the trekker the "seats held, pay before ..." message again (a pending booking whose hold runs).

    409 ``invalid_transition`` for any other booking. Audited; returns the number of deliveries queued.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        if booking.status != BookingStatus.PENDING or not booking.hold_expires_at or booking.hold_expires_at <= now:
            raise InvalidTransition(
                "Only a pending booking whose seats are still held can be sent a payment reminder.",
                details={"from": booking.status},
            )
        context = _reminder_context(
            booking, hold_expires_at=timezone.localtime(booking.hold_expires_at).strftime("%d %b %H:%M")
        )
        deliveries = notify(
            template="booking_held",
            category=Category.BOOKING,
            context=context,
            user=booking.user,
            dedupe_key=f"booking:{booking.pk}:payment-link:{now.timestamp():.0f}",
        )
        audit(actor=actor, action=AuditAction.BOOKING_PAYMENT_REMINDER_QUEUED, target=booking, changes={})
    return len(deliveries)
