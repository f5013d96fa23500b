"""Refunds at the gateway: sending one (at most once, resent when its answer was lost) and settling it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings import tasks
from apps.bookings.gateways import get_gateway
from apps.bookings.models import CREDIT_GATEWAY, OFFLINE_GATEWAY, Booking, Refund
from apps.bookings.pricing import from_paise
from apps.bookings.services.credit import credit_return
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ServiceUnavailable
from apps.common.services import enqueue_on_commit
from apps.users.models import User

logger = logging.getLogger(__name__)


def refund_settled(*, refund: Refund, processed: bool, error: str = "", actor: User | None = None) -> str:
    """The gateway says the refund went through (or did not), or finance paid it by hand (``actor``). A processed
    refund stays processed."""
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
            actor=actor,
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
        if refund.payment.gateway == OFFLINE_GATEWAY:  # money taken by hand goes back by hand (refund_pay_manually)
            return refund
        if refund.payment.gateway == CREDIT_GATEWAY:  # paid with trek credit: it goes back to the credit ledger
            credit_return(
                payment=refund.payment, amount_paise=refund.amount_paise, idempotency_key=f"refund:{refund.pk}"
            )
            refund_settled(refund=refund, processed=True)
            refund.refresh_from_db()
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
        .exclude(payment__gateway=OFFLINE_GATEWAY)
        .order_by("created_at")
        .values_list("pk", flat=True)[:200]
    )
    for pk in ids:
        enqueue_on_commit(tasks.send_refund, str(pk))
    if ids:
        logger.warning("%d pending refund(s) sent again", len(ids))
    return len(ids)
