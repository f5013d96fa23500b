"""Money staff take or give back outside the gateway: an offline payment (cash, UPI, bank transfer) and a refund
paid by hand.

An offline payment is written as a payment of the ``offline`` gateway and then credited by
:func:`~apps.bookings.services.payments.payment_succeeded`, the path every gateway capture takes: the booking is
confirmed, told and joined to its batch chat exactly as after a Checkout payment, and the revenue report, the
admin's money pages and the backups' totals count it like any captured payment.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.domain import booking_in_hold
from apps.bookings.errors import AmountExceedsBalance, NothingToPay, NotPayable, RefundAtGateway
from apps.bookings.models import OFFLINE_GATEWAY, Booking, OfflineMethod, Payment, Refund
from apps.bookings.pricing import to_paise
from apps.bookings.services.common import _lock_booking
from apps.bookings.services.documents import require_emergency_contact
from apps.bookings.services.payments import payment_succeeded
from apps.bookings.services.refunds import refund_settled
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import (
    AlreadyExists,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from apps.common.idempotency import request_digest
from apps.users.models import User

logger = logging.getLogger(__name__)

# what a UPI payment or a bank transfer must name besides the receipt
_REFERENCE_NEEDED = {OfflineMethod.UPI: "the UPI reference", OfflineMethod.BANK_TRANSFER: "the bank transfer's UTR"}


def _check_method(method: str, receipt_reference: str, payment_reference: str | None = None) -> None:
    """``payment_reference`` None: not asked (a refund's receipt reference is its UPI reference or UTR)."""
    errors: dict[str, list[str]] = {}
    if method not in OfflineMethod.values:
        errors["method"] = [f"One of {', '.join(OfflineMethod.values)}."]
    elif payment_reference is not None and method in _REFERENCE_NEEDED and not payment_reference:
        errors["payment_reference"] = [f"Give {_REFERENCE_NEEDED[OfflineMethod(method)]}."]
    if not receipt_reference:
        errors["receipt_reference"] = ["Give the number of the receipt handed over."]
    if errors:
        raise ValidationFailed(details=errors)


def _check_payable(booking: Booking, *, amount_paise: int, receipt_reference: str, now: datetime) -> None:
    """The refusals of an offline payment for the (locked) booking, as the gateway order's (409)."""
    if not booking_in_hold(booking, now):
        raise NotPayable(details={"status": booking.status})
    balance = to_paise(booking.balance_due)
    if balance <= 0:
        raise NothingToPay()
    if amount_paise > balance:
        raise AmountExceedsBalance(details={"balance_due_paise": balance})
    require_emergency_contact(booking)
    if Payment.objects.filter(gateway=OFFLINE_GATEWAY, receipt_reference=receipt_reference).exists():
        raise AlreadyExists(details={"receipt_reference": ["This receipt has been recorded already."]})


def payment_record_offline(
    *,
    actor: User,
    booking_id: Any,
    amount_paise: int,
    method: str,
    receipt_reference: str,
    payment_reference: str = "",
    key: uuid.UUID,
    now: datetime | None = None,
) -> tuple[Payment, bool]:
    """Record money ``actor`` took for a pending booking and credit it as a gateway capture would.

    Returns (payment, created). The same ``key`` with the same values returns the payment it recorded (created
    False, nothing written); with other values, or for another booking, 422 ``idempotency_key_reused``. A
    booking that cannot take payments is 409 ``not_payable`` (not pending, or its hold lapsed), one with
    nothing to pay ``nothing_to_pay``, more than its balance ``amount_exceeds_balance``; a receipt number
    recorded before, 409 ``already_exists``.
    """
    payment_reference, receipt_reference = payment_reference.strip(), receipt_reference.strip()
    _check_method(method, receipt_reference, payment_reference)
    if amount_paise <= 0:
        raise ValidationFailed(details={"amount_paise": ["A positive amount in paise."]})
    digest = request_digest(
        {"booking": str(booking_id), "amount_paise": amount_paise, "method": method,
         "payment_reference": payment_reference, "receipt_reference": receipt_reference}
    )  # fmt: skip
    now = now or timezone.now()
    if not Booking.objects.filter(pk=booking_id).exists():
        raise NotFound("No such booking.")
    try:
        with transaction.atomic():
            booking = _lock_booking(booking_id)  # serialises every payment of this booking, replays included
            existing = Payment.objects.filter(idempotency_key=key).first()
            if existing is not None:
                if existing.request_digest != digest:
                    raise IdempotencyKeyReused(details={"payment_id": str(existing.pk)})
                return existing, False
            _check_payable(booking, amount_paise=amount_paise, receipt_reference=receipt_reference, now=now)
            order_id = f"offline_{uuid.uuid4().hex}"
            payment = Payment.objects.create(
                booking=booking,
                gateway=OFFLINE_GATEWAY,
                gateway_order_id=order_id,
                amount_paise=amount_paise,
                currency=settings.PAYMENTS_CURRENCY,
                method=method,
                payment_reference=payment_reference,
                receipt_reference=receipt_reference,
                recorded_by=actor,
                idempotency_key=key,
                request_digest=digest,
            )
            audit(
                actor=actor,
                action=AuditAction.PAYMENT_RECORDED,
                target=payment,
                changes={
                    "booking": str(booking.pk),
                    "amount_paise": amount_paise,
                    "method": method,
                    "payment_reference": payment_reference,
                    "receipt_reference": receipt_reference,
                },
            )
            payment = payment_succeeded(
                payment_pk=payment.pk,
                gateway_payment_id=order_id,
                amount_paise=amount_paise,
                currency=payment.currency,
                method=method,
                actor=actor,
            )
    except IntegrityError as exc:  # a concurrent request for another booking took the key or the receipt number
        if Payment.objects.filter(idempotency_key=key).exists():
            raise IdempotencyKeyReused() from exc
        raise AlreadyExists(details={"receipt_reference": ["This receipt has been recorded already."]}) from exc
    logger.info("offline %s payment of %s paise recorded for %s", method, amount_paise, booking.reference)
    return payment, True


def refund_pay_manually(*, actor: User, refund_id: Any, method: str, receipt_reference: str) -> Refund:
    """Mark a refund paid back outside the gateway (cash, UPI, bank transfer) with the receipt's reference.

    For a refund of an offline payment (never sent to the gateway) or one the gateway failed or was never asked
    to pay; one the gateway holds (it gave the refund an id and has not failed it) is 409 ``refund_at_gateway``,
    a processed one 409 ``invalid_transition``. The booking's refunded total is kept by ``refund_settled``.
    """
    receipt_reference = receipt_reference.strip()
    _check_method(method, receipt_reference)
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related("payment").filter(pk=refund_id).first()
        if refund is None:
            raise NotFound("No such refund.")
        if refund.status == Refund.Status.PROCESSED:
            raise InvalidTransition(details={"from": refund.status, "to": Refund.Status.PROCESSED})
        if refund.status == Refund.Status.PENDING and refund.gateway_refund_id:
            raise RefundAtGateway()
        previous = refund.status
        refund.manual_method = method
        refund.receipt_reference = receipt_reference
        refund.settled_by = actor
        refund.save(update_fields=["manual_method", "receipt_reference", "settled_by", "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.REFUND_SETTLED_OFFLINE,
            target=refund,
            changes={
                "status": [previous, Refund.Status.PROCESSED],
                "method": method,
                "receipt_reference": receipt_reference,
                "amount_paise": refund.amount_paise,
            },
        )
        refund_settled(refund=refund, processed=True, actor=actor)
    refund.refresh_from_db()
    return refund
