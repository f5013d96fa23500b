from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from django.utils import timezone

from apps.bookings import services
from apps.bookings.gateways import LocalGateway, RazorpayGateway, hmac_hex, payment_message
from apps.bookings.models import Payment, Refund
from apps.messaging.models import ConversationParticipant
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def test_order_for_the_balance_in_paise(client_for, user, batch, book):
    booking = book(user, batch)
    response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount_paise"] == 1312500  # 12500 + 5 % GST
    assert body["receipt"] == booking.reference
    assert body["currency"] == "INR"
    again = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert again.json()["order_id"] == body["order_id"]  # the open order is reused


def test_order_refused_for_other_users_and_closed_bookings(client_for, make_user, batch, book, pay):
    owner, other = make_user(), make_user()
    booking = book(owner, batch)
    assert client_for(other).post(f"/api/v1/bookings/{booking.pk}/payments/").status_code == 404
    pay(booking)
    response = client_for(owner).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_payable"


def _verify(client, order_id: str, payment_id: str, signature: str):
    return client.post(
        "/api/v1/payments/verify/",
        {"razorpay_order_id": order_id, "razorpay_payment_id": payment_id, "razorpay_signature": signature},
        format="json",
    )


def test_verify_confirms_and_is_idempotent(client_for, user, batch, book):
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    client = client_for(user)
    response = _verify(client, *signed.values())
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "captured"
    assert response.json()["booking_status"] == "confirmed"
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("13125.00")
    assert booking.hold_expires_at is None
    assert ConversationParticipant.objects.filter(user=user, conversation__batch_id=batch.pk).exists()
    assert _verify(client, *signed.values()).status_code == 200
    booking.refresh_from_db()
    assert booking.amount_paid == Decimal("13125.00")  # credited once


def test_every_signature_failure_is_400_and_changes_nothing(client_for, make_user, batch, book):
    user = make_user()
    client = client_for(user)
    booking = book(user, batch)
    other_booking = book(make_user(), BatchFactory())
    payment = services.payment_order_create(booking=booking)
    other = services.payment_order_create(booking=other_booking)
    gateway = LocalGateway()
    good = gateway.simulate_payment(order_id=payment.gateway_order_id)
    other_signed = gateway.simulate_payment(order_id=other.gateway_order_id)
    order_id, payment_id, signature = good.values()
    cases = [
        (order_id, payment_id, signature[:-1] + ("0" if signature[-1] != "0" else "1")),  # tampered
        (order_id, payment_id, ""),  # empty
        (order_id, other_signed["razorpay_payment_id"], other_signed["razorpay_signature"]),  # another order's
        (order_id, "pay_other", signature),  # another payment id
        (order_id, payment_id, hmac_hex("wrong-secret", payment_message(order_id, payment_id))),  # wrong key
    ]
    for case in cases:
        response = _verify(client, *case)
        assert response.status_code == 400, case
        assert response.json()["error"]["code"] in ("signature_invalid", "validation_error")
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == "pending"
    assert booking.amount_paid == 0
    assert payment.status == "created"
    assert payment.gateway_payment_id is None
    # someone else's order is not found at all
    assert _verify(client, *other_signed.values()).status_code == 404


def test_late_payment_accepted_when_seats_can_be_retaken(user, book):
    batch = BatchFactory(total_seats=2)
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    assert services.bookings_expire_holds(now=booking.hold_expires_at + timedelta(seconds=1)) == 1
    booking.refresh_from_db()
    assert booking.status == "expired"
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    services.payment_verify(
        user=user,
        order_id=signed["razorpay_order_id"],
        payment_id=signed["razorpay_payment_id"],
        signature=signed["razorpay_signature"],
    )
    booking.refresh_from_db()
    batch.refresh_from_db()
    assert booking.status == "confirmed"
    assert batch.seats_taken == 1
    assert not Refund.objects.filter(booking=booking).exists()


