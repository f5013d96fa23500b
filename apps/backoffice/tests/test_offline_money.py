"""Offline payments (cash, UPI, bank transfer) and refunds paid by hand: the gateway's crediting path, audited,
counted by finance, idempotent on the Idempotency-Key."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking, Payment, Refund
from apps.bookings.pricing import to_paise
from apps.common.models import AuditLog
from apps.notifications.models import Notification
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def _record(client: Any, booking: Booking, key: uuid.UUID | None = None, **body: Any) -> Any:
    payload = {"amount_paise": to_paise(booking.balance_due), "method": "cash", "receipt_reference": "R-1", **body}
    headers = {"HTTP_IDEMPOTENCY_KEY": str(key or uuid.uuid4())}
    return client.post(f"/api/v1/bookings/{booking.pk}/offline-payments/", payload, format="json", **headers)


def test_cash_in_full_confirms_like_a_gateway_capture(client_for, staff_user, make_user, book) -> None:
    ops = staff_user("ops_manager")
    booking = book(make_user(), BatchFactory(total_seats=10))
    response = _record(client_for(ops), booking)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["booking"]["status"] == "confirmed"
    assert body["payment"]["status"] == "captured"
    assert body["payment"]["gateway"] == "offline"
    assert body["payment"]["recorded_by"] == str(ops.pk)
    booking.refresh_from_db()
    assert booking.amount_paid == booking.final_amount
    assert booking.confirmed_at is not None
    payment = Payment.objects.get(booking=booking)
    actions = dict(AuditLog.objects.filter(target_id=str(payment.pk)).values_list("action", "actor_id"))
    assert actions == {"payment.recorded": ops.pk, "payment.captured": ops.pk}
    assert AuditLog.objects.filter(action="booking.confirmed", target_id=str(booking.pk)).exists()
    templates = set(Notification.objects.filter(user=booking.user).values_list("template", flat=True))
    assert {"payment_received", "booking_confirmed"} <= templates


def test_finance_sees_it_in_the_revenue_report(client_for, staff_user, make_user, book) -> None:
    booking = book(make_user(), BatchFactory(total_seats=10))
    _record(client_for(staff_user("cs")), booking)
    today = timezone.localdate()
    report = client_for(staff_user("finance")).get(
        "/api/v1/reports/revenue/", {"date_from": str(today - timedelta(days=1)), "date_to": str(today)}
    )
    assert report.status_code == 200
    assert str(to_paise(booking.final_amount)) in report.content.decode()


def test_replay_answers_the_same_payment_and_another_body_is_422(client_for, staff_user, make_user, book) -> None:
    client = client_for(staff_user("finance"))
    booking = book(make_user(), BatchFactory(total_seats=10))
    key = uuid.uuid4()
    half = to_paise(booking.balance_due) // 2
    first = _record(client, booking, key, amount_paise=half, method="upi", payment_reference="UPI-77")
    assert first.status_code == 201
    again = _record(client, booking, key, amount_paise=half, method="upi", payment_reference="UPI-77")
    assert again.status_code == 200
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    assert Payment.objects.filter(booking=booking).count() == 1
    other = _record(client, booking, key, amount_paise=half + 1, method="upi", payment_reference="UPI-77")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    booking.refresh_from_db()
    assert booking.status == "pending"
    assert to_paise(booking.amount_paid) == half


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"method": "upi"}, 400, "validation_error"),  # no UPI reference
        ({"method": "bank_transfer", "payment_reference": ""}, 400, "validation_error"),  # no UTR
        ({"method": "cheque"}, 400, "validation_error"),
        ({"amount_paise": 0}, 400, "validation_error"),
        ({"receipt_reference": ""}, 400, "validation_error"),
        ({"amount_paise": 10**11}, 409, "amount_exceeds_balance"),
    ],
)
def test_refusals(client_for, staff_user, make_user, book, body: dict[str, Any], status: int, code: str) -> None:
    booking = book(make_user(), BatchFactory(total_seats=10))
    response = _record(client_for(staff_user("ops_manager")), booking, **body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not Payment.objects.filter(booking=booking).exists()


def test_key_required_state_and_receipt_refusals(client_for, staff_user, make_user, book) -> None:
    client = client_for(staff_user("ops_manager"))
    booking = book(make_user(), BatchFactory(total_seats=10))
    url = f"/api/v1/bookings/{booking.pk}/offline-payments/"
    no_key = client.post(url, {"amount_paise": 100, "method": "cash", "receipt_reference": "R"}, format="json")
    assert no_key.json()["error"]["code"] == "idempotency_key_required"
    assert _record(client, booking).status_code == 201
    assert _record(client, booking).json()["error"]["code"] == "not_payable"  # confirmed now
    second = book(make_user(), BatchFactory(total_seats=10))
    duplicate = _record(client, second)  # receipt R-1 again
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "already_exists"
    Booking.objects.filter(pk=second.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    assert _record(client, second, receipt_reference="R-2").json()["error"]["code"] == "not_payable"
    assert _record(client, booking, receipt_reference="R-3").status_code == 409
    assert (
        client.post(
            f"/api/v1/bookings/{uuid.uuid4()}/offline-payments/",
            {"amount_paise": 100, "method": "cash", "receipt_reference": "R-4"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        ).status_code
        == 404
    )


def _totals_consistent(booking: Booking) -> None:
    booking.refresh_from_db()
    paid = Payment.objects.filter(booking=booking, status="captured").aggregate(s=Sum("amount_paise"))["s"] or 0
    refunded = (
        Refund.objects.filter(booking=booking).exclude(status="failed").aggregate(s=Sum("amount_paise"))["s"] or 0
    )
    assert to_paise(booking.amount_paid) == paid
    assert to_paise(booking.amount_refunded) == refunded


def test_a_cash_booking_cancelled_is_refunded_by_hand(client_for, staff_user, make_user, book) -> None:
    ops, finance = staff_user("ops_manager"), staff_user("finance")
    booking = book(make_user(), BatchFactory(total_seats=10))
    _record(client_for(ops), booking)
    services.booking_cancel(booking=booking, actor=ops, reason="Changed plans")
    refund = Refund.objects.get(booking=booking)
    services.refund_send(refund_id=refund.pk)  # the task: money taken by hand is not sent to the gateway
    refund.refresh_from_db()
    assert refund.status == "pending"
    assert refund.gateway_refund_id is None
    assert services.refunds_resend_pending(now=timezone.now() + timedelta(days=1)) == 0
    _totals_consistent(booking)

    url = f"/api/v1/refunds/{refund.pk}/manual/"
    assert client_for(ops).post(url, {"method": "cash", "receipt_reference": "RF-1"}, format="json").status_code == 403
    response = client_for(finance).post(url, {"method": "cash", "receipt_reference": "RF-1"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "processed"
    assert response.json()["settled_by"] == str(finance.pk)
    assert AuditLog.objects.get(action="refund.settled_offline", target_id=str(refund.pk)).actor_id == finance.pk
    _totals_consistent(booking)
    again = client_for(finance).post(url, {"method": "cash", "receipt_reference": "RF-1"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_transition"


def test_a_failed_gateway_refund_can_be_paid_by_hand_and_one_at_the_gateway_cannot(
    client_for, staff_user, make_user, book, pay
) -> None:
    finance = client_for(staff_user("finance"))
    booking = pay(book(make_user(), BatchFactory(total_seats=10)))
    services.booking_cancel(booking=booking, actor=booking.user, reason="")
    refund = Refund.objects.get(booking=booking)
    Refund.objects.filter(pk=refund.pk).update(gateway_refund_id="rfnd_1")
    url = f"/api/v1/refunds/{refund.pk}/manual/"
    body = {"method": "bank_transfer", "receipt_reference": "UTR123"}
    assert finance.post(url, body, format="json").json()["error"]["code"] == "refund_at_gateway"
    refund.refresh_from_db()
    services.refund_settled(refund=refund, processed=False, error="gateway: failed")
    _totals_consistent(booking)
    assert finance.post(url, body, format="json").status_code == 200
    _totals_consistent(booking)
    assert finance.post(f"/api/v1/refunds/{uuid.uuid4()}/manual/", body, format="json").status_code == 404
