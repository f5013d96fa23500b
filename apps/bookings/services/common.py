"""Shared by the booking services: locking a booking, telling its booker, coupons and refunds.

The underscored helpers are private to ``apps.bookings.services``; the state machine is in ``apps.bookings.domain``.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum
from django.utils import timezone

from apps.bookings import tasks
from apps.bookings.domain import booking_context
from apps.bookings.models import Booking, Coupon, CouponRedemption, Payment, Refund
from apps.bookings.pricing import from_paise, to_paise
from apps.bookings.services.tax_documents import credit_note_for_refund
from apps.common.audit import AuditAction, audit
from apps.common.services import enqueue_on_commit
from apps.notifications.models import Category
from apps.notifications.services import Message, message, notify

logger = logging.getLogger(__name__)


def _lock_booking(booking_id: Any) -> Booking:
    """Lock the booking's row, then read it with its batch, trek and booker.

    Two statements on purpose: a lock taken through the join would, after waiting for a transfer to another
    departure (``batch_id`` changed), recheck the join against the old batch row and find no booking at all.
    """
    Booking.objects.select_for_update().filter(pk=booking_id).values_list("pk", flat=True).get()
    return Booking.objects.select_related("batch__trek", "user").get(pk=booking_id)


def _notify_booking(booking: Booking, template: str, *, category: str = Category.BOOKING, **extra: Any) -> None:
    """Tell the booker (inside the caller's transaction: deliveries go out on commit)."""
    notify(
        template=template,
        category=category,
        context=booking_context(booking, **extra),
        user=booking.user,
        dedupe_key=_booking_dedupe_key(booking, template, extra),
    )


def _booking_message(booking: Booking, template: str, *, category: str = Category.BOOKING, **extra: Any) -> Message:
    """What :func:`_notify_booking` sends, as a message to write later (``booking_hold``'s ``tell``)."""
    return message(
        template=template,
        category=category,
        context=booking_context(booking, **extra),
        user=booking.user,
        dedupe_key=_booking_dedupe_key(booking, template, extra),
    )


def _booking_dedupe_key(booking: Booking, template: str, extra: dict[str, Any]) -> str:
    return f"booking:{booking.pk}:{template}:{extra.get('dedupe', '')}"


def coupon_release(booking: Booking) -> None:
    """Give the booking's coupon use back (its hold lapsed or it was cancelled unpaid)."""
    released = CouponRedemption.objects.filter(booking=booking, released_at__isnull=True).update(
        released_at=timezone.now()
    )
    if released and booking.coupon_id:
        Coupon.objects.filter(pk=booking.coupon_id, uses__gt=0).update(uses=F("uses") - 1)


def _refundable_paise(payment: Payment) -> int:
    refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount_paise"))["total"] or 0
    return max(0, payment.amount_paise - refunded)


def refund_create(*, booking: Booking, amount: Decimal, reason: str) -> list[Refund]:
    """Refund ``amount`` of what the (locked) booking paid, spread over its captured payments, newest first.

    The refund rows (each with a ``refund.requested`` audit row whose actor is the system: the booking's audit
    row says who moved it) and their credit notes are written now; the gateway is asked after commit
    (``bookings.send_refund``).
    """
    remaining = min(to_paise(amount), to_paise(booking.amount_paid - booking.amount_refunded))
    refunds: list[Refund] = []
    if remaining <= 0:
        return refunds
    payments = Payment.objects.select_for_update().filter(booking=booking, status=Payment.Status.CAPTURED)
    for payment in payments.order_by("-captured_at"):
        if remaining <= 0:
            break
        part = min(remaining, _refundable_paise(payment))
        if part <= 0:
            continue
        refund = Refund.objects.create(booking=booking, payment=payment, amount_paise=part, reason=reason)
        audit(
            actor=None,
            action=AuditAction.REFUND_REQUESTED,
            target=refund,
            changes={"booking": str(booking.pk), "payment": str(payment.pk), "amount_paise": part, "reason": reason},
        )
        credit_note_for_refund(booking=booking, refund=refund)
        refunds.append(refund)
        remaining -= part
    total = sum(refund.amount_paise for refund in refunds)
    if total:
        Booking.objects.filter(pk=booking.pk).update(amount_refunded=F("amount_refunded") + from_paise(total))
        booking.refresh_from_db(fields=["amount_refunded"])
        for refund in refunds:
            enqueue_on_commit(tasks.send_refund, str(refund.pk))
    return refunds
