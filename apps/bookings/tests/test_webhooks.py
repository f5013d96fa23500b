from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.test import Client
from rest_framework import serializers

from apps.bookings import services
from apps.bookings.gateways import hmac_hex
from apps.bookings.models import Booking, Payment, PaymentEvent, Refund
from apps.bookings.tests.conftest import people, with_emergency_contact
from apps.bookings.webhook_payloads import PAYLOAD_SCHEMAS, EventEnvelope
from apps.common.tests.race import Race
from apps.treks.tests.factories import BatchFactory
from apps.users.tests.factories import UserFactory

SECRET = "local-webhook-secret-change-me"
URL = "/api/v1/payments/webhooks/razorpay/"


def payment_event(
    event: str, payment: Payment, *, amount: int | None = None, currency: str = "INR", pay_id: str = "pay_W1"
) -> dict[str, Any]:
    entity = {
        "id": pay_id,
        "order_id": payment.gateway_order_id,
        "amount": payment.amount_paise if amount is None else amount,
        "currency": currency,
        "status": event.split(".")[1],
        "method": "card",
    }
    return {"event": event, "payload": {"payment": {"entity": entity}}}


def deliver(body: dict[str, Any] | bytes, event_id: str, *, secret: str = SECRET, signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Client().post(
        URL,
        data=raw,
        content_type="application/json",
        headers={
            "X-Razorpay-Signature": signature if signature is not None else hmac_hex(secret, raw),
            "X-Razorpay-Event-Id": event_id,
        },
    )


@pytest.fixture
def order(db, user, batch, book) -> Payment:
    booking = book(user, batch)
    return services.payment_order_create(booking=booking)


@pytest.mark.django_db
def test_signature_failures_are_400_and_record_nothing(order):
    body = json.dumps(payment_event("payment.captured", order)).encode()
    assert deliver(body, "evt_1", signature="").status_code == 400
    assert deliver(body, "evt_1", signature="deadbeef").status_code == 400
    assert deliver(body, "evt_1", secret="another-secret").status_code == 400
    # signed body, then altered in flight
    signature = hmac_hex(SECRET, body)
    tampered = body.replace(b'"card"', b'"upi"')
    assert deliver(tampered, "evt_1", signature=signature).status_code == 400
    assert not PaymentEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == "created"


@pytest.mark.django_db
def test_captured_confirms_and_duplicates_are_ignored(order):
    first = deliver(payment_event("payment.captured", order), "evt_cap")
    assert first.status_code == 200, first.content
    again = deliver(payment_event("payment.captured", order), "evt_cap")
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert PaymentEvent.objects.filter(event_id="evt_cap").count() == 1
    booking = Booking.objects.get(pk=order.booking_id)
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("13125.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sequence",
    [
        ["payment.authorized", "payment.captured", "order.paid", "payment.failed"],
        ["payment.captured", "payment.authorized", "payment.failed", "order.paid"],
        ["order.paid", "payment.failed", "payment.captured", "payment.authorized"],
        ["payment.failed", "payment.authorized", "payment.captured"],
    ],
)
def test_any_order_of_events_ends_captured_once(order, sequence):
    for index, event in enumerate(sequence):
        body = payment_event(event, order)
        if event == "order.paid":
            body["payload"]["order"] = {"entity": {"id": order.gateway_order_id, "status": "paid"}}
        assert deliver(body, f"evt_{index}").status_code == 200
    order.refresh_from_db()
    booking = Booking.objects.get(pk=order.booking_id)
    assert order.status == "captured"  # never downgraded by a later failed/authorized
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("13125.00")


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "currency"), [(100, "INR"), (None, "USD")])
def test_amount_or_currency_mismatch_is_flagged_not_confirmed(order, amount, currency):
    response = deliver(payment_event("payment.captured", order, amount=amount, currency=currency), "evt_mis")
    assert response.status_code == 200
    assert response.json()["status"].startswith("flagged")
    order.refresh_from_db()
    booking = Booking.objects.get(pk=order.booking_id)
    assert order.flagged
    assert order.status != "captured"
    assert booking.status == "pending"
    assert booking.amount_paid == 0


@pytest.mark.django_db
def test_unknown_order_and_event_types_are_acknowledged(order):
    body = payment_event("payment.captured", order)
    body["payload"]["payment"]["entity"]["order_id"] = "order_unknown"
    assert deliver(body, "evt_u1").json()["status"] == "ignored: unknown order"
    assert deliver({"event": "subscription.charged", "payload": {}}, "evt_u2").status_code == 200
    assert deliver(b"not json", "evt_u3").status_code == 400