def test_late_payment_refunded_when_no_seats_are_left(make_user, book, django_capture_on_commit_callbacks):
    user = make_user()
    batch = BatchFactory(total_seats=1)
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    services.bookings_expire_holds(now=booking.hold_expires_at + timedelta(seconds=1))
    book(make_user(), batch)  # the seat is gone
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_verify(
            user=user,
            order_id=signed["razorpay_order_id"],
            payment_id=signed["razorpay_payment_id"],
            signature=signed["razorpay_signature"],
        )
    booking.refresh_from_db()
    batch.refresh_from_db()
    assert booking.status == "expired"
    assert booking.amount_paid == booking.amount_refunded == Decimal("13125.00")
    refund = Refund.objects.get(booking=booking)
    assert (refund.reason, refund.status, refund.amount_paise) == ("late_payment", "processed", 1312500)
    assert batch.seats_taken == 1


def test_pay_after_hold_time_but_before_the_job_is_refused(client_for, user, batch, book):
    booking = book(user, batch)
    with time_machine.travel(booking.hold_expires_at + timedelta(seconds=5), tick=False):
        response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 409


# --- Razorpay through the official SDK, HTTP mocked -------------------------------------------------


@pytest.fixture
def razorpay(settings):
    settings.PAYMENTS_GATEWAY = "razorpay"
    settings.RAZORPAY_KEY_ID = "rzp_test_key"
    settings.RAZORPAY_KEY_SECRET = "rzp-secret"
    settings.RAZORPAY_WEBHOOK_SECRET = "rzp-webhook-secret"
    with responses.RequestsMock() as mock:
        yield mock


def test_razorpay_order_verify_and_refund(razorpay, client_for, user, batch, book, django_capture_on_commit_callbacks):
    razorpay.post(
        "https://api.razorpay.com/v1/orders",
        json={"id": "order_RZP1", "amount": 1312500, "currency": "INR", "receipt": "x", "status": "created"},
    )
    booking = book(user, batch)
    response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 201
    sent = json.loads(razorpay.calls[0].request.body)
    assert sent == {
        "amount": 1312500,
        "currency": "INR",
        "receipt": booking.reference,
        "notes": {"booking_id": str(booking.pk), "booking_reference": booking.reference},
    }
    assert response.json()["key_id"] == "rzp_test_key"
    signature = hmac_hex("rzp-secret", payment_message("order_RZP1", "pay_RZP1"))
    assert _verify(client_for(user), "order_RZP1", "pay_RZP1", signature).status_code == 200
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    # cancel 60 days out: 90 % goes back through the gateway
    razorpay.post(
        "https://api.razorpay.com/v1/payments/pay_RZP1/refund",
        json={"id": "rfnd_RZP1", "status": "pending", "amount": 1181250},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor=user, today=batch.start_date - timedelta(days=60))
    refund = Refund.objects.get(booking=booking)
    assert (refund.gateway_refund_id, refund.status, refund.amount_paise) == ("rfnd_RZP1", "pending", 1181250)
    assert json.loads(razorpay.calls[-1].request.body)["amount"] == 1181250


def test_reconciliation_credits_a_payment_whose_webhook_was_lost(razorpay, user, batch, book):
    razorpay.post(
        "https://api.razorpay.com/v1/orders",
        json={"id": "order_LOST", "amount": 1312500, "currency": "INR", "status": "created"},
    )
    razorpay.get(
        "https://api.razorpay.com/v1/orders/order_LOST/payments",
        json={
            "items": [
                {"id": "pay_F", "order_id": "order_LOST", "amount": 1312500, "currency": "INR", "status": "failed"},
                {
                    "id": "pay_OK",
                    "order_id": "order_LOST",
                    "amount": 1312500,
                    "currency": "INR",
                    "status": "captured",
                    "method": "upi",
                },
            ]
        },
    )
    booking = book(user, batch)
    services.payment_order_create(booking=booking)
    assert services.payments_reconcile(now=timezone.now() + timedelta(minutes=5)) == 1
    booking.refresh_from_db()
    payment = Payment.objects.get(booking=booking)
    assert booking.status == "confirmed"
    assert (payment.status, payment.gateway_payment_id, payment.method) == ("captured", "pay_OK", "upi")
    # a second run asks nothing about captured orders
    calls = len(razorpay.calls)
    assert services.payments_reconcile(now=timezone.now() + timedelta(minutes=6)) == 0
    assert len(razorpay.calls) == calls


