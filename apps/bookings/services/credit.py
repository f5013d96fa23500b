"""Trek credit: the per-user ledger (issue, redeem, return, expire), paying a booking with credit, and the
expiry reminders. The choice offered when a departure is cancelled is in :mod:`.credit_offers`.

Every change of a user's credit locks that user's row first (after the booking's, when there is one: bookings
before users, always), so the balance read under the lock is exact and two bookings spending the same credit
at once never overspend it. A user's balance is the sum of their ledger lines; grants are spent earliest-expiring
first, and what is left of a grant when it expires is written off by an ``expiry`` line.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from apps.bookings.domain import booking_payable
from apps.bookings.errors import AmountExceedsBalance, CreditInsufficient, NothingToPay, NotPayable
from apps.bookings.models import CREDIT_GATEWAY, Booking, CreditTransaction, Payment
from apps.bookings.pricing import format_inr, to_paisa, to_paise
from apps.bookings.services.common import _lock_booking
from apps.bookings.services.credit_notes import credit_note_for_credit
from apps.bookings.services.documents import require_emergency_contact
from apps.bookings.services.payments import payment_succeeded
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import IdempotencyKeyReused, ValidationFailed
from apps.common.idempotency import request_digest
from apps.notifications.models import Category
from apps.notifications.services import notify
from apps.users.models import User
from apps.users.selectors import lock_user

logger = logging.getLogger(__name__)

R = CreditTransaction.Reason
ZERO = Decimal("0.00")
_KEY_REUSED = "This idempotency key was already used for a different credit change."


def _balance(user_id: Any) -> Decimal:
    total = CreditTransaction.objects.filter(user_id=user_id).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else ZERO


def _write(
    *,
    user_id: Any,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
    booking: Booking | None = None,
    payment: Payment | None = None,
    now: datetime | None = None,
) -> tuple[CreditTransaction, bool]:
    """Append one line for the (locked) user; the same key again returns the first line (created False)."""
    existing = CreditTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.user_id != user_id or existing.amount != amount:
            raise IdempotencyKeyReused(_KEY_REUSED)
        return existing, False
    balance = _balance(user_id) + amount
    if balance < 0:
        raise CreditInsufficient(details={"credit_balance": str(balance - amount)})
    expires_at = None
    if amount > 0:
        expires_at = (now or timezone.now()) + timedelta(days=int(settings.TREK_CREDIT_VALID_DAYS))
    try:
        with transaction.atomic():
            entry = CreditTransaction.objects.create(
                user_id=user_id,
                amount=amount,
                reason=reason,
                booking=booking,
                payment=payment,
                idempotency_key=idempotency_key,
                expires_at=expires_at,
                balance_after=balance,
            )
    except IntegrityError as exc:  # the same key taken concurrently for another user
        raise IdempotencyKeyReused(_KEY_REUSED) from exc
    return entry, True


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantLeft:
    grant: CreditTransaction
    left: Decimal


def _grants_left(user_id: Any) -> list[GrantLeft]:
    """What is left of each grant, spending every debit on the earliest-expiring grants first."""
    lines = list(CreditTransaction.objects.filter(user_id=user_id).order_by("expires_at", "created_at", "id"))
    debits = -sum((line.amount for line in lines if line.amount < 0), ZERO)
    left: list[GrantLeft] = []
    for grant in (line for line in lines if line.amount > 0):
        spent = min(grant.amount, debits)
        debits -= spent
        left.append(GrantLeft(grant=grant, left=grant.amount - spent))
    return left


def credit_balance(*, user: User, now: datetime | None = None) -> Decimal:
    """The user's spendable credit: the sum of their lines less what has expired and is not written off yet."""
    now = now or timezone.now()
    expired = sum((g.left for g in _grants_left(user.pk) if g.grant.expires_at and g.grant.expires_at <= now), ZERO)
    return _balance(user.pk) - expired


def credit_grants_left(*, user: User, now: datetime | None = None) -> list[GrantLeft]:
    """The user's grants not yet spent nor expired, soonest to expire first."""
    now = now or timezone.now()
    return [g for g in _grants_left(user.pk) if g.left > 0 and g.grant.expires_at and g.grant.expires_at > now]


# --- writing --------------------------------------------------------------------------------------