@pytest.mark.django_db
def test_refund_events(order, django_capture_on_commit_callbacks):
    deliver(payment_event("payment.captured", order), "evt_c")
    booking = Booking.objects.get(pk=order.booking_id)
    refund = Refund.objects.create(
        booking=booking, payment=order, amount_paise=1000, reason="cancellation", gateway_refund_id="rfnd_1"
    )
    Booking.objects.filter(pk=booking.pk).update(amount_refunded=Decimal("10.00"))

    def refund_event(kind: str) -> dict[str, Any]:
        return {"event": kind, "payload": {"refund": {"entity": {"id": "rfnd_1", "amount": 1000}}}}

    # failed first: the refunded amount is given back to the booking's books
    assert deliver(refund_event("refund.failed"), "evt_r1").json()["status"] == "refund failed"
    booking.refresh_from_db()
    assert booking.amount_refunded == 0
    # then processed (the gateway retried it): never downgraded afterwards
    assert deliver(refund_event("refund.processed"), "evt_r2").json()["status"] == "refund processed"
    assert deliver(refund_event("refund.failed"), "evt_r3").json()["status"].startswith("ignored")
    refund.refresh_from_db()
    booking.refresh_from_db()
    assert refund.status == "processed"
    assert booking.amount_refunded == Decimal("10.00")


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_deliveries_of_one_event_change_state_once(race: Race):
    batch = BatchFactory()
    booking = services.booking_create(
        user=with_emergency_contact(UserFactory()), batch_id=batch.pk, participants=people(1)
    )
    payment = services.payment_order_create(booking=booking)
    raw = json.dumps(payment_event("payment.captured", payment)).encode()
    responses = race(*(partial(deliver, raw, "evt_concurrent") for _ in range(3)))
    statuses = [(response.status_code, response.json()["status"]) for response in responses]
    assert [code for code, _ in statuses] == [200, 200, 200]
    assert sorted(status for _, status in statuses).count("duplicate") == 2
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("13125.00")
    assert PaymentEvent.objects.count() == 1


# --- payloads that do not match their event's schema ------------------------------------------------

MARKER = "__webhook_marker__"
FieldPath = tuple[str, ...]


def schema_fields(serializer: serializers.Serializer, path: FieldPath) -> list[tuple[FieldPath, serializers.Field]]:
    """Every field of a (nested) webhook schema with its path in the body, nested serializers included."""
    found: list[tuple[FieldPath, serializers.Field]] = []
    for name, field in serializer.fields.items():
        found.append(((*path, name), field))
        if isinstance(field, serializers.Serializer):
            found.extend(schema_fields(field, (*path, name)))
    return found


def wrong_values(field: serializers.Field) -> list[str | None]:
    """Raw JSON values the field must refuse (None: the key is left out)."""
    values: list[str | None] = ['{"x": 1}', "[1]", "NaN", "Infinity", "1e999"]
    if isinstance(field, serializers.Serializer | serializers.DictField):
        values += ['"abc"', "7"]
    elif isinstance(field, serializers.IntegerField):
        values += ['"abc"', '"nan"', '"inf"', "1.5", "true", "-1", str(field.max_value + 1), str(10**40), "9" * 5000]
    elif isinstance(field, serializers.CharField):
        values += ["true"]
        if field.max_length:
            values.append(json.dumps("x" * (field.max_length + 1)))
        if field.min_length:
            values.append(json.dumps("x" * (field.min_length - 1)))
        if not field.allow_blank:
            values.append('""')
    if not field.allow_null:
        values.append("null")
    if field.required:
        values.append(None)
    return values


def valid_event(event: str, payment: Payment) -> dict[str, Any]:
    """A complete, valid body for ``event`` (every entity any event type reads)."""
    entity = {
        "id": "pay_V1",
        "order_id": payment.gateway_order_id,
        "amount": payment.amount_paise,
        "currency": "INR",
        "method": "upi",
        "error_description": None,
    }
    return {
        "event": event,
        "payload": {
            "payment": {"entity": entity},
            "order": {"entity": {"id": payment.gateway_order_id}},
            "payment_link": {"entity": {"id": payment.gateway_order_id}},
            "refund": {"entity": {"id": "rfnd_V1", "amount": 1000}},
        },
    }


