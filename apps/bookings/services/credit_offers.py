"""A cancelled departure's choice: trek credit at ``TREK_CREDIT_BATCH_CANCEL_PERCENT`` of what was paid, or a full
refund. The booking is cancelled at once (seats back); its money waits for the booker's choice until ``decide_by``
(``TREK_CREDIT_OFFER_DAYS``), then ``TREK_CREDIT_OFFER_DEFAULT`` applies."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.bookings.errors import CreditOfferDecided
from apps.bookings.models import Booking, CreditOffer, CreditTransaction, Refund
from apps.bookings.pricing import HUNDRED, to_paisa
from apps.bookings.services.common import _lock_booking, refund_create
from apps.bookings.services.credit import credit_issue
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import NotFound
from apps.users.models import User

logger = logging.getLogger(__name__)

C = CreditOffer.Choice


def credit_offer_open(*, booking: Booking, refund_amount: Decimal, now: datetime | None = None) -> CreditOffer:
    """Offer the (locked, cancelled) booking's booker credit at the bonus or ``refund_amount`` back."""
    now = now or timezone.now()
    percent = int(settings.TREK_CREDIT_BATCH_CANCEL_PERCENT)
    offer, created = CreditOffer.objects.get_or_create(
        booking=booking,
        defaults={
            "refund_amount": refund_amount,
            "credit_amount": to_paisa(refund_amount * Decimal(percent) / HUNDRED),
            "credit_percent": percent,
            "decide_by": now + timedelta(days=int(settings.TREK_CREDIT_OFFER_DAYS)),
        },
    )
    if created:
        audit(
            actor=None,
            action=AuditAction.CREDIT_OFFERED,
            target=offer,
            changes={
                "booking": str(booking.pk),
                "refund_amount": str(offer.refund_amount),
                "credit_amount": str(offer.credit_amount),
                "decide_by": offer.decide_by.isoformat(),
            },
        )
    return offer


def credit_offer_choose(
    *, booking_id: Any, choice: str, actor: User | None, defaulted: bool = False, now: datetime | None = None
) -> CreditOffer:
    """Settle the offer as ``credit`` (a ledger grant, ``booking.amount_credited``) or ``refund`` (a full refund
    through ``refund_create``). Once only: 409 ``credit_offer_decided`` after; 404 without an offer."""
    if choice not in (C.CREDIT, C.REFUND):
        raise ValueError(f"choice: {choice!r}")
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        offer = CreditOffer.objects.select_for_update().filter(booking=booking).first()
        if offer is None:
            raise NotFound("This booking has no choice of credit or refund.")
        if offer.choice != C.PENDING:
            raise CreditOfferDecided(details={"choice": offer.choice})
        if choice == C.CREDIT:
            credit_issue(
                booking=booking,
                amount=offer.credit_amount,
                reason=CreditTransaction.Reason.BATCH_CANCELLED,
                actor=actor,
                idempotency_key=f"batch_cancelled:{booking.pk}",
                now=now,
            )
        else:
            refund_create(booking=booking, amount=offer.refund_amount, reason=Refund.Reason.BATCH_CANCELLED)
        offer.choice = choice
        offer.decided_at = now
        offer.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        offer.defaulted = defaulted
        offer.save(update_fields=["choice", "decided_at", "decided_by", "defaulted", "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.CREDIT_OFFER_CHOSEN,
            target=offer,
            changes={"booking": str(booking.pk), "choice": choice, "defaulted": defaulted},
        )
    logger.info("booking %s settled by %s%s", booking.reference, choice, " (default)" if defaulted else "")
    return offer


def credit_offers_settle_due(*, now: datetime | None = None) -> int:
    """Apply ``TREK_CREDIT_OFFER_DEFAULT`` to every offer nobody chose by its ``decide_by``."""
    now = now or timezone.now()
    due = list(
        CreditOffer.objects.filter(choice=C.PENDING, decide_by__lte=now).values_list("booking_id", flat=True)[:500]
    )
    settled = 0
    for booking_id in due:
        try:
            credit_offer_choose(
                booking_id=booking_id, choice=settings.TREK_CREDIT_OFFER_DEFAULT, actor=None, defaulted=True, now=now
            )
        except CreditOfferDecided:  # chosen meanwhile
            continue
        settled += 1
    return settled
