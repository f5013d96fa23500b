"""Booking writes: create (seat hold, coupon, price), confirm, expire holds, complete."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings.errors import AlreadyBooked, BatchFull, BatchNotBookable, CouponExhausted, CouponInvalid
from apps.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingParticipant,
    BookingSource,
    BookingStatus,
    Coupon,
    CouponRedemption,
    WaitlistEntry,
)
from apps.bookings.pricing import price_booking
from apps.bookings.services.common import check_transition, coupon_release, lock_booking, notify_booking, refund_create
from apps.bookings.signals import booking_completed
from apps.common.exceptions import ApplicationError, InvalidTransition, NotFound, ValidationFailed
from apps.common.services import require_atomic
from apps.messaging.services import batch_conversation_join, batch_conversation_leave
from apps.treks.models import Batch
from apps.treks.services.batches import batch_release_seats, batch_take_seats, local_today
from apps.users.loyalty import tier_discount_percent
from apps.users.models import PointsTransaction, User
from apps.users.services.loyalty import points_award

logger = logging.getLogger(__name__)

S = BookingStatus


def _validate_participants(participants: list[dict[str, Any]]) -> None:
    if not 1 <= len(participants) <= settings.BOOKINGS_MAX_PARTICIPANTS:
        raise ValidationFailed(
            details={"participants": [f"Between 1 and {settings.BOOKINGS_MAX_PARTICIPANTS} participants."]}
        )


def coupon_redeem(*, code: str, user: User, booking: Booking, amount: Decimal, now: datetime) -> Coupon:
    """Take one use of coupon ``code`` for ``booking`` (inside the booking's transaction).

    The coupon row is locked, so the use counter and the per-user limit are exact under concurrency:
    a coupon with 5 uses is used exactly 5 times however many bookings race for it.
    """
    require_atomic()
    coupon = Coupon.objects.select_for_update().filter(code=code.strip().upper()).first()
    if coupon is None or not coupon.is_active or not coupon.valid_from <= now < coupon.valid_until:
        raise CouponInvalid(details={"coupon_code": ["Unknown, inactive or outside its validity window."]})
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponExhausted()
    used = CouponRedemption.objects.filter(coupon=coupon, user=user, released_at__isnull=True).count()
    if used >= coupon.per_user_limit:
        raise CouponInvalid(details={"coupon_code": ["You have already used this coupon."]})
    Coupon.objects.filter(pk=coupon.pk).update(uses=F("uses") + 1)
    CouponRedemption.objects.create(coupon=coupon, booking=booking, user=user, amount=amount)
    return coupon


def _emergency_snapshot(user: User) -> dict[str, str]:
    contact = user.emergency_contacts.order_by("-is_primary", "created_at").first()
    if contact is None:
        return {}
    return {
        "emergency_contact_name": contact.name,
        "emergency_contact_phone": contact.phone,
        "emergency_contact_relation": contact.relationship,
    }


def booking_hold(
    *,
    user: User,
    batch: Batch,
    participants: list[dict[str, Any]],
    coupon_code: str | None = None,
    source: str = BookingSource.APP,
    hold: timedelta | None = None,
    now: datetime | None = None,
) -> Booking:
    """Hold seats and write the pending booking, inside the caller's transaction."""
    require_atomic()
    now = now or timezone.now()
    today = timezone.localdate(now)
    seats = len(participants)
    if Booking.objects.filter(user=user, batch=batch, status__in=ACTIVE_STATUSES).exists():
        raise AlreadyBooked()
    if not batch_take_seats(batch_id=batch.pk, seats=seats, today=today):
        current = Batch.objects.filter(pk=batch.pk).values_list("status", "start_date").first()
        if current is None or current[0] not in (Batch.Status.OPEN, Batch.Status.FULL) or current[1] <= today:
            raise BatchNotBookable(details={"status": current[0] if current else None})
        raise BatchFull(details={"seats_requested": seats})
    batch.refresh_from_db(fields=["seats_taken", "status"])

    coupon: Coupon | None = None
    if coupon_code:
        coupon = Coupon.objects.filter(code=coupon_code.strip().upper()).first()
        if coupon is None:
            raise CouponInvalid(details={"coupon_code": ["Unknown coupon."]})
    quote = price_booking(
        unit_price=batch.price,
        seats=seats,
        tier_discount_percent=tier_discount_percent(user),
        coupon_kind=coupon.kind if coupon else None,
        coupon_value=coupon.value if coupon else None,
    )
    lead = participants[0]
    hold = hold or timedelta(minutes=settings.BOOKINGS_HOLD_MINUTES)
    try:
        booking = Booking.objects.create(
            user=user,
            batch=batch,
            status=S.PENDING,
            source=source,
            seats=seats,
            unit_price=batch.price,
            base_amount=quote.base_amount,
            tier_discount_percent=quote.tier_discount_percent,
            tier_discount=quote.tier_discount,
            coupon=coupon,
            coupon_discount=quote.coupon_discount,
            tax_rate=quote.tax_rate,
            tax_amount=quote.tax_amount,
            final_amount=quote.final_amount,
            hold_expires_at=now + hold,
            trekker_name=lead["name"],
            trekker_age=lead["age"],
            trekker_phone=user.phone or lead.get("phone", ""),
            trekker_email=user.email or lead.get("email", ""),
            **_emergency_snapshot(user),
        )
    except IntegrityError as exc:  # a concurrent booking of the same user on this batch won
        raise AlreadyBooked() from exc
    if coupon is not None:
        coupon_redeem(code=coupon.code, user=user, booking=booking, amount=quote.coupon_discount, now=now)
    BookingParticipant.objects.bulk_create(
        [
            BookingParticipant(
                booking=booking,
                position=index,
                is_lead=index == 0,
                name=row["name"],
                age=row["age"],
                phone=(user.phone or row.get("phone", "")) if index == 0 else row.get("phone", ""),
                email=(user.email or row.get("email", "")) if index == 0 else row.get("email", ""),
            )
            for index, row in enumerate(participants)
        ]
    )
    return booking


def booking_create(
    *,
    user: User,
    batch_id: Any,
    participants: list[dict[str, Any]],
    coupon_code: str | None = None,
    source: str = BookingSource.APP,
    now: datetime | None = None,
) -> Booking:
    """Hold seats on an open, future batch for 1..6 participants (the first is the booker) and price them.

    One short transaction: the seats are taken by one conditional UPDATE of the batch counter (409
    ``batch_full`` when not enough are left), the coupon use is taken under a row lock, the booking is
    pending until ``hold_expires_at``. No loyalty points are granted here (only on completion).
    """
    _validate_participants(participants)
    if source not in (BookingSource.APP, BookingSource.WEB, BookingSource.REFERRAL):
        raise ValidationFailed(details={"source": ["Unknown source."]})
    with transaction.atomic():
        batch = Batch.objects.select_related("trek").filter(pk=batch_id).first()
        if batch is None:
            raise NotFound("No such batch.")
        booking = booking_hold(
            user=user, batch=batch, participants=participants, coupon_code=coupon_code, source=source, now=now
        )
        notify_booking(
            booking,
            "booking_held",
            hold_expires_at=timezone.localtime(booking.hold_expires_at).strftime("%d %b %H:%M"),
        )
    logger.info("booking %s held %s seat(s) on batch %s", booking.reference, booking.seats, batch.pk)
    return booking


def booking_confirm(booking: Booking, *, now: datetime | None = None) -> None:
    """Paid in full: confirmed (inside the caller's transaction, with the booking locked)."""
    check_transition(booking, S.CONFIRMED)
    booking.status = S.CONFIRMED
    booking.confirmed_at = now or timezone.now()
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "confirmed_at", "hold_expires_at", "amount_paid", "updated_at"])
    WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.DONE)
    batch_conversation_join(batch_id=booking.batch_id, user=booking.user)
    notify_booking(booking, "booking_confirmed")


def booking_expire(*, booking_id: Any, now: datetime | None = None) -> bool:
    """Expire one lapsed hold: release its seats and coupon, refund any part payment, notify. Idempotent."""
    from apps.bookings.services.waitlist import waitlist_offer_next

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
        batch_release_seats(batch_id=booking.batch_id, seats=booking.seats)
        coupon_release(booking)
        if booking.amount_paid > booking.amount_refunded:
            from apps.bookings.models import Refund

            refund_create(booking=booking, amount=booking.amount_paid, reason=Refund.Reason.LATE_PAYMENT)
        WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.DONE)
        batch_conversation_leave(batch_id=booking.batch_id, user=booking.user)
        notify_booking(booking, "booking_expired")
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
        booking = lock_booking(booking.pk)
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
        points_award(
            user=booking.user,
            amount=settings.BOOKINGS_POINTS_PER_TREK,
            reason=PointsTransaction.Reason.TREK_COMPLETED,
            reference=f"booking:{booking.reference}",
            idempotency_key=completion_points_key(booking),
        )
        completed = booking
        transaction.on_commit(lambda: booking_completed.send(sender=Booking, booking=completed))
    return booking


def completion_points_key(booking: Booking) -> str:
    return f"booking:{booking.pk}:completed"


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