def _expire(user_id: Any, *, now: datetime) -> CreditTransaction | None:
    """Write off what is left of the (locked) user's expired grants, in one ``expiry`` line."""
    expired = [g for g in _grants_left(user_id) if g.left > 0 and g.grant.expires_at and g.grant.expires_at <= now]
    amount = sum((g.left for g in expired), ZERO)
    if amount <= 0:
        return None
    last = expired[-1].grant
    entry, created = _write(user_id=user_id, amount=-amount, reason=R.EXPIRY, idempotency_key=f"expiry:{last.pk}")
    if created:
        audit(actor=None, action=AuditAction.CREDIT_EXPIRED, target=entry, changes={"amount": str(-amount)})
        logger.info("trek credit of %s expired for user %s", amount, user_id)
    return entry


def credit_issue(
    *,
    booking: Booking,
    amount: Decimal,
    reason: str,
    actor: User | None,
    idempotency_key: str,
    now: datetime | None = None,
) -> CreditTransaction:
    """Give the booker ``amount`` (> 0, rupees) of trek credit against the (locked) booking, instead of a refund.

    Adds it to ``booking.amount_credited``, issues the GST credit note against the booking's invoices for what of
    the booking's value the credit replaces (:func:`~.credit_notes.credit_note_for_credit`), audits it, tells the
    booker. The same ``idempotency_key`` again returns the first line and changes nothing. Call it inside the
    transaction holding the booking's lock.
    """
    amount = to_paisa(amount)
    if amount <= 0:
        raise ValidationFailed(details={"amount": ["Credit issued must be positive."]})
    if reason not in (R.CANCELLATION, R.BATCH_CANCELLED):
        raise ValidationFailed(details={"reason": [f"Credit is not issued for {reason!r}."]})
    now = now or timezone.now()
    with transaction.atomic():
        lock_user(booking.user_id)
        entry, created = _write(
            user_id=booking.user_id,
            amount=amount,
            reason=reason,
            idempotency_key=idempotency_key,
            booking=booking,
            now=now,
        )
        if not created:
            return entry
        Booking.objects.filter(pk=booking.pk).update(amount_credited=F("amount_credited") + amount)
        booking.refresh_from_db(fields=["amount_credited"])
        credit_note_for_credit(booking=booking, grant=entry, actor=actor)
        audit(
            actor=actor,
            action=AuditAction.CREDIT_ISSUED,
            target=entry,
            changes={"booking": str(booking.pk), "amount": str(amount), "reason": reason},
        )
        notify(
            template="credit_issued",
            category=Category.PAYMENT,
            context={
                "first_name": booking.user.first_name or "Trekker",
                "booking_reference": booking.reference,
                "credit_amount": format_inr(amount, symbol=""),
                "expires_on": timezone.localdate(entry.expires_at).isoformat() if entry.expires_at else "",
            },
            user=booking.user,
            dedupe_key=f"credit:{entry.pk}:issued",
        )
    logger.info("trek credit of %s issued on %s", amount, booking.reference)
    return entry


def credit_return(*, payment: Payment, amount_paise: int, idempotency_key: str) -> CreditTransaction:
    """Give back as credit (a fresh grant) ``amount_paise`` of a payment made with credit that is being refunded."""
    amount = to_paisa(Decimal(amount_paise) / 100)
    booking = payment.booking
    with transaction.atomic():
        lock_user(booking.user_id)
        entry, created = _write(
            user_id=booking.user_id, amount=amount, reason=R.RETURNED, idempotency_key=idempotency_key, booking=booking
        )
        if created:
            audit(
                actor=None,
                action=AuditAction.CREDIT_RETURNED,
                target=entry,
                changes={"booking": str(booking.pk), "payment": str(payment.pk), "amount": str(amount)},
            )
    return entry


def _check_payable(booking: Booking, now: datetime) -> Decimal:
    """The (locked) booking's balance due, when it can take a payment now (409 otherwise)."""
    if not booking_payable(booking, now):
        raise NotPayable(details={"status": booking.status})
    if booking.balance_due <= 0:
        raise NothingToPay()
    return booking.balance_due


