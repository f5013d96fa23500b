"""Payments: gateway orders, checkout verification, crediting, failures and reconciliation (webhooks in
:mod:`.webhooks`, refunds in :mod:`.refunds`).

Every path that learns a payment succeeded ends in :func:`payment_succeeded`, which locks the booking
then the payment, so checkout verification, a webhook and the reconciliation job can race without a
payment being credited twice. A captured payment is never downgraded.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings.deposits import amount_to_confirm, deposit_amount
from apps.bookings.domain import booking_payable
from apps.bookings.errors import NoDeposit, NothingToPay, NotPayable, SignatureInvalid
from apps.bookings.gateways import GatewayPayment, get_gateway
from apps.bookings.models import Booking, BookingStatus, Coupon, CouponRedemption, Payment, Refund
from apps.bookings.pricing import format_inr, from_paise, to_paise
from apps.bookings.services.addons import booking_add_ons_retake
from apps.bookings.services.balance import balance_terms_apply
from apps.bookings.services.bookings import booking_confirm
from apps.bookings.services.common import _lock_booking, _notify_booking, refund_create
from apps.bookings.services.documents import require_emergency_contact
from apps.bookings.services.tax_documents import invoice_for_payment
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import NotFound, ServiceUnavailable
from apps.notifications.models import Category
from apps.treks.domain import local_today
from apps.treks.services.batches import batch_take_seats
from apps.users.models import User

logger = logging.getLogger(__name__)

S = BookingStatus
P = Payment.Status


def payment_order_create(*, booking: Booking, now: datetime | None = None, deposit_only: bool = False) -> Payment:
    """A gateway order for the booking's balance due (integer paise, receipt = booking reference).

    A pending booking within its hold, or a confirmed one with a balance left (confirmed on its deposit).
    ``deposit_only``: a pending booking whose trek takes a deposit pays only what confirms it (409
    ``no_deposit`` when it takes none). An order already created for exactly that amount is returned again
    instead of a new one.
    """
    now = now or timezone.now()
    booking.refresh_from_db()
    if not booking_payable(booking, now):
        raise NotPayable(details={"status": booking.status})
    amount = to_paise(booking.balance_due)
    if deposit_only:
        deposit = deposit_amount(booking, today=timezone.localdate(now)) if booking.status == S.PENDING else None
        if deposit is None:
            raise NoDeposit()
        amount = min(amount, to_paise(deposit - booking.amount_paid))
    if amount <= 0:
        raise NothingToPay()
    require_emergency_contact(booking)
    gateway = get_gateway()
    existing = Payment.objects.filter(
        booking=booking, gateway=gateway.name, status=P.CREATED, amount_paise=amount, flagged=False
    ).first()
    if existing is not None:
        return existing
    order = gateway.create_order(
        amount_paise=amount,
        currency=settings.PAYMENTS_CURRENCY,
        receipt=booking.reference,
        notes={"booking_id": str(booking.pk), "booking_reference": booking.reference},
    )
    if order.amount_paise != amount:
        raise ServiceUnavailable("The payment gateway created an order for another amount.")
    with transaction.atomic():
        payment = Payment.objects.create(
            booking=booking,
            gateway=gateway.name,
            gateway_order_id=order.id,
            amount_paise=amount,
            currency=order.currency,
        )
        audit(
            actor=booking.user,  # only the booker asks for an order
            action=AuditAction.PAYMENT_CREATED,
            target=payment,
            changes={"booking": str(booking.pk), "order": order.id, "amount_paise": amount},
        )
    return payment


def payment_verify(*, user: User, order_id: str, payment_id: str, signature: str) -> Payment:
    """Checkout says the order was paid: check HMAC-SHA256(stored order id | payment id) and credit it.

    The order must be one of the caller's (404 otherwise). A wrong signature answers 400 and changes
    nothing. Calling again with the same payment is harmless.
    """
    payment = Payment.objects.filter(gateway_order_id=order_id, booking__user=user).first()
    if payment is None:
        raise NotFound("No such order.")
    gateway = get_gateway(payment.gateway)
    if not payment_id or not gateway.verify_payment(
        order_id=payment.gateway_order_id, payment_id=payment_id, signature=signature
    ):
        logger.warning("payment signature mismatch for order %s", payment.gateway_order_id)
        raise SignatureInvalid()
    return payment_succeeded(
        payment_pk=payment.pk,
        gateway_payment_id=payment_id,
        amount_paise=payment.amount_paise,
        currency=payment.currency,
        method="",
    )


def payment_succeeded(
    *,
    payment_pk: Any,
    gateway_payment_id: str,
    amount_paise: int,
    currency: str,
    method: str,
    actor: User | None = None,
) -> Payment:
    """Record a captured payment and credit its booking, once. ``actor``: the staff member who took the money
    (an offline payment); None when the gateway's word is the evidence."""
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=payment_pk)
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        payment = Payment.objects.select_for_update().get(pk=payment_pk)
        if payment.status == P.CAPTURED:
            return payment
        if amount_paise != payment.amount_paise or currency.upper() != payment.currency:
            payment.flagged = True
            payment.flag_reason = _mismatch_reason(amount_paise=amount_paise, currency=currency, payment=payment)
            payment.gateway_payment_id = payment.gateway_payment_id or gateway_payment_id
            payment.save(update_fields=["flagged", "flag_reason", "gateway_payment_id", "updated_at"])
            audit(
                actor=None,
                action=AuditAction.PAYMENT_FLAGGED,
                target=payment,
                changes={"amount_paise": amount_paise, "currency": currency, "reason": payment.flag_reason},
            )
            logger.error("payment %s flagged for finance: amount/currency mismatch", payment.gateway_order_id)
            return payment
        payment.status = P.CAPTURED
        payment.gateway_payment_id = gateway_payment_id
        payment.method = method or payment.method
        payment.captured_at = timezone.now()
        payment.error = ""
        payment.save()
        audit(
            actor=actor,
            action=AuditAction.PAYMENT_CAPTURED,
            target=payment,
            changes={"booking": str(booking.pk), "amount_paise": payment.amount_paise, "method": payment.method},
        )
        invoice_for_payment(booking=booking, payment=payment, actor=actor)
        _credit(booking=booking, payment=payment)
    return payment


