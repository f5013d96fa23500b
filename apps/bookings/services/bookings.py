"""Booking writes: create (the hold itself is in :mod:`.holds`), confirm, expire holds, complete."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.bookings import signals
from apps.bookings.domain import check_transition, completion_points_key
from apps.bookings.models import (
    SELF_SERVICE_SOURCES,
    STAFF_SOURCES,
    Booking,
    BookingSource,
    BookingStatus,
    Refund,
    WaitlistEntry,
)
from apps.bookings.services.addons import booking_add_ons_release
from apps.bookings.services.common import (
    _booking_message,
    _lock_booking,
    _notify_booking,
    coupon_release,
    refund_create,
)
from apps.bookings.services.holds import _validate_participants, booking_hold
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ApplicationError, InvalidTransition, ValidationFailed
from apps.messaging.services import batch_conversation_join, batch_conversation_leave
from apps.treks.domain import local_today
from apps.treks.services.batches import (
    batch_release_seats,
)
from apps.users.models import PointsTransaction, User
from apps.users.services.loyalty import points_award

logger = logging.getLogger(__name__)

S = BookingStatus


def booking_create(
    *,
    user: User,
    batch_id: Any,
    participants: list[dict[str, Any]],
    coupon_code: str | None = None,
    add_ons: list[dict[str, Any]] | None = None,
    source: str = BookingSource.APP,
    created_by: User | None = None,
    agent_name: str = "",
    agent_reference: str = "",
    now: datetime | None = None,
) -> Booking:
    """Hold seats on an open, future batch for 1..6 participants (the first is the booker) and price them.

    The seats are taken by one conditional UPDATE of the batch counter in the statement that writes the booking
    (409 ``batch_full`` when not enough are left; a refusal is decided by a read, with nothing written), a coupon's
    use is taken under its row lock in the same transaction, the booking is pending until ``hold_expires_at``. No
    loyalty points are granted here (only on completion). The booking returned is what was written (see
    :func:`booking_hold`): the response needs no further read.

    Staff taking a booking for a customer (``created_by``: on the phone, at the office, through an agent) call
    this same function with the customer as ``user``: the booking, its price, coupon, notifications and
    eligibility are the customer's; the staff member is recorded as its creator and the audit row's actor.

    ``add_ons`` (``[{"add_on": id, "quantity": n, "size": ""}]``): the trek's add-ons taken with the seats, in
    the same transaction (see :func:`apps.bookings.services.addons.add_on_lines_take`).
    """
    _validate_participants(participants)
    allowed = STAFF_SOURCES if created_by is not None else SELF_SERVICE_SOURCES
    if source not in allowed:
        raise ValidationFailed(details={"source": ["Unknown source."]})
    if source == BookingSource.AGENT and not agent_name.strip():
        raise ValidationFailed(details={"agent_name": ["Name the agent who booked."]})
    booking = booking_hold(
        user=user,
        batch_id=batch_id,
        participants=participants,
        coupon_code=coupon_code,
        add_ons=add_ons,
        source=source,
        created_by=created_by,
        agent=(agent_name.strip(), agent_reference.strip()) if source == BookingSource.AGENT else ("", ""),
        now=now,
        # the booker is told in the statement that writes the booking (its inbox row and deliveries)
        tell=lambda held: [
            _booking_message(
                held,
                "booking_held",
                hold_expires_at=timezone.localtime(held.hold_expires_at).strftime("%d %b %H:%M"),
            )
        ],
    )
    logger.info("booking %s held %s seat(s) on batch %s", booking.reference, booking.seats, booking.batch_id)
    return booking


def booking_confirm(booking: Booking, *, now: datetime | None = None) -> None:
    """Paid in full: confirmed (inside the caller's transaction, with the booking locked).

    The gateway's word confirms it, so the audit row's actor is the system."""
    check_transition(booking, S.CONFIRMED)
    previous = booking.status
    booking.status = S.CONFIRMED
    booking.confirmed_at = now or timezone.now()
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "confirmed_at", "hold_expires_at", "amount_paid", "updated_at"])
    audit(
        actor=None,
        action=AuditAction.BOOKING_CONFIRMED,
        target=booking,
        changes={"status": [previous, S.CONFIRMED], "amount_paid": str(booking.amount_paid)},
    )
    WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.DONE)
    batch_conversation_join(batch_id=booking.batch_id, user=booking.user)
    _notify_booking(booking, "booking_confirmed")


def booking_expire(*, booking_id: Any, now: datetime | None = None) -> bool:
    """Expire one lapsed hold: release its seats and coupon, refund any part payment, notify. Idempotent."""
    from apps.bookings.services.waitlist import waitlist_offer_next  # waitlist builds on booking_hold: a cycle

    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("batch__trek", "user")
            .filter(pk=booking_id, status=S.PENDING, hold_expires_at__lte=now)
            .first()
        )
        if booking is None:
            return False
        booking.status = S.EXPIRED
        booking.expired_at = now
        booking.save(update_fields=["status", "expired_at", "updated_at"])
        audit(
            actor=None, action=AuditAction.BOOKING_EXPIRED, target=booking, changes={"status": [S.PENDING, S.EXPIRED]}
        )
        batch_release_seats(batch_id=booking.batch_id, seats=booking.seats)
        booking_add_ons_release(booking)
        coupon_release(booking)
        if booking.amount_paid > booking.amount_refunded:
            refund_create(booking=booking, amount=booking.amount_paid, reason=Refund.Reason.LATE_PAYMENT)
        WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.DONE)
        batch_conversation_leave(batch_id=booking.batch_id, user=booking.user)
        _notify_booking(booking, "booking_expired")
        waitlist_offer_next(batch_id=booking.batch_id, now=now)
    logger.info("booking %s expired, %s seat(s) released", booking.reference, booking.seats)
    return True


def bookings_expire_holds(*, now: datetime | None = None, limit: int = 500) -> int:
    """The every-minute job: expire every pending booking whose hold has lapsed."""
    now = now or timezone.now()
    ids = list(
        Booking.objects.filter(status=S.PENDING, hold_expires_at__lte=now)
        .order_by("hold_expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(booking_expire(booking_id=pk, now=now) for pk in ids)


def booking_complete(*, booking: Booking, today: date | None = None) -> Booking:
    """confirmed -> completed once the batch has ended; grants the trek's loyalty points once."""
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        if booking.status == S.COMPLETED:
            return booking
        check_transition(booking, S.COMPLETED)
        if booking.batch.end_date >= today:
            raise InvalidTransition(
                "A booking is completed after its batch has ended.",
                details={"from": booking.status, "to": S.COMPLETED, "end_date": booking.batch.end_date.isoformat()},
            )
        booking.status = S.COMPLETED
        booking.completed_at = timezone.now()
        booking.save(update_fields=["status", "completed_at", "updated_at"])
        audit(
            actor=None,
            action=AuditAction.BOOKING_COMPLETED,
            target=booking,
            changes={"status": [S.CONFIRMED, S.COMPLETED]},
        )
        points_award(
            user=booking.user,
            amount=settings.BOOKINGS_POINTS_PER_TREK,
            reason=PointsTransaction.Reason.TREK_COMPLETED,
            reference=f"booking:{booking.reference}",
            idempotency_key=completion_points_key(booking),
        )
        completed = booking
        transaction.on_commit(lambda: signals.booking_completed.send(sender=Booking, booking=completed))
    return booking


def bookings_complete_finished(*, today: date | None = None) -> int:
    """The hourly job: complete every confirmed booking whose batch has ended."""
    today = today or local_today()
    done = 0
    for booking in Booking.objects.filter(status=S.CONFIRMED, batch__end_date__lt=today).only("pk"):
        try:
            booking_complete(booking=booking, today=today)
        except ApplicationError:  # one bad row must not hold up the others; it is retried next hour
            logger.exception("booking %s could not be completed", booking.pk)
            continue
        done += 1
    return done