def credit_redeem(
    *,
    user: User,
    booking_id: Any,
    amount: Decimal | None,
    key: uuid.UUID,
    now: datetime | None = None,
) -> tuple[Payment, bool]:
    """Pay (part of) the booking's balance with the booker's trek credit: a captured payment of the ``credit``
    gateway, credited through ``payment_succeeded`` like any other, and its ``redemption`` line in the ledger.

    ``amount`` None: as much as the credit covers. Returns (payment, created); the same ``key`` with the same
    request returns the first payment (422 ``idempotency_key_reused`` with another). More than the balance due:
    409 ``amount_exceeds_balance``; more than the credit: 409 ``credit_insufficient``.
    """
    now = now or timezone.now()
    digest = request_digest({"booking": str(booking_id), "amount": str(amount)})
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        existing = Payment.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.request_digest != digest or existing.booking_id != booking.pk:
                raise IdempotencyKeyReused(details={"payment_id": str(existing.pk)})
            return existing, False
        due = _check_payable(booking, now)
        require_emergency_contact(booking)  # as before any payment: a booking never confirms without one
        lock_user(booking.user_id)
        _expire(booking.user_id, now=now)
        available = _balance(booking.user_id)
        wanted = min(due, available) if amount is None else to_paisa(amount)
        if wanted <= 0:
            raise CreditInsufficient(details={"credit_balance": str(available)})
        if wanted > due:
            raise AmountExceedsBalance(details={"balance_due_paise": to_paise(due)})
        if wanted > available:
            raise CreditInsufficient(details={"credit_balance": str(available)})
        order_id = f"credit_{uuid.uuid4().hex}"
        payment = Payment.objects.create(
            booking=booking,
            gateway=CREDIT_GATEWAY,
            gateway_order_id=order_id,
            amount_paise=to_paise(wanted),
            currency=settings.PAYMENTS_CURRENCY,
            method=CREDIT_GATEWAY,
            idempotency_key=key,
            request_digest=digest,
        )
        entry, _ = _write(
            user_id=booking.user_id,
            amount=-wanted,
            reason=R.REDEMPTION,
            idempotency_key=f"redemption:{payment.pk}",
            booking=booking,
            payment=payment,
        )
        audit(
            actor=user,
            action=AuditAction.CREDIT_REDEEMED,
            target=entry,
            changes={"booking": str(booking.pk), "payment": str(payment.pk), "amount": str(wanted)},
        )
        payment = payment_succeeded(
            payment_pk=payment.pk,
            gateway_payment_id=order_id,
            amount_paise=payment.amount_paise,
            currency=payment.currency,
            method=CREDIT_GATEWAY,
            actor=user,
        )
    logger.info("trek credit of %s paid towards %s", wanted, booking.reference)
    return payment, True


# --- the daily job --------------------------------------------------------------------------------


def credits_expire(*, now: datetime | None = None) -> int:
    """Write off every expired grant's remainder. Returns the number of expiry lines written."""
    now = now or timezone.now()
    users = (
        CreditTransaction.objects.filter(amount__gt=0, expires_at__lte=now).values_list("user_id", flat=True).distinct()
    )
    written = 0
    for user_id in list(users):
        with transaction.atomic():
            lock_user(user_id)
            if _expire(user_id, now=now) is not None:
                written += 1
    return written


def credit_expiry_reminders(*, now: datetime | None = None) -> int:
    """Remind each user of credit expiring within ``TREK_CREDIT_REMINDER_DAYS`` (once per grant)."""
    now = now or timezone.now()
    horizon = now + timedelta(days=int(settings.TREK_CREDIT_REMINDER_DAYS))
    users = (
        CreditTransaction.objects.filter(amount__gt=0, expires_at__gt=now, expires_at__lte=horizon)
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user in User.objects.filter(pk__in=list(users)):
        for item in credit_grants_left(user=user, now=now):
            expires_at = item.grant.expires_at
            if expires_at is None or expires_at > horizon:
                continue
            with transaction.atomic():
                created = notify(
                    template="credit_expiring",
                    category=Category.PAYMENT,
                    context={
                        "first_name": user.first_name or "Trekker",
                        "credit_amount": format_inr(item.left, symbol=""),
                        "expires_on": timezone.localdate(expires_at).isoformat(),
                    },
                    user=user,
                    dedupe_key=f"credit:{item.grant.pk}:expiring",
                )
            sent += bool(created)
    return sent