def _mismatch_reason(*, amount_paise: int, currency: str, payment: Payment) -> str:
    """What finance reads on a flagged payment, in rupees: ``Gateway reported ₹1.00 (INR) for an order of ..."""
    reported = format_inr(from_paise(amount_paise)) if currency.upper() == "INR" else f"{from_paise(amount_paise)}"
    return (
        f"Gateway reported {reported} ({currency.upper()[:3]}) for an order of "
        f"{format_inr(payment.amount)} ({payment.currency})."
    )[:300]


def _credit(*, booking: Booking, payment: Payment) -> None:
    """Add a captured payment to the (locked) booking and move it on."""
    amount = payment.amount
    booking.amount_paid = F("amount_paid") + amount
    booking.save(update_fields=["amount_paid", "updated_at"])
    booking.refresh_from_db(fields=["amount_paid", "amount_refunded"])
    _notify_booking(booking, "payment_received", category=Category.PAYMENT, amount=str(amount), dedupe=payment.pk)
    if booking.status == S.PENDING:
        if booking.amount_paid >= amount_to_confirm(booking, today=local_today()):
            booking_confirm(booking)
            balance_terms_apply(booking)
        return
    if booking.status == S.EXPIRED:
        # Late: the hold lapsed before the money came. Accept only if the seats can be taken again.
        if batch_take_seats(batch_id=booking.batch_id, seats=booking.seats):
            _coupon_retake(booking)
            booking_add_ons_retake(booking)
            booking.status = S.PENDING  # reinstated; confirmed at once when paid in full
            booking.expired_at = None
            booking.hold_expires_at = timezone.now() + timedelta(minutes=settings.BOOKINGS_HOLD_MINUTES)
            booking.save(update_fields=["status", "expired_at", "hold_expires_at", "updated_at"])
            audit(
                actor=None,
                action=AuditAction.BOOKING_REINSTATED,
                target=booking,
                changes={"status": [S.EXPIRED, S.PENDING], "payment": str(payment.pk)},
            )
            logger.info("late payment for %s accepted: seats re-taken", booking.reference)
            if booking.amount_paid >= amount_to_confirm(booking, today=local_today()):
                booking_confirm(booking)
                balance_terms_apply(booking)
            return
        logger.info("late payment for %s refunded: no seats left", booking.reference)
        refund_create(booking=booking, amount=amount, reason=Refund.Reason.LATE_PAYMENT)
        _notify_booking(booking, "late_payment_refunded", category=Category.PAYMENT, amount=str(amount))
        return
    if booking.status == S.CANCELLED:
        refund_create(booking=booking, amount=amount, reason=Refund.Reason.OVERPAYMENT)
        return
    # confirmed / completed: a balance paid in full clears its due date and overdue flag; anything above the
    # price goes back
    balance_terms_apply(booking)
    excess = booking.amount_paid - booking.amount_refunded - booking.final_amount
    if excess > 0:
        refund_create(booking=booking, amount=excess, reason=Refund.Reason.OVERPAYMENT)


