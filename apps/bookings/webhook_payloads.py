"""The shape of each Razorpay webhook event the service acts on, checked before anything is used.

Razorpay wraps every entity as ``{"payload": {"<name>": {"entity": {...}}}}``. Only the fields the
handlers read are declared; unknown keys are kept in the stored payload and otherwise ignored. Event
types without a schema here are acknowledged and ignored (their envelope is still checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ParseError

from apps.bookings.errors import WebhookPayloadInvalid
from apps.common import parsers

# Amounts are integer paise. The largest a gateway could report for one booking is far below this
# (Rs 1,000 crore); anything above is not an amount of ours, and stays clear of the bigint columns.
MAX_AMOUNT_PAISE = 10**12
ID_LENGTH = 100


class PaymentEntity(serializers.Serializer):
    id = serializers.CharField(max_length=ID_LENGTH)
    order_id = serializers.CharField(max_length=ID_LENGTH, required=False, allow_null=True, allow_blank=True)
    amount = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT_PAISE, required=False)
    currency = serializers.CharField(min_length=3, max_length=3, required=False)
    method = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=True)
    error_description = serializers.CharField(max_length=1000, required=False, allow_null=True, allow_blank=True)


class CapturedPaymentEntity(PaymentEntity):
    """A captured payment credits a booking: its amount and currency are required."""

    amount = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT_PAISE)
    currency = serializers.CharField(min_length=3, max_length=3)


class OrderEntity(serializers.Serializer):
    id = serializers.CharField(max_length=ID_LENGTH)


class RefundEntity(serializers.Serializer):
    id = serializers.CharField(max_length=ID_LENGTH)
    amount = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT_PAISE, required=False)


class PaymentWrapper(serializers.Serializer):
    entity = PaymentEntity()


class CapturedPaymentWrapper(serializers.Serializer):
    entity = CapturedPaymentEntity()


class OrderWrapper(serializers.Serializer):
    entity = OrderEntity()


class RefundWrapper(serializers.Serializer):
    entity = RefundEntity()


class PaymentEventPayload(serializers.Serializer):
    """``payment.authorized``, ``payment.failed``."""

    payment = PaymentWrapper()


class PaymentCapturedPayload(serializers.Serializer):
    """``payment.captured``."""

    payment = CapturedPaymentWrapper()


class OrderPaidPayload(serializers.Serializer):
    """``order.paid``: the payment, and the order it paid (its id when the payment does not carry one)."""

    payment = CapturedPaymentWrapper()
    order = OrderWrapper(required=False)


class PaymentLinkEntity(serializers.Serializer):
    id = serializers.CharField(max_length=ID_LENGTH)


class PaymentLinkWrapper(serializers.Serializer):
    entity = PaymentLinkEntity()


class PaymentLinkPaidPayload(serializers.Serializer):
    """``payment_link.paid``: the payment, and the link it paid (the link's id names our payment row)."""

    payment = CapturedPaymentWrapper()
    payment_link = PaymentLinkWrapper()


class RefundEventPayload(serializers.Serializer):
    """``refund.processed``, ``refund.failed``."""

    refund = RefundWrapper()


PAYLOAD_SCHEMAS: dict[str, type[serializers.Serializer]] = {
    "payment.authorized": PaymentEventPayload,
    "payment.failed": PaymentEventPayload,
    "payment.captured": PaymentCapturedPayload,
    "order.paid": OrderPaidPayload,
    "payment_link.paid": PaymentLinkPaidPayload,
    "refund.processed": RefundEventPayload,
    "refund.failed": RefundEventPayload,
}


class EventEnvelope(serializers.Serializer):
    event = serializers.CharField(max_length=60)
    payload = serializers.DictField(required=False, default=dict)


@dataclass(frozen=True)
class WebhookEvent:
    type: str
    document: dict[str, Any]  # the whole body as sent, stored with the event
    payload: dict[str, Any]  # the validated ``payload`` of a known event type ({} for others)


def parse_webhook(body: bytes) -> WebhookEvent:
    """Read and check a webhook body; raise :class:`WebhookPayloadInvalid` (with ``event_type`` when known)."""
    try:
        document = parsers.loads(body)
    except ParseError as exc:  # not JSON, a non-finite number, nested too deeply
        raise WebhookPayloadInvalid(details={"body": [str(exc.detail)]}) from exc
    if not isinstance(document, dict):
        raise WebhookPayloadInvalid(details={"body": ["A gateway event is a JSON object."]})
    envelope = EventEnvelope(data=document)
    if not envelope.is_valid():
        raise WebhookPayloadInvalid(details=envelope.errors, document=document)
    event_type = str(envelope.validated_data["event"])
    schema = PAYLOAD_SCHEMAS.get(event_type)
    if schema is None:
        return WebhookEvent(type=event_type, document=document, payload={})
    payload = schema(data=envelope.validated_data["payload"])
    if not payload.is_valid():
        raise WebhookPayloadInvalid(details={"payload": payload.errors}, event_type=event_type, document=document)
    return WebhookEvent(type=event_type, document=document, payload=dict(payload.validated_data))
