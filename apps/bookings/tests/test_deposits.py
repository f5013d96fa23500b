"""Deposits and balances: a deposit confirms the seats, the balance is paid by order or payment link, reminders 7
and 2 days before the due date, the overdue flag after it and the release of the seats after the grace days.
Money is checked to the paisa."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.gateways import LocalGateway, hmac_hex, local_link_token
from apps.bookings.models import Booking, Payment, PaymentLink, Refund
from apps.bookings.pricing import format_inr
from apps.bookings.tests.conftest import pay_order, people, with_emergency_contact
from apps.common.models import AuditLog
from apps.notifications.models import Delivery
from apps.treks.models import Batch, Trek
from apps.treks.tests.factories import BatchFactory, TrekFactory

pytestmark = pytest.mark.django_db

START_IN = 60


@pytest.fixture
def deposit_batch(db: None) -> Batch:
    """15 % deposit, balance due 30 days before a start 60 days ahead; 10,999.00 a seat."""
    trek = TrekFactory(deposit_kind=Trek.DepositKind.PERCENT, deposit_value=Decimal("15"), balance_due_days=30)
    return BatchFactory(
        trek=trek, start_date=timezone.localdate() + timedelta(days=START_IN), price=Decimal("10999.00")
    )


def _book(user: Any, batch: Batch, seats: int = 3) -> Booking:
    with_emergency_contact(user)  # paid for only with someone to call
    return services.booking_create(user=user, batch_id=batch.pk, participants=people(seats))


def _deposit_paid(user: Any, batch: Batch) -> Booking:
    booking = _book(user, batch)
    pay_order(booking, deposit_only=True)
    booking.refresh_from_db()
    return booking


def test_deposit_confirms_the_seats_and_the_balance_is_paid_by_order(client_for, user, deposit_batch):
    client = client_for(with_emergency_contact(user))
    created = client.post(
        "/api/v1/bookings/", {"batch": str(deposit_batch.pk), "participants": people(3)}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    # 3 x 10,999.00 = 32,997.00 + 5 % GST 1,649.85 = 34,646.85; 15 % deposit = 5,197.0275 -> 5,197.03
    assert body["pricing"]["final_amount"] == "34646.85"
    assert body["payment_terms"]["deposit_amount"] == "5197.03"
    booking_id = body["id"]

    order = client.post(f"/api/v1/bookings/{booking_id}/payments/?pay=deposit")
    assert order.status_code == 201, order.content
    assert order.json()["amount_paise"] == 519703
    reused = client.post(f"/api/v1/bookings/{booking_id}/payments/?pay=deposit")
    assert reused.json()["order_id"] == order.json()["order_id"]  # the open deposit order is reused
    signed = LocalGateway().simulate_payment(order_id=order.json()["order_id"])
    assert client.post("/api/v1/payments/verify/", signed, format="json").status_code == 200

    booking = Booking.objects.get(pk=booking_id)
    assert booking.status == "confirmed"
    assert booking.amount_paid == Decimal("5197.03")
    assert booking.balance_due == Decimal("29449.82")
    assert booking.balance_due_date == deposit_batch.start_date - timedelta(days=30)
    detail = client.get(f"/api/v1/bookings/{booking_id}/").json()
    assert detail["payment_terms"] == {
        "deposit_amount": None,
        "balance_due_date": booking.balance_due_date.isoformat(),
        "balance_overdue": False,
        "balance_overdue_at": None,
    }

    balance = client.post(f"/api/v1/bookings/{booking_id}/payments/")  # a confirmed booking pays its balance
    assert balance.status_code == 201, balance.content
    assert balance.json()["amount_paise"] == 2944982
    signed = LocalGateway().simulate_payment(order_id=balance.json()["order_id"])
    assert client.post("/api/v1/payments/verify/", signed, format="json").status_code == 200
    booking.refresh_from_db()
    assert (booking.amount_paid, booking.balance_due, booking.amount_refunded) == (
        Decimal("34646.85"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    captured = Payment.objects.filter(booking=booking, status="captured").values_list("amount_paise", flat=True)
    assert sorted(captured) == [519703, 2944982]
    assert sum(captured) == 3464685
    again = client.post(f"/api/v1/bookings/{booking_id}/payments/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_payable"


def test_fixed_deposit_is_per_participant_and_late_bookings_pay_in_full(client_for, user, make_user):
    trek = TrekFactory(deposit_kind=Trek.DepositKind.FIXED, deposit_value=Decimal("2500.50"), balance_due_days=21)
    early = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=45), price=Decimal("9000.00"))
    booking = _book(user, early, seats=2)
    order = services.payment_order_create(booking=booking, deposit_only=True)
    assert order.amount_paise == 500100  # 2 x 2,500.50

    late = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=21), price=Decimal("9000.00"))
    late_booking = _book(make_user(), late, seats=1)
    client = client_for(late_booking.user)
    assert client.get(f"/api/v1/bookings/{late_booking.pk}/").json()["payment_terms"]["deposit_amount"] is None
    refused = client.post(f"/api/v1/bookings/{late_booking.pk}/payments/?pay=deposit")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "no_deposit"
    bad = client.post(f"/api/v1/bookings/{late_booking.pk}/payments/?pay=half")
    assert bad.status_code == 400
    # paying only a part of the price on a trek without a deposit confirms nothing
    plain = _book(make_user(), BatchFactory(), seats=1)
    assert services.payment_order_create(booking=plain).amount_paise == 1312500


def test_staff_send_a_payment_link_again_and_the_local_page_pays_it(
    client_for, user, staff_user, deposit_batch, django_capture_on_commit_callbacks
):
    booking = _deposit_paid(user, deposit_batch)
    ops = staff_user("ops_manager")
    url = f"/api/v1/bookings/{booking.pk}/payment-links/send/"
    assert client_for(user).post(url).status_code == 403  # the trekker does not send links
    with django_capture_on_commit_callbacks(execute=True):
        first = client_for(ops).post(url)
    assert first.status_code == 201, first.content
    link = first.json()
    assert (link["amount_paise"], link["amount"], link["status"], link["times_sent"]) == (
        2944982,
        "29449.82",
        "created",
        1,
    )
    assert "/api/v1/payments/links/" in link["url"]
    with django_capture_on_commit_callbacks(execute=True):
        second = client_for(ops).post(url)
    assert second.json()["id"] == link["id"]  # the open link for that amount, sent again
    assert second.json()["times_sent"] == 2
    sent = Delivery.objects.filter(user=user, template="balance_payment_link")
    assert sent.exists()
    assert {d.dedupe_key for d in sent}.__len__() == 2  # one message per send
    assert AuditLog.objects.filter(action="payment.link_shared", actor=ops).count() == 2
    listed = client_for(user).get(f"/api/v1/bookings/{booking.pk}/payment-links/")
    assert [row["id"] for row in listed.json()] == [link["id"]]

    token = link["url"].rstrip("/").rsplit("/", 1)[1]
    page = client_for(None).get(f"/api/v1/payments/links/{token}/")
    assert page.status_code == 200
    assert page.json()["amount_text"] == "₹29,449.82"
    assert page.json()["booking_reference"] == booking.reference
    paid = client_for(None).post(f"/api/v1/payments/links/{token}/pay/")
    assert paid.status_code == 200, paid.content
    assert paid.json()["status"] == "captured"
    assert client_for(None).post(f"/api/v1/payments/links/{token}/pay/").json()["status"] == "captured"
    booking.refresh_from_db()
    assert (booking.amount_paid, booking.balance_due) == (Decimal("34646.85"), Decimal("0.00"))
    assert client_for(ops).post(url).json()["error"]["code"] == "not_payable"

    forged = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert client_for(None).get(f"/api/v1/payments/links/{forged}/").json()["error"]["code"] == (
        "payment_link_not_found"
    )
    assert client_for(None).post("/api/v1/payments/links/nonsense/pay/").status_code == 404


def test_a_payment_link_paid_webhook_credits_the_balance(client_for, user, deposit_batch):
    booking = _deposit_paid(user, deposit_batch)
    link = services.payment_link_current(booking=booking, actor=None)
    event = {
        "event": "payment_link.paid",
        "payload": {
            "payment_link": {"entity": {"id": link.gateway_link_id, "status": "paid"}},
            "payment": {
                "entity": {
                    "id": "pay_link_1",
                    "order_id": "order_made_by_the_link",
                    "amount": link.amount_paise,
                    "currency": "INR",
                    "status": "captured",
                    "method": "upi",
                }
            },
        },
    }
    raw = json.dumps(event).encode()
    headers = {
        "HTTP_X_RAZORPAY_SIGNATURE": hmac_hex(LocalGateway().webhook_secret, raw),
        "HTTP_X_RAZORPAY_EVENT_ID": "evt_link_1",
    }
    response = client_for(None).post(
        "/api/v1/payments/webhooks/razorpay/", raw, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "payment captured"
    booking.refresh_from_db()
    assert booking.balance_due == Decimal("0.00")
    assert booking.amount_paid == booking.final_amount == Decimal("34646.85")


def test_reminders_go_7_and_2_days_before_the_due_date_once(user, deposit_batch, django_capture_on_commit_callbacks):
    booking = _deposit_paid(user, deposit_batch)
    due = booking.balance_due_date
    with django_capture_on_commit_callbacks(execute=True):
        assert services.balance_reminders_send(today=due - timedelta(days=8)) == 0
        first = services.balance_reminders_send(today=due - timedelta(days=7))
        assert first > 0
        assert services.balance_reminders_send(today=due - timedelta(days=7)) == 0  # the same day again: nothing
        assert services.balance_reminders_send(today=due - timedelta(days=2)) > 0
    keys = set(Delivery.objects.filter(template="balance_reminder").values_list("dedupe_key", flat=True))
    assert keys == {
        f"booking:{booking.pk}:balance-reminder:{due.isoformat()}:7d",
        f"booking:{booking.pk}:balance-reminder:{due.isoformat()}:2d",
    }
    assert PaymentLink.objects.filter(booking=booking).count() == 1  # both reminders carry the same link


def test_no_reminder_once_the_balance_is_paid(user, deposit_batch):
    booking = _deposit_paid(user, deposit_batch)
    pay_order(booking)
    assert services.balance_reminders_send(today=booking.balance_due_date - timedelta(days=7)) == 0
    assert services.balances_overdue_process(today=booking.balance_due_date + timedelta(days=30)) == {
        "flagged": 0,
        "released": 0,
    }


def test_unpaid_balance_is_flagged_then_released_after_the_grace(
    client_for, user, staff_user, deposit_batch, settings, django_capture_on_commit_callbacks
):
    settings.BOOKINGS_BALANCE_GRACE_DAYS = 3
    booking = _deposit_paid(user, deposit_batch)
    due = booking.balance_due_date
    seats_before = Batch.objects.get(pk=deposit_batch.pk).seats_taken
    assert services.balances_overdue_process(today=due) == {"flagged": 0, "released": 0}  # the due day itself
    assert services.balances_overdue_process(today=due + timedelta(days=1)) == {"flagged": 1, "released": 0}
    assert services.balances_overdue_process(today=due + timedelta(days=1)) == {"flagged": 0, "released": 0}
    booking.refresh_from_db()
    assert booking.balance_overdue_at is not None
    assert AuditLog.objects.filter(action="booking.balance_marked_overdue", actor=None).count() == 1

    ops = client_for(staff_user("ops_manager"))
    overdue = ops.get("/api/v1/bookings/?balance=overdue").json()["results"]
    assert [row["id"] for row in overdue] == [str(booking.pk)]
    assert overdue[0]["payment_terms"]["balance_overdue"] is True
    assert ops.get("/api/v1/bookings/?balance=due").json()["results"] == []
    assert ops.get("/api/v1/bookings/?balance=late").status_code == 400

    assert services.balances_overdue_process(today=due + timedelta(days=3)) == {"flagged": 0, "released": 0}
    release_day = due + timedelta(days=4)  # 26 days before the start: the policy refunds 50 %
    with django_capture_on_commit_callbacks(execute=True):
        assert services.balances_overdue_process(today=release_day) == {"flagged": 0, "released": 1}
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.cancellation_refund_percent == 50
    assert Batch.objects.get(pk=deposit_batch.pk).seats_taken == seats_before - 3
    refunded = sum(Refund.objects.filter(booking=booking).values_list("amount_paise", flat=True))
    assert refunded == 259852  # 50 % of 5,197.03 = 2,598.515 -> 2,598.52
    assert booking.amount_refunded == Decimal("2598.52")
    assert booking.amount_paid - booking.amount_refunded == Decimal("2598.51")
    assert "₹29,449.82" in booking.cancellation_reason
    assert Delivery.objects.filter(user=user, template="balance_released").exists()


def test_paying_an_overdue_balance_clears_the_flag(user, deposit_batch):
    booking = _deposit_paid(user, deposit_batch)
    services.balances_overdue_process(today=booking.balance_due_date + timedelta(days=1))
    pay_order(booking)
    booking.refresh_from_db()
    assert booking.balance_overdue_at is None
    assert booking.balance_due == Decimal("0.00")
    assert services.balances_overdue_process(today=booking.balance_due_date + timedelta(days=10))["released"] == 0
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1464750.5"), "₹14,64,750.50"),
        (Decimal("14647.5"), "₹14,647.50"),
        (Decimal("999"), "₹999.00"),
        (Decimal("0.005"), "₹0.01"),
        (Decimal("123456789.12"), "₹12,34,56,789.12"),
    ],
)
def test_rupees_are_written_the_indian_way(amount, text):
    assert format_inr(amount) == text


def test_local_link_tokens_are_signed():
    from apps.bookings.gateways import local_link_id

    token = local_link_token("plink_local0123")
    assert local_link_id(token) == "plink_local0123"
    assert local_link_id(token + "x") is None
    assert local_link_id("") is None


def test_staff_set_the_deposit_terms_of_a_trek_and_bad_terms_are_400(client_for, staff_user):
    trek = TrekFactory()
    content = client_for(staff_user("content"))
    url = f"/api/v1/treks/{trek.slug}/"
    ok = content.patch(
        url, {"deposit_kind": "percent", "deposit_value": "25.00", "balance_due_days": 45}, format="json"
    )
    assert ok.status_code == 200, ok.content
    trek.refresh_from_db()
    assert (trek.deposit_kind, trek.deposit_value, trek.balance_due_days) == ("percent", Decimal("25.00"), 45)
    for bad in (
        {"deposit_value": "100"},
        {"deposit_kind": "fixed", "deposit_value": "0"},
        {"deposit_value": "NaN"},
        {"deposit_value": "1e999"},
        {"deposit_value": "-5"},
        {"balance_due_days": 1000},
        {"deposit_kind": "half"},
    ):
        response = content.patch(url, bad, format="json")
        assert response.status_code == 400, (bad, response.content)


def test_razorpay_payment_link_and_reconciliation_of_a_lost_webhook(user, deposit_batch, settings):
    import responses

    booking = _deposit_paid(user, deposit_batch)  # the deposit through the local gateway
    settings.PAYMENTS_GATEWAY = "razorpay"
    settings.RAZORPAY_KEY_ID = "rzp_test_key"
    settings.RAZORPAY_KEY_SECRET = "rzp-secret"
    with responses.RequestsMock() as razorpay:
        razorpay.post(
            "https://api.razorpay.com/v1/payment_links",
            json={"id": "plink_RZP1", "short_url": "https://rzp.io/i/abc", "amount": 2944982, "currency": "INR"},
        )
        link = services.payment_link_current(booking=booking, actor=None)
        sent = json.loads(razorpay.calls[0].request.body)
        assert sent["amount"] == 2944982
        assert sent["reference_id"] == f"{booking.reference}-1"
        assert sent["accept_partial"] is False
        assert sent["notify"] == {"sms": False, "email": False}
        assert (link.gateway_link_id, link.url) == ("plink_RZP1", "https://rzp.io/i/abc")

        razorpay.get(
            "https://api.razorpay.com/v1/payment_links/plink_RZP1",
            json={
                "id": "plink_RZP1",
                "currency": "INR",
                "status": "paid",
                "payments": [{"payment_id": "pay_RZPL1", "amount": 2944982, "status": "captured", "method": "upi"}],
            },
        )
        Payment.objects.filter(pk=link.payment_id).update(created_at=timezone.now() - timedelta(minutes=5))
        assert services.payments_reconcile() == 1
    booking.refresh_from_db()
    assert booking.balance_due == Decimal("0.00")
    assert Payment.objects.get(pk=link.payment_id).gateway_payment_id == "pay_RZPL1"