def _coupon_retake(booking: Booking) -> None:
    """A reinstated booking takes its released coupon use back when one is left (its price stands anyway)."""
    if booking.coupon_id is None:
        return
    redemption = CouponRedemption.objects.filter(booking=booking, released_at__isnull=False).first()
    if redemption is None:
        return
    coupon = Coupon.objects.select_for_update().get(pk=booking.coupon_id)
    if coupon.max_uses is None or coupon.uses < coupon.max_uses:
        Coupon.objects.filter(pk=coupon.pk).update(uses=F("uses") + 1)
        CouponRedemption.objects.filter(pk=redemption.pk).update(released_at=None)


def payment_failed(*, payment: Payment, gateway_payment_id: str, error: str) -> str:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status in (P.CAPTURED, P.FAILED):
            return f"ignored: payment already {locked.status}"
        if locked.status == P.AUTHORIZED and locked.gateway_payment_id not in (None, gateway_payment_id):
            return "ignored: another attempt is authorized"
        previous = locked.status
        locked.status = P.FAILED
        locked.error = error[:300]
        locked.save(update_fields=["status", "error", "updated_at"])
        audit(
            actor=None,
            action=AuditAction.PAYMENT_FAILED,
            target=locked,
            changes={"status": [previous, P.FAILED], "error": locked.error},
        )
    return "payment failed"


def payment_authorized(*, payment: Payment, gateway_payment_id: str, method: str) -> str:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == P.CAPTURED:
            return "ignored: already captured"
        previous = locked.status
        locked.status = P.AUTHORIZED
        locked.gateway_payment_id = gateway_payment_id
        locked.method = method or locked.method
        locked.save(update_fields=["status", "gateway_payment_id", "method", "updated_at"])
        if previous != P.AUTHORIZED:
            audit(
                actor=None,
                action=AuditAction.PAYMENT_AUTHORIZED,
                target=locked,
                changes={"status": [previous, P.AUTHORIZED], "method": locked.method},
            )
    return "payment authorized"


# --- reconciliation --------------------------------------------------------------------------------


def payments_reconcile(*, now: datetime | None = None, max_age_hours: int = 72) -> int:
    """Ask the gateway about every recent order still waiting, so a lost webhook never leaves a paid booking."""
    now = now or timezone.now()
    pending = Payment.objects.filter(
        status__in=(P.CREATED, P.AUTHORIZED, P.FAILED),
        flagged=False,
        created_at__gte=now - timedelta(hours=max_age_hours),
        created_at__lte=now - timedelta(minutes=1),
    ).only("pk", "gateway", "gateway_order_id")
    credited = 0
    for payment in pending:
        try:
            remote = get_gateway(payment.gateway).order_payments(payment.gateway_order_id)
        except ServiceUnavailable:
            logger.warning("reconciliation: gateway unavailable for %s", payment.gateway_order_id)
            continue
        captured: list[GatewayPayment] = [item for item in remote if item.status in ("captured", "refunded")]
        if captured:
            item = captured[0]
            payment_succeeded(
                payment_pk=payment.pk,
                gateway_payment_id=item.id,
                amount_paise=item.amount_paise,
                currency=item.currency,
                method=item.method,
            )
            credited += 1
    if credited:
        logger.info("reconciliation credited %d payment(s)", credited)
    return credited
