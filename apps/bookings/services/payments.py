"""Payments: gateway orders, checkout verification, webhooks, reconciliation and refunds.

Every path that learns a payment succeeded ends in :func:`payment_succeeded`, which locks the booking
then the payment, so checkout verification, a webhook and the reconciliation job can race without a
payment being credited twice. A captured payment is never downgraded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings import tasks
from apps.bookings.errors import NothingToPay, NotPayable, SignatureInvalid, WebhookPayloadInvalid
from apps.bookings.gateways import GatewayPayment, get_gateway
from apps.bookings.models import Booking, BookingStatus, Coupon, CouponRedemption, Payment, PaymentEvent, Refund
from apps.bookings.pricing import from_paise, to_paise
from apps.bookings.services.bookings import booking_confirm
from apps.bookings.services.common import _lock_booking, _notify_booking, refund_create
from apps.bookings.webhook_payloads import parse_webhook
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import NotFound, ServiceUnavailable
from apps.common.services import enqueue_on_commit
from apps.notifications.models import Category
from apps.treks.services.batches import batch_take_seats
from apps.users.models import User

logger = logging.getLogger(__name__)

S = BookingStatus
P = Payment.Status


def payment_order_create(*, booking: Booking, now: datetime | None = None) -> Payment:
    """A gateway order for the booking's balance due (integer paise, receipt = booking reference).

    An order already created for exactly that balance is returned again instead of a new one.
    """
    now = now or timezone.now()
    booking.refresh_from_db()
    if booking.status != S.PENDING or (booking.hold_expires_at and booking.hold_expires_at <= now):
        raise NotPayable(details={"status": booking.status})
    amount = to_paise(booking.balance_due)
    if amount <= 0:
        raise NothingToPay()
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
    *, payment_pk: Any, gateway_payment_id: str, amount_paise: int, currency: str, method: str
) -> Payment:
    """Record a captured payment and credit its booking, once."""
    booking_id = Payment.objects.values_list("booking_id", flat=True).get(pk=payment_pk)
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        payment = Payment.objects.select_for_update().get(pk=payment_pk)
        if payment.status == P.CAPTURED:
            return payment
        if amount_paise != payment.amount_paise or currency.upper() != payment.currency:
            payment.flagged = True
            payment.flag_reason = (
                f"Gateway reported {amount_paise} {currency} for an order of {payment.amount_paise} {payment.currency}."
            )
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
            actor=None,
            action=AuditAction.PAYMENT_CAPTURED,
            target=payment,
            changes={"booking": str(booking.pk), "amount_paise": payment.amount_paise, "method": payment.method},
        )
        _credit(booking=booking, payment=payment)
    return payment


def _credit(*, booking: Booking, payment: Payment) -> None:
    """Add a captured payment to the (locked) booking and move it on."""
    amount = payment.amount
    booking.amount_paid = F("amount_paid") + amount
    booking.save(update_fields=["amount_paid", "updated_at"])
    booking.refresh_from_db(fields=["amount_paid", "amount_refunded"])
    _notify_booking(booking, "payment_received", category=Category.PAYMENT, amount=str(amount), dedupe=payment.pk)
    if booking.status == S.PENDING:
        if booking.amount_paid >= booking.final_amount:
            booking_confirm(booking)
        return
    if booking.status == S.EXPIRED:
        # Late: the hold lapsed before the money came. Accept only if the seats can be taken again.
        if batch_take_seats(batch_id=booking.batch_id, seats=booking.seats):
            _coupon_retake(booking)
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
            if booking.amount_paid >= booking.final_amount:
                booking_confirm(booking)
            return
        logger.info("late payment for %s refunded: no seats left", booking.reference)
        refund_create(booking=booking, amount=amount, reason=Refund.Reason.LATE_PAYMENT)
        _notify_booking(booking, "late_payment_refunded", category=Category.PAYMENT, amount=str(amount))
        return
    if booking.status == S.CANCELLED:
        refund_create(booking=booking, amount=amount, reason=Refund.Reason.OVERPAYMENT)
        return
    # confirmed / completed: anything above the price goes back
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


def _payment_failed(*, payment: Payment, gateway_payment_id: str, error: str) -> str:
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


def _payment_authorized(*, payment: Payment, gateway_payment_id: str, method: str) -> str:
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


# --- webhooks --------------------------------------------------------------------------------------

PAYMENT_EVENTS = ("payment.authorized", "payment.captured", "payment.failed", "order.paid")
REFUND_EVENTS = ("refund.processed", "refund.failed")


def webhook_receive(*, body: bytes, signature: str, event_id: str | None) -> str:
    """Handle one webhook delivery; returns what happened ("duplicate" for a repeated event id).

    The signature over the raw body is checked with the webhook secret (400 otherwise). The body is then
    checked against the schema of its event type (``apps.bookings.webhook_payloads``). The event row is
    inserted first in the same transaction as its effects: concurrent deliveries of one event wait on the
    unique event id and find it recorded, so the event changes state once.

    A signed body that fails the check is recorded as rejected (nothing else changes) and answered 400
    ``webhook_payload_invalid``; its redeliveries find the event recorded and answer "duplicate" (200), so
    the gateway stops after one retry instead of retrying for a day and then disabling the webhook.
    """
    gateway = get_gateway()
    if not gateway.verify_webhook(body=body, signature=signature):
        logger.warning("webhook signature mismatch")
        raise SignatureInvalid("The webhook signature does not match.")
    key = (event_id or "sha256:" + hashlib.sha256(body).hexdigest())[:100]
    try:
        event = parse_webhook(body)
    except WebhookPayloadInvalid as exc:
        return _webhook_rejected(gateway_name=gateway.name, key=key, body=body, error=exc)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = PaymentEvent.objects.create(
                    gateway=gateway.name, event_id=key, type=event.type[:60], payload=event.document
                )
        except IntegrityError:
            logger.info("webhook %s (%s) already recorded", key, event.type)
            return "duplicate"
        outcome = _process_event(event.type, event.payload)
        row.processed_at = timezone.now()
        row.outcome = outcome[:300]
        row.save(update_fields=["processed_at", "outcome", "updated_at"])
    logger.info("webhook %s: %s", event.type, outcome)
    return outcome


def _webhook_rejected(*, gateway_name: str, key: str, body: bytes, error: WebhookPayloadInvalid) -> str:
    """Record a signed but unreadable event as rejected, in one insert, then raise ``error`` (400)."""
    reasons = json.dumps(error.details, default=str)
    if error.document is not None:
        payload: dict[str, Any] = error.document
    else:  # not JSON (or not finite): kept as text; PostgreSQL's jsonb refuses NUL characters
        payload = {"unparsed_body": body[:10_000].decode("utf-8", errors="replace").replace("\x00", "\ufffd")}
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(
                gateway=gateway_name,
                event_id=key,
                type=(error.event_type or "invalid")[:60],
                payload=payload,
                processed_at=timezone.now(),
                outcome=f"rejected: {reasons}"[:300],
            )
    except IntegrityError:
        logger.info("webhook %s already recorded", key)
        return "duplicate"
    logger.error("webhook %s rejected: %s", key, reasons[:500])
    raise error


def _entity(payload: dict[str, Any], name: str) -> dict[str, Any]:
    entity: dict[str, Any] = (payload.get(name) or {}).get("entity") or {}
    return entity


def _process_event(event_type: str, payload: dict[str, Any]) -> str:
    """Apply a validated event (``payload`` holds what its schema declares)."""
    if event_type in PAYMENT_EVENTS:
        item = _entity(payload, "payment")
        order_id = item.get("order_id") or _entity(payload, "order").get("id")
        payment = Payment.objects.filter(gateway_order_id=order_id).first() if order_id else None
        if payment is None:
            return "ignored: unknown order"
        if event_type in ("payment.captured", "order.paid"):
            result = payment_succeeded(
                payment_pk=payment.pk,
                gateway_payment_id=item["id"],
                amount_paise=item["amount"],
                currency=item["currency"],
                method=item.get("method") or "",
            )
            return "flagged: amount or currency mismatch" if result.flagged else f"payment {result.status}"
        if event_type == "payment.authorized":
            return _payment_authorized(payment=payment, gateway_payment_id=item["id"], method=item.get("method") or "")
        return _payment_failed(
            payment=payment, gateway_payment_id=item["id"], error=str(item.get("error_description") or "failed")
        )
    if event_type in REFUND_EVENTS:
        refund = Refund.objects.filter(gateway_refund_id=_entity(payload, "refund")["id"]).first()
        if refund is None:
            return "ignored: unknown refund"
        return refund_settled(refund=refund, processed=event_type == "refund.processed", error="gateway: failed")
    return f"ignored: {event_type}"


# --- refunds ---------------------------------------------------------------------------------------


def refund_settled(*, refund: Refund, processed: bool, error: str = "") -> str:
    """The gateway says the refund went through (or did not). A processed refund stays processed."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status == Refund.Status.PROCESSED or (not processed and locked.status == Refund.Status.FAILED):
            return f"ignored: refund already {locked.status}"
        previous = locked.status
        was_failed = locked.status == Refund.Status.FAILED
        locked.status = Refund.Status.PROCESSED if processed else Refund.Status.FAILED
        locked.processed_at = timezone.now() if processed else None
        locked.error = "" if processed else error[:300]
        locked.save(update_fields=["status", "processed_at", "error", "updated_at"])
        audit(
            actor=None,
            action=AuditAction.REFUND_PROCESSED if processed else AuditAction.REFUND_FAILED,
            target=locked,
            changes={"status": [previous, locked.status], **({"error": locked.error} if locked.error else {})},
        )
        amount = from_paise(locked.amount_paise)
        if not processed:  # the money did not go back: finance retries it
            Booking.objects.filter(pk=locked.booking_id).update(amount_refunded=F("amount_refunded") - amount)
        elif was_failed:
            Booking.objects.filter(pk=locked.booking_id).update(amount_refunded=F("amount_refunded") + amount)
    return f"refund {locked.status}"