def test_gateway_down_is_503(razorpay, client_for, user, batch, book):
    razorpay.post("https://api.razorpay.com/v1/orders", body=requests.exceptions.ConnectionError("down"))
    booking = book(user, batch)
    response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 503
    assert not Payment.objects.exists()


def test_gateway_refusing_an_order_is_502(razorpay, client_for, user, batch, book):
    razorpay.post(
        "https://api.razorpay.com/v1/orders",
        status=400,
        json={"error": {"code": "BAD_REQUEST_ERROR", "description": "amount too small"}},
    )
    booking = book(user, batch)
    response = client_for(user).post(f"/api/v1/bookings/{booking.pk}/payments/")
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "gateway_rejected"


def test_razorpay_gateway_reads_settings(razorpay):
    gateway = RazorpayGateway()
    assert gateway.verify_payment(
        order_id="o", payment_id="p", signature=hmac_hex("rzp-secret", payment_message("o", "p"))
    )


def test_payment_for_a_cancelled_booking_goes_back(user, batch, book, django_capture_on_commit_callbacks):
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    services.booking_cancel(booking=booking, actor=user)
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_verify(
            user=user,
            order_id=signed["razorpay_order_id"],
            payment_id=signed["razorpay_payment_id"],
            signature=signed["razorpay_signature"],
        )
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.amount_refunded == booking.amount_paid == Decimal("13125.00")
    assert Refund.objects.get(booking=booking).reason == "overpayment"


def test_a_second_order_paid_after_confirmation_refunds_the_excess(
    user, batch, book, django_capture_on_commit_callbacks
):
    booking = book(user, batch)
    first = services.payment_order_create(booking=booking)
    second = Payment.objects.create(
        booking=booking, gateway="local", gateway_order_id="order_local_dup", amount_paise=first.amount_paise
    )
    services.payment_succeeded(
        payment_pk=first.pk, gateway_payment_id="pay_1", amount_paise=first.amount_paise, currency="INR", method="upi"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_succeeded(
            payment_pk=second.pk,
            gateway_payment_id="pay_2",
            amount_paise=second.amount_paise,
            currency="INR",
            method="upi",
        )
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("26250.00")
    assert booking.amount_refunded == Decimal("13125.00")
    assert Refund.objects.get(booking=booking).payment_id == second.pk


def test_gateway_refusing_a_refund_marks_it_failed(razorpay, user, batch, book, django_capture_on_commit_callbacks):
    razorpay.post(
        "https://api.razorpay.com/v1/orders",
        json={"id": "order_R2", "amount": 1312500, "currency": "INR", "status": "created"},
    )
    razorpay.post(
        "https://api.razorpay.com/v1/payments/pay_R2/refund",
        status=400,
        json={"error": {"code": "BAD_REQUEST_ERROR", "description": "The payment has been fully refunded already"}},
    )
    booking = book(user, batch)
    payment = services.payment_order_create(booking=booking)
    services.payment_succeeded(
        payment_pk=payment.pk, gateway_payment_id="pay_R2", amount_paise=1312500, currency="INR", method="card"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor=user, today=batch.start_date - timedelta(days=40))
    refund = Refund.objects.get(booking=booking)
    booking.refresh_from_db()
    assert refund.status == "failed"
    assert "GatewayRejected" in refund.error
    assert booking.amount_refunded == 0  # nothing went back: finance follows up


def test_payments_of_a_booking(client_for, make_user, batch, book, pay):
    user = make_user()
    booking = pay(book(user, batch))
    rows = client_for(user).get(f"/api/v1/bookings/{booking.pk}/payments/").json()
    assert [(r["status"], r["amount_paise"]) for r in rows] == [("captured", 1312500)]
    assert client_for(make_user()).get(f"/api/v1/bookings/{booking.pk}/payments/").status_code == 404
