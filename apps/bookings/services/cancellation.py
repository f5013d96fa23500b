"""Cancellations: the policy quote, cancelling one booking, and ops cancelling a whole departure."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings import tasks
from apps.bookings.domain import check_transition, completion_points_key
from apps.bookings.models import (
    ACTIVE_STATUSES,
    BatchCancellation,
    Booking,
    BookingStatus,
    CreditTransaction,
    Refund,
    WaitlistEntry,
)
from apps.bookings.policy import credit_percent_for, refund_percent_for
from apps.bookings.pricing import HUNDRED, format_inr, to_paisa, to_paise
from apps.bookings.services.addons import booking_add_ons_release
from apps.bookings.services.common import _lock_booking, _notify_booking, coupon_release, refund_create
from apps.bookings.services.credit import credit_issue
from apps.bookings.services.credit_offers import credit_offer_open
from apps.bookings.services.waitlist import waitlist_offer_next
from apps.common.audit import AuditAction, audit
from apps.common.services import enqueue_on_commit
from apps.messaging.services import batch_conversation_leave
from apps.treks.domain import local_today
from apps.treks.models import Batch
from apps.treks.services.batches import batch_cancel, batch_release_seats
from apps.users.models import User
from apps.users.services.loyalty import points_reverse

logger = logging.getLogger(__name__)

S = BookingStatus


@dataclass(frozen=True)
class CancellationQuote:
    days_before_start: int
    refund_percent: int
    amount_paid: Decimal
    refund_amount: Decimal
    # taking trek credit instead of the refund (``settle="credit"``): a better rate, see credit_percent_for
    credit_percent: int
    credit_amount: Decimal


def cancellation_quote(
    *, booking: Booking, today: date | None = None, refund_percent: int | None = None
) -> CancellationQuote:
    today = today or local_today()
    days = (booking.batch.start_date - today).days
    percent = refund_percent_for(days) if refund_percent is None else refund_percent
    refundable = booking.amount_paid - booking.amount_refunded
    credit_percent = credit_percent_for(percent)
    return CancellationQuote(
        days_before_start=days,
        refund_percent=percent,
        amount_paid=booking.amount_paid,
        refund_amount=to_paisa(refundable * Decimal(percent) / HUNDRED),
        credit_percent=credit_percent,
        credit_amount=to_paisa(refundable * Decimal(credit_percent) / HUNDRED),
    )


def booking_cancel(
    *,
    booking: Booking,
    actor: User | None,
    reason: str = "",
    today: date | None = None,
    full_refund: bool = False,
    template: str = "booking_cancelled",
    settle: str = "refund",
) -> Booking:
    """Cancel a pending or confirmed booking: seats back, refund by the policy (or in full), points reversed.

    ``settle``: ``refund`` (the quote's refund), ``credit`` (the quote's trek credit instead: a better rate) or
    ``offer`` (a cancelled departure: the booker chooses credit at a bonus or a full refund later,
    :func:`~apps.bookings.services.credit_offers.credit_offer_choose`).
    409 ``invalid_transition`` for any other status. One audit row names who cancelled (None: the system).
    """
    if settle not in ("refund", "credit", "offer"):
        raise ValueError(f"settle: {settle!r}")
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        check_transition(booking, S.CANCELLED)
        quote = cancellation_quote(booking=booking, today=today, refund_percent=100 if full_refund else None)
        previous = booking.status
        booking.status = S.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.cancelled_by = actor if getattr(actor, "is_authenticated", False) else None
        booking.cancellation_reason = reason[:500]
        booking.cancellation_refund_percent = quote.refund_percent
        booking.hold_expires_at = None
        booking.save()
        batch_release_seats(batch_id=booking.batch_id, seats=booking.seats)
        booking_add_ons_release(booking)
        if booking.amount_paid == 0:
            coupon_release(booking)
        refunds = []
        credited = offered = Decimal("0.00")
        decide_by = ""
        if settle == "credit" and quote.credit_amount > 0:
            credited = credit_issue(
                booking=booking,
                amount=quote.credit_amount,
                reason=CreditTransaction.Reason.CANCELLATION,
                actor=actor,
                idempotency_key=f"cancellation:{booking.pk}",
            ).amount
        elif settle == "offer" and quote.refund_amount > 0:
            offer = credit_offer_open(booking=booking, refund_amount=quote.refund_amount)
            offered, decide_by = offer.credit_amount, timezone.localdate(offer.decide_by).isoformat()
        elif quote.refund_amount > 0:
            reason_code = Refund.Reason.BATCH_CANCELLED if full_refund else Refund.Reason.CANCELLATION
            refunds = refund_create(booking=booking, amount=quote.refund_amount, reason=reason_code)
        points_reverse(idempotency_key=completion_points_key(booking), reference=f"booking:{booking.reference}")
        WaitlistEntry.objects.filter(booking=booking).update(status=WaitlistEntry.Status.DONE)
        batch_conversation_leave(batch_id=booking.batch_id, user=booking.user)
        audit(
            actor=actor,
            action=AuditAction.BOOKING_CANCELLED,
            target=booking,
            changes={
                "status": [previous, S.CANCELLED],
                "refund_percent": quote.refund_percent,
                "reason": reason,
                "settle": settle,
                **({"credit": str(credited)} if credited else {}),
            },
        )
        if offered:
            template = "batch_cancelled_choice"
        _notify_booking(
            booking,
            template,
            refund_amount=str(sum((r.amount for r in refunds), Decimal("0.00"))),
            refund_percent=quote.refund_percent,
            credit_amount=format_inr(credited or offered, symbol=""),
            full_refund_amount=format_inr(quote.refund_amount, symbol=""),
            decide_by=decide_by,
        )
        waitlist_offer_next(batch_id=booking.batch_id)
    logger.info("booking %s cancelled (%s%% refund)", booking.reference, quote.refund_percent)
    return booking


# --- a whole departure ----------------------------------------------------------------------------


def batch_bulk_cancel_start(*, actor: User, batch: Batch, reason: str = "") -> BatchCancellation:
    """Cancel the batch now and queue the cancellation of its bookings (full refunds) as a Celery task."""
    with transaction.atomic():
        already = batch.status == Batch.Status.CANCELLED
        batch = batch_cancel(actor=actor, batch=batch, reason=reason)
        latest = BatchCancellation.objects.filter(batch=batch).order_by("-created_at").first()
        if already and latest is not None:
            if latest.state == BatchCancellation.State.FAILED:  # try the rest again
                BatchCancellation.objects.filter(pk=latest.pk).update(state=BatchCancellation.State.QUEUED, error="")
                enqueue_on_commit(tasks.run_batch_cancellation, str(latest.pk))
            return latest
        job = BatchCancellation.objects.create(
            batch=batch,
            requested_by=actor,
            reason=reason[:500],
            total=Booking.objects.filter(batch=batch, status__in=ACTIVE_STATUSES).count(),
        )
        WaitlistEntry.objects.filter(batch=batch, status=WaitlistEntry.Status.WAITING).update(
            status=WaitlistEntry.Status.LEFT
        )
        audit(
            actor=actor,
            action=AuditAction.BATCH_CANCELLATION_QUEUED,
            target=batch,
            changes={"job": str(job.pk), "total": job.total},
        )
        enqueue_on_commit(tasks.run_batch_cancellation, str(job.pk))
    return job


def batch_bulk_cancel_run(*, job_id: Any) -> BatchCancellation:
    """Cancel every active booking of the job's batch with a full refund, recording progress. Re-runnable."""
    job = BatchCancellation.objects.select_related("batch", "requested_by").get(pk=job_id)
    if job.state == BatchCancellation.State.DONE:
        return job
    BatchCancellation.objects.filter(pk=job.pk).update(state=BatchCancellation.State.RUNNING)
    ids = list(Booking.objects.filter(batch=job.batch, status__in=ACTIVE_STATUSES).values_list("pk", flat=True))
    try:
        for pk in ids:
            booking = Booking.objects.get(pk=pk)
            if booking.status not in ACTIVE_STATUSES:
                continue
            before = booking.amount_refunded
            booking = booking_cancel(
                booking=booking,
                actor=job.requested_by,
                reason=job.reason or "The departure was cancelled.",
                full_refund=True,
                template="batch_cancelled",
                settle="offer" if booking.amount_paid > booking.amount_refunded else "refund",
            )
            BatchCancellation.objects.filter(pk=job.pk).update(
                processed=F("processed") + 1,
                refunded_paise=F("refunded_paise") + to_paise(booking.amount_refunded - before),
            )
    except Exception as exc:
        BatchCancellation.objects.filter(pk=job.pk).update(state=BatchCancellation.State.FAILED, error=str(exc)[:300])
        raise
    BatchCancellation.objects.filter(pk=job.pk).update(state=BatchCancellation.State.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    logger.info("batch %s: %d booking(s) cancelled", job.batch_id, job.processed)
    return job


def batch_cancellations_resume(*, now: datetime | None = None) -> int:
    """Start again every bulk cancellation still queued after a few minutes (its task was lost)."""
    now = now or timezone.now()
    ids = list(
        BatchCancellation.objects.filter(
            state=BatchCancellation.State.QUEUED, created_at__lte=now - timedelta(minutes=5)
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit(tasks.run_batch_cancellation, str(pk))
    if ids:
        logger.warning("%d queued batch cancellation(s) started again", len(ids))
    return len(ids)
