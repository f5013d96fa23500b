"""Balances of bookings confirmed on a deposit: payment links staff send (and resend), the reminders 7 and 2 days
before the due date, the overdue flag after it and, past the grace, the release of the seats.

A payment link is one :class:`~apps.bookings.models.Payment` (``gateway_order_id`` = the link's id) with its
:class:`~apps.bookings.models.PaymentLink`; whatever reports it paid (the ``payment_link.paid`` webhook, the
reconciliation job asking the gateway, the local payment page) ends in ``payment_succeeded``. The jobs are
idempotent: each message has a ``dedupe_key`` per booking, kind and due date, and each state change is guarded by
the row lock and the booking's state.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings.domain import booking_context, booking_payable
from apps.bookings.errors import NothingToPay, NotPayable, PaymentLinkNotFound
from apps.bookings.gateways import LocalGateway, get_gateway, local_link_id
from apps.bookings.models import Booking, BookingStatus, Payment, PaymentLink
from apps.bookings.pricing import format_inr, from_paise, to_paise
from apps.bookings.services.cancellation import booking_cancel
from apps.bookings.services.common import _lock_booking, _notify_booking
from apps.bookings.services.payments import payment_succeeded
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ApplicationError, ServiceUnavailable
from apps.notifications.models import Category
from apps.notifications.services import notify
from apps.treks.domain import local_today
from apps.users.models import User

logger = logging.getLogger(__name__)

S = BookingStatus


def payment_link_current(*, booking: Booking, actor: User | None, now: datetime | None = None) -> PaymentLink:
    """The booking's open payment link for its whole balance due, created at the gateway when there is none.

    409 ``not_payable`` unless the booking is pending within its hold or confirmed with a balance left; 409
    ``nothing_to_pay`` with no balance. The gateway is asked outside any transaction (as for orders).
    """
    now = now or timezone.now()
    booking.refresh_from_db()
    if not booking_payable(booking, now):
        raise NotPayable(details={"status": booking.status})
    amount = to_paise(booking.balance_due)
    if amount <= 0:
        raise NothingToPay()
    existing = (
        PaymentLink.objects.filter(
            booking=booking,
            amount_paise=amount,
            payment__status=Payment.Status.CREATED,
            payment__flagged=False,
            expires_at__gt=now + timedelta(hours=1),
        )
        .select_related("payment")
        .first()
    )
    if existing is not None:
        return existing
    gateway = get_gateway()
    count = PaymentLink.objects.filter(booking=booking).count()
    expires = now + timedelta(days=settings.BOOKINGS_PAYMENT_LINK_DAYS)
    link = gateway.create_payment_link(
        amount_paise=amount,
        currency=settings.PAYMENTS_CURRENCY,
        reference=f"{booking.reference}-{count + 1}",
        description=f"{booking.batch.trek.name}, {booking.batch.start_date:%d %b %Y}: balance of {booking.reference}",
        customer={
            "name": booking.trekker_name,
            "email": booking.trekker_email,
            "contact": booking.trekker_phone,
        },
        notes={"booking_id": str(booking.pk), "booking_reference": booking.reference},
        expire_by=int(expires.timestamp()),
    )
    if link.amount_paise != amount:
        raise ServiceUnavailable("The payment gateway created a link for another amount.")
    with transaction.atomic():
        payment = Payment.objects.create(
            booking=booking,
            gateway=gateway.name,
            gateway_order_id=link.id,
            amount_paise=amount,
            currency=link.currency,
        )
        row = PaymentLink.objects.create(
            booking=booking,
            payment=payment,
            gateway_link_id=link.id,
            url=link.url,
            amount_paise=amount,
            expires_at=expires,
            created_by=actor,
        )
        audit(
            actor=actor,
            action=AuditAction.PAYMENT_LINK_CREATED,
            target=row,
            changes={"booking": str(booking.pk), "link": link.id, "amount_paise": amount},
        )
    return row


def payment_link_send(*, actor: User | None, booking: Booking, now: datetime | None = None) -> PaymentLink:
    """Send the trekker the link that pays their balance (created when needed; staff may send it again).

    Each call sends a message (its dedupe key is the link's send count, read under a row lock) and counts it on
    the link. Audited with the actor.
    """
    now = now or timezone.now()
    link = payment_link_current(booking=booking, actor=actor, now=now)
    with transaction.atomic():
        locked = _lock_booking(booking.pk)
        sends = PaymentLink.objects.select_for_update().values_list("times_sent", flat=True).get(pk=link.pk)
        _notify_booking(
            locked,
            "balance_payment_link",
            category=Category.PAYMENT,
            amount=format_inr(from_paise(link.amount_paise)),
            payment_url=link.url,
            due_date=_due_text(locked),
            dedupe=f"{link.pk}:{sends + 1}",  # every send is a message of its own
        )
        PaymentLink.objects.filter(pk=link.pk).update(times_sent=sends + 1, last_sent_at=now)
        audit(
            actor=actor,
            action=AuditAction.PAYMENT_LINK_SENT,
            target=link,
            changes={"booking": str(booking.pk), "amount_paise": link.amount_paise},
        )
    link.refresh_from_db()
    return link


def _due_text(booking: Booking) -> str:
    return booking.balance_due_date.strftime("%d %b %Y") if booking.balance_due_date else ""


def _balance_open() -> Any:
    return Booking.objects.filter(status=S.CONFIRMED, balance_due_date__isnull=False, final_amount__gt=F("amount_paid"))


def balance_reminders_send(*, today: date | None = None, now: datetime | None = None) -> int:
    """The daily job: remind every booking whose balance is due in 7 or 2 days, with its payment link, once per
    booking, due date and day (a second run sends nothing). Returns the deliveries queued."""
    today = today or local_today()
    now = now or timezone.now()
    sent = 0
    for days in settings.BOOKINGS_BALANCE_REMINDER_DAYS:
        due = today + timedelta(days=days)
        for booking in _balance_open().filter(balance_due_date=due).select_related("batch__trek", "user"):
            key = f"{due.isoformat()}:{days}d"
            try:
                link = payment_link_current(booking=booking, actor=None, now=now)
            except ApplicationError:  # the gateway refused or is down: this one is retried on the next run
                logger.exception("balance reminder for %s: no payment link", booking.reference)
                continue
            with transaction.atomic():
                locked = _lock_booking(booking.pk)
                if locked.status != S.CONFIRMED or locked.balance_due <= 0:
                    continue
                deliveries = notify(
                    template="balance_reminder",
                    category=Category.PAYMENT,
                    context=booking_context(
                        locked,
                        amount=format_inr(locked.balance_due),
                        payment_url=link.url,
                        due_date=_due_text(locked),
                        days_before=days,
                    ),
                    user=locked.user,
                    dedupe_key=f"booking:{locked.pk}:balance-reminder:{key}",
                )
                if deliveries:
                    PaymentLink.objects.filter(pk=link.pk).update(times_sent=F("times_sent") + 1, last_sent_at=now)
            sent += len(deliveries)
    logger.info("balance reminders for %s: %d deliveries", today, sent)
    return sent


def balances_overdue_process(*, today: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """The daily job: flag confirmed bookings whose balance is unpaid after its due date (ops list them with
    ``?balance=overdue``) and tell the trekker; release the seats of those still unpaid after the grace days
    (cancelled by the system, refunded by the cancellation policy as a cancellation that day would be)."""
    today = today or local_today()
    now = now or timezone.now()
    flagged = released = 0
    for pk in (
        _balance_open().filter(balance_due_date__lt=today, balance_overdue_at__isnull=True).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            booking = _lock_booking(pk)
            due = booking.balance_due_date
            if booking.status != S.CONFIRMED or booking.balance_due <= 0 or booking.balance_overdue_at or not due:
                continue
            booking.balance_overdue_at = now
            booking.save(update_fields=["balance_overdue_at", "updated_at"])
            audit(
                actor=None,
                action=AuditAction.BOOKING_BALANCE_OVERDUE,
                target=booking,
                changes={"balance_due": str(booking.balance_due), "due_date": due.isoformat()},
            )
            _notify_booking(
                booking,
                "balance_overdue",
                category=Category.PAYMENT,
                amount=format_inr(booking.balance_due),
                due_date=_due_text(booking),
                release_date=(due + timedelta(days=settings.BOOKINGS_BALANCE_GRACE_DAYS + 1)).strftime("%d %b %Y"),
                dedupe=due.isoformat(),
            )
        flagged += 1
    grace_end = today - timedelta(days=settings.BOOKINGS_BALANCE_GRACE_DAYS)
    for booking in _balance_open().filter(balance_due_date__lt=grace_end, balance_overdue_at__isnull=False):
        try:
            booking_cancel(
                booking=booking,
                actor=None,
                reason=f"Balance of {format_inr(booking.balance_due)} not paid by {_due_text(booking)}.",
                today=today,
                template="balance_released",
            )
        except ApplicationError:  # cancelled or paid meanwhile
            continue
        released += 1
    if flagged or released:
        logger.info("overdue balances on %s: %d flagged, %d released", today, flagged, released)
    return {"flagged": flagged, "released": released}


# --- the local payment page (development: the local gateway's links point here) -----------------------------


def payment_link_by_token(token: str) -> PaymentLink:
    """The link a signed local token names (404 ``payment_link_not_found`` for a forged or unknown one)."""
    link_id = local_link_id(token)
    link = (
        PaymentLink.objects.select_related("booking__batch__trek", "payment").filter(gateway_link_id=link_id).first()
        if link_id
        else None
    )
    if link is None:
        raise PaymentLinkNotFound()
    return link


def payment_link_local_pay(*, token: str, now: datetime | None = None) -> PaymentLink:
    """Pay a local link in full, as the gateway's hosted page would (local gateway only; 404 otherwise)."""
    now = now or timezone.now()
    link = payment_link_by_token(token)
    if link.payment.gateway != LocalGateway.name:
        raise PaymentLinkNotFound()
    if link.payment.status == Payment.Status.CAPTURED:
        return link
    if (link.expires_at and link.expires_at <= now) or not booking_payable(link.booking, now):
        raise NotPayable(details={"status": link.booking.status})
    gateway = LocalGateway()
    checkout = gateway.simulate_payment(order_id=link.gateway_link_id)
    payment_succeeded(
        payment_pk=link.payment.pk,
        gateway_payment_id=checkout["razorpay_payment_id"],
        amount_paise=link.amount_paise,
        currency=link.payment.currency,
        method="upi",
    )
    link.refresh_from_db()
    link.payment.refresh_from_db()
    return link
