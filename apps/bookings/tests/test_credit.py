"""Trek credit: taken on a cancellation at a better rate than the refund, offered at a bonus when a departure is
cancelled, spent on later bookings (in part or in full), returned when a credit payment is refunded, expiring
with a reminder; every amount reconciled to the paisa with the ledger."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from apps.bookings import services
from apps.bookings.errors import CreditInsufficient
from apps.bookings.models import CREDIT_GATEWAY, Booking, CreditOffer, CreditTransaction, Payment, Refund
from apps.common.models import AuditLog
from apps.notifications.models import Notification
from apps.treks.tests.factories import BatchFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _batch(days: int = 60, price: str = "12500.00") -> Any:
    return BatchFactory(start_date=timezone.localdate() + timedelta(days=days), price=Decimal(price))


def _assert_reconciles(user: User) -> Decimal:
    """The ledger against the bookings and payments, to the paisa; returns the balance."""
    lines = CreditTransaction.objects.filter(user=user)

    def total(**filters: Any) -> Decimal:
        return lines.filter(**filters).aggregate(t=Sum("amount"))["t"] or ZERO

    bookings = Booking.objects.filter(user=user)
    credited = bookings.aggregate(t=Sum("amount_credited"))["t"] or ZERO
    assert total(reason__in=["cancellation", "batch_cancelled"]) == credited
    for booking in bookings:
        assert total(booking=booking, reason__in=["cancellation", "batch_cancelled"]) == booking.amount_credited
    paid_with_credit = Payment.objects.filter(booking__user=user, gateway=CREDIT_GATEWAY, status="captured")
    assert -total(reason="redemption") == Decimal(paid_with_credit.aggregate(t=Sum("amount_paise"))["t"] or 0) / 100
    returned = Refund.objects.filter(payment__in=paid_with_credit, status="processed")
    assert total(reason="returned") == Decimal(returned.aggregate(t=Sum("amount_paise"))["t"] or 0) / 100
    balance = total()
    assert balance == credited - (-total(reason="redemption")) + total(reason="returned") + total(reason="expiry")
    latest = lines.order_by("-created_at", "-id").first()
    assert balance == (latest.balance_after if latest else ZERO)
    return balance


# --- taking credit on a cancellation --------------------------------------------------------------


def test_quote_shows_refund_and_better_credit_and_cancel_for_credit(auth_client, user, book, pay):
    booking = pay(book(user, _batch(days=25)))  # 21-29 days: 50 % refund, 70 % as credit
    quote = auth_client.get(f"/api/v1/bookings/{booking.pk}/cancel/").json()
    assert (quote["refund_percent"], quote["refund_amount"]) == (50, "6562.50")
    assert (quote["credit_percent"], quote["credit_amount"]) == (70, "9187.50")
    response = auth_client.post(f"/api/v1/bookings/{booking.pk}/cancel-for-credit/", {"reason": "Exams"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["amount_refunded"], body["amount_credited"]) == ("cancelled", "0.00", "9187.50")
    booking.refresh_from_db()
    # paid - refunded - credited: what the operator kept, to the paisa
    assert booking.amount_paid - booking.amount_refunded - booking.amount_credited == Decimal("3937.50")
    assert not Refund.objects.filter(booking=booking).exists()
    assert _assert_reconciles(user) == Decimal("9187.50")
    line = CreditTransaction.objects.get(user=user)
    assert (line.reason, line.booking_id) == ("cancellation", booking.pk)
    assert line.expires_at.date() >= (timezone.now() + timedelta(days=364)).date()
    assert AuditLog.objects.filter(action="credit.issued", actor=user).count() == 1
    note = Notification.objects.get(user=user, template="credit_issued")
    assert "₹9,187.50" in note.title + note.body
    account = auth_client.get("/api/v1/credit/").json()
    assert account["balance"] == "9187.50"
    assert [g["amount"] for g in account["grants"]] == ["9187.50"]
    again = auth_client.post(f"/api/v1/bookings/{booking.pk}/cancel-for-credit/", {}, format="json")
    assert again.status_code == 409


def test_credit_rate_is_capped_and_never_below_the_refund(settings, user, book, pay):
    booking = pay(book(user, _batch(days=60)))  # 90 % refund, credit capped at 100 %
    quote = services.cancellation_quote(booking=booking)
    assert (quote.credit_percent, quote.credit_amount) == (100, booking.amount_paid)
    settings.TREK_CREDIT_CANCELLATION_MAX_PERCENT = 80
    assert services.cancellation_quote(booking=booking).credit_percent == 90


def test_someone_else_cannot_cancel_for_credit(client_for, make_user, book, pay):
    booking = pay(book(make_user(), _batch()))
    assert client_for(make_user()).post(f"/api/v1/bookings/{booking.pk}/cancel-for-credit/").status_code == 404


# --- paying with credit ---------------------------------------------------------------------------


def _credit_of(user: User, book: Any, pay: Any, days: int = 60, price: str = "12500.00") -> Decimal:
    """Give ``user`` credit by cancelling a paid booking for credit."""
    booking = pay(book(user, _batch(days=days, price=price)))
    services.booking_cancel(booking=booking, actor=user, settle="credit")
    booking.refresh_from_db()
    return booking.amount_credited


def test_credit_pays_a_new_booking_in_full(auth_client, user, book, pay, django_capture_on_commit_callbacks):
    credit = _credit_of(user, book, pay, price="20000.00")  # 21,000.00 paid, 100 % as credit
    assert credit == Decimal("21000.00")
    booking = book(user, _batch())
    key = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            f"/api/v1/bookings/{booking.pk}/pay-with-credit/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["booking_status"], body["amount_paise"], body["balance_due"]) == ("confirmed", 1312500, "0.00")
    assert body["credit_balance"] == "7875.00"
    payment = Payment.objects.get(pk=body["payment_id"])
    assert (payment.gateway, payment.status) == (CREDIT_GATEWAY, "captured")
    assert AuditLog.objects.filter(action="payment.captured", target_id=str(payment.pk)).exists()
    assert _assert_reconciles(user) == Decimal("7875.00")
    replay = auth_client.post(
        f"/api/v1/bookings/{booking.pk}/pay-with-credit/", {}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert replay.status_code == 200
    assert replay.json()["payment_id"] == body["payment_id"]
    reused = auth_client.post(
        f"/api/v1/bookings/{booking.pk}/pay-with-credit/", {"amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert reused.status_code == 422
    assert CreditTransaction.objects.filter(reason="redemption").count() == 1


def test_credit_pays_part_and_the_gateway_the_rest(user, book, pay):
    _credit_of(user, book, pay)  # 13,125.00
    booking = book(user, _batch(), seats=2)  # 26,250.00
    payment, created = services.credit_redeem(user=user, booking_id=booking.pk, amount=None, key=uuid.uuid4())
    assert created
    assert payment.amount_paise == 1312500
    booking.refresh_from_db()
    assert (booking.status, booking.balance_due) == ("pending", Decimal("13125.00"))
    booking = pay(booking)  # the gateway order is for the balance left
    assert (booking.status, booking.amount_paid) == ("confirmed", Decimal("26250.00"))
    assert _assert_reconciles(user) == ZERO


def test_the_revenue_report_counts_money_not_credit(user, book, pay):
    from apps.bookings.selectors import revenue_report

    _credit_of(user, book, pay)  # 13,125.00 paid in money, kept as credit
    booking = book(user, _batch())
    services.credit_redeem(user=user, booking_id=booking.pk, amount=None, key=uuid.uuid4())
    today = timezone.localdate()
    rows = revenue_report(date_from=today, date_to=today, group_by="month")
    assert [(r["gross_paise"], r["payments"], r["refunded_paise"]) for r in rows] == [(1312500, 1, 0)]


def test_paying_more_than_the_credit_or_the_balance_is_409(auth_client, user, book, pay):
    _credit_of(user, book, pay)
    booking = book(user, _batch())
    url = f"/api/v1/bookings/{booking.pk}/pay-with-credit/"
    over_balance = auth_client.post(url, {"amount": "13125.01"}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert over_balance.status_code == 409
    assert over_balance.json()["error"]["code"] == "amount_exceeds_balance"
    bigger = book(user, _batch(), seats=2)
    too_much = auth_client.post(
        f"/api/v1/bookings/{bigger.pk}/pay-with-credit/",
        {"amount": "20000.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "credit_insufficient"
    for bad in ("NaN", "Infinity", "1e999", "-5", "0", "abc", "12.345"):
        response = auth_client.post(url, {"amount": bad}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 400, bad
    assert auth_client.post(url, {}, format="json").status_code == 400  # no Idempotency-Key
    assert CreditTransaction.objects.filter(reason="redemption").count() == 0


def test_no_credit_is_409_and_a_stranger_gets_404(client_for, make_user, book):
    owner = make_user()
    booking = book(owner, _batch())
    response = client_for(owner).post(
        f"/api/v1/bookings/{booking.pk}/pay-with-credit/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "credit_insufficient"
    stranger = client_for(make_user()).post(
        f"/api/v1/bookings/{booking.pk}/pay-with-credit/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert stranger.status_code == 404


def test_refunding_a_credit_payment_gives_the_credit_back(user, book, pay, django_capture_on_commit_callbacks):
    _credit_of(user, book, pay)  # 13,125.00
    booking = book(user, _batch(days=60))
    services.credit_redeem(user=user, booking_id=booking.pk, amount=None, key=uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking, actor=user)  # 90 % refund, to the credit it was paid with
    booking.refresh_from_db()
    assert booking.amount_refunded == Decimal("11812.50")
    refund = Refund.objects.get(booking=booking)
    assert (refund.status, refund.payment.gateway) == ("processed", CREDIT_GATEWAY)
    assert _assert_reconciles(user) == Decimal("11812.50")
    services.refund_send(refund_id=refund.pk)  # a redelivered task changes nothing
    assert CreditTransaction.objects.filter(reason="returned").count() == 1


# --- a cancelled departure: credit at a bonus or a full refund ------------------------------------


def _cancel_departure(staff_user: Any, batch: Any) -> None:
    job = services.batch_bulk_cancel_start(actor=staff_user("ops_manager"), batch=batch, reason="Landslide")
    services.batch_bulk_cancel_run(job_id=job.pk)


def test_departure_cancelled_offers_110_percent_credit(client_for, user, staff_user, book, pay):
    batch = _batch(days=10)
    booking = pay(book(user, batch))
    _cancel_departure(staff_user, batch)
    booking.refresh_from_db()
    assert (booking.status, booking.amount_refunded, booking.amount_credited) == ("cancelled", ZERO, ZERO)
    note = Notification.objects.get(user=user, template="batch_cancelled_choice")
    assert "₹14,437.50" in note.body
    assert "₹13,125.00" in note.body
    owner = client_for(user)
    chosen = owner.post(f"/api/v1/bookings/{booking.pk}/credit-offer/", {"choice": "credit"}, format="json")
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["choice"], chosen.json()["credit_amount"]) == ("credit", "14437.50")
    booking.refresh_from_db()
    assert booking.amount_credited == Decimal("14437.50")
    # paid - refunded - credited: the bonus is what the operator gives, to the paisa
    assert booking.amount_paid - booking.amount_refunded - booking.amount_credited == Decimal("-1312.50")
    assert _assert_reconciles(user) == Decimal("14437.50")
    again = owner.post(f"/api/v1/bookings/{booking.pk}/credit-offer/", {"choice": "refund"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "credit_offer_decided"
    assert not Refund.objects.filter(booking=booking).exists()
    assert owner.post(f"/api/v1/bookings/{booking.pk}/credit-offer/", {"choice": "x"}, format="json").status_code == 400


def test_an_offer_nobody_chose_defaults_to_a_full_refund(settings, user, staff_user, book, pay):
    batch = _batch(days=10)
    booking = pay(book(user, batch))
    _cancel_departure(staff_user, batch)
    offer = CreditOffer.objects.get(booking=booking)
    assert services.credit_offers_settle_due(now=offer.decide_by - timedelta(seconds=1)) == 0
    assert services.credit_offers_settle_due(now=offer.decide_by) == 1
    assert services.credit_offers_settle_due(now=offer.decide_by) == 0
    offer.refresh_from_db()
    booking.refresh_from_db()
    assert (offer.choice, offer.defaulted) == ("refund", True)
    assert booking.amount_refunded == booking.amount_paid
    assert _assert_reconciles(user) == ZERO


def test_the_default_can_be_credit(settings, user, staff_user, book, pay):
    settings.TREK_CREDIT_OFFER_DEFAULT = "credit"
    batch = _batch(days=10)
    booking = pay(book(user, batch))
    _cancel_departure(staff_user, batch)
    offer = CreditOffer.objects.get(booking=booking)
    services.credit_offers_settle_due(now=offer.decide_by)
    booking.refresh_from_db()
    assert booking.amount_credited == Decimal("14437.50")


def test_unpaid_bookings_get_no_offer(user, staff_user, book):
    batch = _batch(days=10)
    booking = book(user, batch)
    _cancel_departure(staff_user, batch)
    assert not CreditOffer.objects.filter(booking=booking).exists()
    assert Notification.objects.filter(user=user, template="batch_cancelled").count() == 1


# --- expiry and its reminder ----------------------------------------------------------------------


def test_credit_expires_after_the_period_with_a_reminder_before(settings, user, book, pay):
    settings.TREK_CREDIT_VALID_DAYS = 100
    settings.TREK_CREDIT_REMINDER_DAYS = 10
    _credit_of(user, book, pay)  # 13,125.00
    spend = book(user, _batch())
    services.credit_redeem(user=user, booking_id=spend.pk, amount=Decimal("3125.00"), key=uuid.uuid4())
    grant = CreditTransaction.objects.get(reason="cancellation")
    assert services.credit_expiry_reminders(now=grant.expires_at - timedelta(days=11)) == 0
    assert services.credit_expiry_reminders(now=grant.expires_at - timedelta(days=9)) > 0
    assert services.credit_expiry_reminders(now=grant.expires_at - timedelta(days=8)) == 0  # once per grant
    reminder = Notification.objects.get(user=user, template="credit_expiring")
    assert "₹10,000.00" in reminder.body
    assert services.credits_expire(now=grant.expires_at - timedelta(seconds=1)) == 0
    assert services.credit_balance(user=user, now=grant.expires_at) == ZERO  # spendable: nothing, already
    assert services.credits_expire(now=grant.expires_at) == 1
    assert services.credits_expire(now=grant.expires_at + timedelta(days=1)) == 0
    expiry = CreditTransaction.objects.get(reason="expiry")
    assert expiry.amount == Decimal("-10000.00")
    assert _assert_reconciles(user) == ZERO


def test_expired_credit_cannot_pay(user, book, pay):
    _credit_of(user, book, pay)
    grant = CreditTransaction.objects.get(reason="cancellation")
    with time_machine.travel(grant.expires_at + timedelta(minutes=1), tick=False):
        booking = book(user, _batch())
        with pytest.raises(CreditInsufficient):
            services.credit_redeem(user=user, booking_id=booking.pk, amount=None, key=uuid.uuid4())
        assert services.credit_balance(user=user) == ZERO
    assert not Payment.objects.filter(gateway=CREDIT_GATEWAY).exists()
    assert services.credits_expire(now=grant.expires_at) == 1  # the refused payment wrote nothing: the job does


def test_the_daily_task_runs_all_three(user, book, pay):
    from apps.bookings.tasks import trek_credit_daily

    assert trek_credit_daily.apply().get() == {"offers_defaulted": 0, "expired": 0, "reminded": 0}


def test_the_ledger_refuses_a_reused_key_and_a_negative_balance(user, book, pay):
    booking = pay(book(user, _batch()))
    services.booking_cancel(booking=booking, actor=user, settle="credit")
    booking.refresh_from_db()
    from apps.common.exceptions import IdempotencyKeyReused

    same = services.credit_issue(
        booking=booking, amount=booking.amount_credited, reason="cancellation", actor=user,
        idempotency_key=f"cancellation:{booking.pk}",
    )  # fmt: skip
    assert CreditTransaction.objects.count() == 1
    assert same.amount == booking.amount_credited
    with pytest.raises(IdempotencyKeyReused):
        services.credit_issue(
            booking=booking, amount=Decimal("1.00"), reason="cancellation", actor=user,
            idempotency_key=f"cancellation:{booking.pk}",
        )  # fmt: skip


# --- two bookings spending the same credit at once ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_bookings_redeeming_the_same_credit_never_overspend(user, book, pay, race):
    credit = _credit_of(user, book, pay)  # 13,125.00
    first, second = book(user, _batch()), book(user, _batch())  # 13,125.00 each
    outcomes = race(
        partial(services.credit_redeem, user=user, booking_id=first.pk, amount=credit, key=uuid.uuid4()),
        partial(services.credit_redeem, user=user, booking_id=second.pk, amount=credit, key=uuid.uuid4()),
        catch=CreditInsufficient,
    )
    assert sorted(outcomes.codes()) == ["credit_insufficient", "ok"]
    assert CreditTransaction.objects.filter(reason="redemption").count() == 1
    statuses = sorted(Booking.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
    assert statuses == ["confirmed", "pending"]
    assert _assert_reconciles(user) == ZERO


@pytest.mark.django_db(transaction=True)
def test_partial_redemptions_at_once_add_up_to_the_credit(user, book, pay, race):
    _credit_of(user, book, pay, price="20000.00")  # 21,000.00: one booking in full, one in part, one nothing
    bookings = [book(user, _batch()) for _ in range(3)]  # 13,125.00 each
    outcomes = race(
        *(partial(services.credit_redeem, user=user, booking_id=b.pk, amount=None, key=uuid.uuid4()) for b in bookings),
        catch=CreditInsufficient,
    )
    assert sorted(outcomes.codes()) == ["credit_insufficient", "ok", "ok"]
    spent = sorted(payment.amount for payment, _ in outcomes.values)
    assert spent == [Decimal("7875.00"), Decimal("13125.00")]
    assert _assert_reconciles(user) == ZERO