def refund_send(*, refund_id: Any) -> Refund:
    """Ask the gateway to pay a pending refund back (the ``bookings.send_refund`` task).

    The refund row stays locked while the gateway is asked, so a redelivered task and the sweeper never
    ask at the same time (the second one finds the row locked and leaves it); once the gateway has given
    the refund an id it is never sent again.
    """
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("payment")
            .filter(pk=refund_id)
            .first()
        )
        if refund is None:  # another worker is sending it right now
            return Refund.objects.get(pk=refund_id)
        if refund.gateway_refund_id or refund.status != Refund.Status.PENDING:
            return refund
        gateway = get_gateway(refund.payment.gateway)
        try:
            result = gateway.refund(
                payment_id=refund.payment.gateway_payment_id or "",
                amount_paise=refund.amount_paise,
                notes={"refund_id": str(refund.pk), "booking_id": str(refund.booking_id)},
            )
        except ServiceUnavailable:
            raise
        except Exception as exc:  # the gateway refused (already refunded, bad request): finance looks at it
            logger.exception("refund %s refused by the gateway", refund.pk)
            refund_settled(refund=refund, processed=False, error=f"{type(exc).__name__}: {exc}")
            refund.refresh_from_db()
            return refund
        Refund.objects.filter(pk=refund.pk, gateway_refund_id__isnull=True).update(gateway_refund_id=result.id)
        if result.status == "processed":
            refund_settled(refund=refund, processed=True)
        elif result.status == "failed":
            refund_settled(refund=refund, processed=False, error="gateway: failed")
    refund.refresh_from_db()
    return refund


def refunds_resend_pending(*, now: datetime | None = None) -> int:
    """Send again every refund still waiting for the gateway after ``REFUND_RESEND_AFTER_MINUTES``.

    Covers a refund whose task was lost (a broker outage at commit) or gave up while the gateway was down.
    """
    now = now or timezone.now()
    minutes = int(settings.BOOKINGS_REFUND_RESEND_AFTER_MINUTES)
    ids = list(
        Refund.objects.filter(
            status=Refund.Status.PENDING,
            gateway_refund_id__isnull=True,
            created_at__lte=now - timedelta(minutes=minutes),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in ids:
        enqueue_on_commit(tasks.send_refund, str(pk))
    if ids:
        logger.warning("%d pending refund(s) sent again", len(ids))
    return len(ids)


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