def with_raw(body: dict[str, Any], path: FieldPath, raw: str | None) -> bytes:
    """``body`` with the value at ``path`` replaced by the raw JSON text ``raw`` (or removed)."""
    copy = json.loads(json.dumps(body))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    if raw is None:
        parent.pop(path[-1], None)
        return json.dumps(copy).encode()
    parent[path[-1]] = MARKER
    return json.dumps(copy).replace(json.dumps(MARKER), raw).encode()


CASES = [
    pytest.param(event, path, id=f"{event} {'.'.join(path)}")
    for event, schema in PAYLOAD_SCHEMAS.items()
    for path, _ in [*schema_fields(EventEnvelope(), ()), *schema_fields(schema(), ("payload",))]
]


def field_at(event: str, path: FieldPath) -> serializers.Field:
    schema = EventEnvelope() if path[0] != "payload" or len(path) == 1 else PAYLOAD_SCHEMAS[event]()
    fields = dict(schema_fields(schema, () if schema.__class__ is EventEnvelope else ("payload",)))
    return fields[path]


@pytest.mark.django_db
@pytest.mark.parametrize(("event", "path"), CASES)
def test_a_wrong_value_in_any_field_is_rejected_and_recorded_once(order, event, path):
    """Each field each handled event reads, with every kind of wrong value: 400, recorded as rejected, and
    nothing else changes; the redelivery answers 200 "duplicate" so the gateway stops retrying."""
    if event.startswith("refund."):  # a refund of a captured payment, as test_refund_events sets up
        assert deliver(valid_event("payment.captured", order), "evt_capture").status_code == 200
        Refund.objects.create(
            booking_id=order.booking_id,
            payment=order,
            amount_paise=1000,
            reason="cancellation",
            gateway_refund_id="rfnd_V1",
        )
        Booking.objects.filter(pk=order.booking_id).update(amount_refunded=Decimal("10.00"))
        order.refresh_from_db()
    booking = Booking.objects.get(pk=order.booking_id)
    state = (order.status, order.flagged, booking.status, booking.amount_paid, booking.amount_refunded)
    wrong = []
    for index, raw in enumerate(wrong_values(field_at(event, path))):
        event_id = f"evt_bad_{index}"
        body = with_raw(valid_event(event, order), path, raw)
        first = deliver(body, event_id)
        again = deliver(body, event_id)
        recorded = list(PaymentEvent.objects.filter(event_id=event_id))
        if first.status_code != 400 or first.json()["error"]["code"] != "webhook_payload_invalid":
            wrong.append(f"{raw!r}: {first.status_code} {first.content[:200]!r}")
        elif (again.status_code, again.json()) != (200, {"status": "duplicate"}):
            wrong.append(f"{raw!r}: redelivery answered {again.status_code} {again.content[:200]!r}")
        elif len(recorded) != 1 or not recorded[0].outcome.startswith("rejected") or recorded[0].processed_at is None:
            wrong.append(f"{raw!r}: recorded as {[(e.type, e.outcome) for e in recorded]}")
    order.refresh_from_db()
    booking.refresh_from_db()
    assert not wrong, "\n".join(wrong)
    assert (order.status, order.flagged, booking.status, booking.amount_paid, booking.amount_refunded) == state
    assert all(refund.status == "pending" for refund in Refund.objects.all())
    # the body the wrong values were put into is itself a valid event
    accepted = deliver(valid_event(event, order), "evt_valid")
    assert accepted.status_code == 200, accepted.content
    assert not PaymentEvent.objects.get(event_id="evt_valid").outcome.startswith("rejected")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'"payment.captured"',
        b'{"payload": {}}',
        b'{"event": "subscription.charged", "payload": {}, "created_at": NaN}',
        b'{"event": "payment.captured", "payload": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"event": "payment.captured\x00", "payload": "\xff\xfe"}',
        b'{"event": "subscription.charged", "payload": {"note": "a\\u0000b"}}',
    ],
    ids=["not-json", "array", "string", "no-event", "nan-anywhere", "too-deep", "binary", "nul"],
)
def test_unreadable_signed_bodies_are_rejected_and_recorded_once(order, body):
    first = deliver(body, "evt_unreadable")
    assert first.status_code == 400, first.content
    assert first.json()["error"]["code"] == "webhook_payload_invalid"
    assert deliver(body, "evt_unreadable").json() == {"status": "duplicate"}
    event = PaymentEvent.objects.get(event_id="evt_unreadable")
    assert event.outcome.startswith("rejected")
    order.refresh_from_db()
    assert (order.status, order.flagged) == ("created", False)
