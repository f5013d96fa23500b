"""Gateway webhooks: signed, schema-checked, recorded once by event id, then applied by event type."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.errors import SignatureInvalid, WebhookPayloadInvalid
from apps.bookings.gateways import get_gateway
from apps.bookings.models import Payment, PaymentEvent, Refund
from apps.bookings.services.payments import payment_authorized, payment_failed, payment_succeeded
from apps.bookings.services.refunds import refund_settled
from apps.bookings.webhook_payloads import parse_webhook

logger = logging.getLogger(__name__)


PAYMENT_EVENTS = ("payment.authorized", "payment.captured", "payment.failed", "order.paid", "payment_link.paid")
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
        if event_type == "payment_link.paid":  # a link's payments carry the link's own order: the link names ours
            order_id = _entity(payload, "payment_link").get("id")
        else:
            order_id = item.get("order_id") or _entity(payload, "order").get("id")
        payment = Payment.objects.filter(gateway_order_id=order_id).first() if order_id else None
        if payment is None:
            return "ignored: unknown order"
        if event_type in ("payment.captured", "order.paid", "payment_link.paid"):
            result = payment_succeeded(
                payment_pk=payment.pk,
                gateway_payment_id=item["id"],
                amount_paise=item["amount"],
                currency=item["currency"],
                method=item.get("method") or "",
            )
            return "flagged: amount or currency mismatch" if result.flagged else f"payment {result.status}"
        if event_type == "payment.authorized":
            return payment_authorized(payment=payment, gateway_payment_id=item["id"], method=item.get("method") or "")
        return payment_failed(
            payment=payment, gateway_payment_id=item["id"], error=str(item.get("error_description") or "failed")
        )
    if event_type in REFUND_EVENTS:
        refund = Refund.objects.filter(gateway_refund_id=_entity(payload, "refund")["id"]).first()
        if refund is None:
            return "ignored: unknown refund"
        return refund_settled(refund=refund, processed=event_type == "refund.processed", error="gateway: failed")
    return f"ignored: {event_type}"
