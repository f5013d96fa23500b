"""Booking changes through the services: participants added, corrected, cancelled; transfers. Money to the paisa."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.bookings.errors import (
    AlreadyBooked,
    BatchFull,
    BookingNotChangeable,
    LeadNotCancellable,
)
from apps.bookings.models import Booking, Refund
from apps.bookings.services import change_quotes, changes
from apps.bookings.tests.changes_helpers import assert_books_balance
from apps.common.exceptions import ValidationFailed
from apps.common.models import AuditLog
from apps.notifications.models import Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, TrekFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _seats(batch: Batch) -> int:
    batch.refresh_from_db()
    return batch.seats_taken


def test_add_participant_to_confirmed_booking_owes_the_difference_then_pays_it(user, batch, book, pay):
    booking = pay(book(user, batch, seats=1))
    assert booking.status == "confirmed"
    assert booking.final_amount == D("13125.00")
    quote = change_quotes.add_participants_quote(booking=booking, count=1)
    assert (quote.final_amount_after, quote.balance_due_after, quote.refund_amount) == (
        D("26250.00"),
        D("13125.00"),
        D("0.00"),
    )
    booking = changes.participants_add(booking=booking, actor=user, participants=[{"name": "Ravi", "age": 27}])
    booking.refresh_from_db()
    assert (booking.seats, booking.status, booking.final_amount) == (2, "confirmed", D("26250.00"))
    assert booking.balance_due == D("13125.00")
    assert _seats(batch) == 2
    assert [p.name for p in booking.participants.order_by("position")] == ["Trekker 0", "Ravi"]
    row = AuditLog.objects.get(action="booking.participants_added")
    assert row.actor_id == user.pk
    assert row.changes["seats"] == [1, 2]
    assert Notification.objects.filter(user=user, template="booking_changed").exists()
    booking = pay(booking)  # the balance through the ordinary payments flow
    assert booking.balance_due == 0
    assert booking.amount_paid == D("26250.00")
    assert_books_balance(booking)


def test_add_beyond_six_or_on_a_full_departure_changes_nothing(user, book):
    batch = BatchFactory(total_seats=4)
    booking = book(user, batch, seats=3)
    with pytest.raises(ValidationFailed):
        changes.participants_add(booking=booking, actor=user, participants=[{"name": "X", "age": 20}] * 4)
    with pytest.raises(BatchFull):
        changes.participants_add(booking=booking, actor=user, participants=[{"name": "X", "age": 20}] * 2)
    booking.refresh_from_db()
    assert booking.seats == 3
    assert _seats(batch) == 3
    assert booking.final_amount == D("39375.00")


def test_cancel_one_participant_refunds_their_paid_share_by_the_policy(user, batch, book, pay):
    booking = pay(book(user, batch, seats=3))  # 30 days before: 90 %
    assert booking.final_amount == D("39375.00")
    quote = change_quotes.cancel_participant_quote(booking=booking, position=2)
    assert (quote.refund_percent, quote.refund_amount, quote.fee) == (90, D("11812.50"), D("1312.50"))
    booking = changes.participant_cancel(booking=booking, actor=user, position=2, reason="Knee injury")
    booking.refresh_from_db()
    assert (booking.seats, booking.final_amount, booking.change_fees) == (2, D("27562.50"), D("1312.50"))
    assert booking.amount_refunded == D("11812.50")
    assert booking.balance_due == 0
    assert _seats(batch) == 2
    assert list(Refund.objects.filter(booking=booking).values_list("reason", "amount_paise")) == [
        ("participant_cancelled", 1181250)
    ]
    row = AuditLog.objects.get(action="booking.participant_cancelled")
    assert row.actor_id == user.pk
    assert row.changes["participant"] == {"name": "Trekker 2", "age": 32}
    assert_books_balance(booking)


def test_cancel_one_participant_25_days_before_refunds_half(user, batch, book, pay):
    booking = pay(book(user, batch, seats=2))
    today = batch.start_date - timedelta(days=25)
    booking = changes.participant_cancel(booking=booking, actor=user, position=1, today=today)
    booking.refresh_from_db()
    assert booking.amount_refunded == D("6562.50")  # half of 13 125.00
    assert booking.final_amount == D("19687.50")
    assert booking.change_fees == D("6562.50")
    assert_books_balance(booking)


def test_cancel_one_participant_of_an_unpaid_hold_just_lowers_the_price(user, batch, book):
    booking = book(user, batch, seats=2)
    booking = changes.participant_cancel(booking=booking, actor=user, position=1)
    booking.refresh_from_db()
    assert (booking.final_amount, booking.change_fees, booking.amount_refunded) == (D("13125.00"), 0, 0)
    assert booking.balance_due == D("13125.00")
    assert _seats(batch) == 1
    assert_books_balance(booking)


def test_cancel_the_lead_or_a_closed_booking_is_refused(user, batch, book):
    booking = book(user, batch, seats=2)
    with pytest.raises(LeadNotCancellable):
        changes.participant_cancel(booking=booking, actor=user, position=0)
    Booking.objects.filter(pk=booking.pk).update(status="cancelled", hold_expires_at=None)
    with pytest.raises(BookingNotChangeable):
        changes.participant_cancel(booking=booking, actor=user, position=1)
    booking.refresh_from_db()
    with pytest.raises(BookingNotChangeable):
        change_quotes.transfer_quote(booking=booking, batch=BatchFactory())


def test_odd_prices_with_discounts_balance_to_the_paisa(make_user, book, pay):
    from apps.bookings.tests.factories import CouponFactory

    user = make_user()
    batch = BatchFactory(price=D("12345.67"))
    CouponFactory(code="ODD7", kind="percent", value=D("7.00"))
    booking = pay(book(user, batch, seats=3, coupon_code="ODD7"))
    booking = changes.participants_add(booking=booking, actor=user, participants=[{"name": "A", "age": 40}])
    booking = pay(booking)
    booking = changes.participant_cancel(booking=booking, actor=user, position=1)
    assert_books_balance(booking)
    other = BatchFactory(price=D("9876.54"), trek=TrekFactory())
    booking = changes.booking_transfer(booking=booking, actor=user, batch_id=other.pk)
    assert_books_balance(booking)
    booking.refresh_from_db()
    assert booking.coupon_discount > 0
    assert booking.seats == 3


def test_transfer_to_a_cheaper_departure_of_another_trek_refunds_the_difference_less_the_fee(
    settings, user, batch, book, pay
):
    settings.BOOKINGS_TRANSFER_FEE = D("500.00")
    booking = pay(book(user, batch, seats=2))  # 26 250.00
    target = BatchFactory(trek=TrekFactory(), price=D("10000.00"))
    quote = change_quotes.transfer_quote(booking=booking, batch=target)
    assert (quote.final_amount_after, quote.fee, quote.refund_amount) == (D("21500.00"), D("500.00"), D("4750.00"))
    booking = changes.booking_transfer(booking=booking, actor=user, batch_id=target.pk, reason="Dates")
    booking.refresh_from_db()
    assert booking.batch_id == target.pk
    assert booking.status == "confirmed"
    assert (booking.final_amount, booking.amount_refunded, booking.balance_due) == (D("21500.00"), D("4750.00"), 0)
    assert _seats(batch) == 0
    assert _seats(target) == 2
    assert Refund.objects.get(booking=booking).reason == "transfer"
    row = AuditLog.objects.get(action="booking.transferred")
    assert row.actor_id == user.pk
    assert row.changes["batch"] == [str(batch.pk), str(target.pk)]
    assert_books_balance(booking)


def test_transfer_to_a_dearer_departure_owes_the_difference_and_the_fee(settings, user, batch, book, pay):
    settings.BOOKINGS_TRANSFER_FEE = D("750.00")
    booking = pay(book(user, batch, seats=1))
    target = BatchFactory(trek=batch.trek, price=D("15000.00"), start_date=batch.start_date + timedelta(days=14))
    booking = changes.booking_transfer(booking=booking, actor=user, batch_id=target.pk)
    booking.refresh_from_db()
    assert booking.final_amount == D("16500.00")  # 15 750.00 + 750.00
    assert booking.balance_due == D("3375.00")
    assert booking.status == "confirmed"
    booking = pay(booking)
    assert booking.balance_due == 0
    assert_books_balance(booking)


def test_transfer_to_a_full_or_held_departure_changes_nothing(user, batch, book, make_user):
    booking = book(user, batch, seats=2)
    full = BatchFactory(total_seats=3, seats_taken=2)
    with pytest.raises(BatchFull):
        changes.booking_transfer(booking=booking, actor=user, batch_id=full.pk)
    assert _seats(batch) == 2
    assert _seats(full) == 2
    mine = BatchFactory()
    book(user, mine)
    with pytest.raises(AlreadyBooked):
        changes.booking_transfer(booking=booking, actor=user, batch_id=mine.pk)
    with pytest.raises(ValidationFailed):
        changes.booking_transfer(booking=booking, actor=user, batch_id=batch.pk)
    booking.refresh_from_db()
    assert booking.batch_id == batch.pk
    assert _seats(batch) == 2
    assert _seats(mine) == 1


def test_participant_correction_is_audited_and_the_lead_follows(user, batch, book):
    booking = book(user, batch, seats=2)
    changes.participant_update(booking=booking, actor=user, position=0, changes={"name": "Asha Rao", "age": 34})
    booking.refresh_from_db()
    assert (booking.trekker_name, booking.trekker_age) == ("Asha Rao", 34)
    assert AuditLog.objects.get(action="booking.participant_updated").changes["name"] == ["Trekker 0", "Asha Rao"]
    assert booking.final_amount == D("26250.00")
    assert _seats(batch) == 2


def test_every_change_asks_the_eligibility_call_point_first(monkeypatch, user, batch, book):
    asked: list[tuple[Any, list[dict[str, Any]]]] = []

    def refuse(*, trek: Any, participants: list[dict[str, Any]]) -> None:
        asked.append((trek.pk, participants))
        raise ValidationFailed("Too young for this trek.", details={"age": ["At least 12."]})

    monkeypatch.setattr(changes, "participants_eligibility_check", refuse)
    booking = book(user, batch, seats=1)
    target = BatchFactory(trek=TrekFactory())
    with pytest.raises(ValidationFailed):
        changes.participants_add(booking=booking, actor=user, participants=[{"name": "Kid", "age": 3}])
    with pytest.raises(ValidationFailed):
        changes.participant_update(booking=booking, actor=user, position=0, changes={"age": 3})
    with pytest.raises(ValidationFailed):
        changes.booking_transfer(booking=booking, actor=user, batch_id=target.pk)
    assert [trek for trek, _ in asked] == [batch.trek_id, batch.trek_id, target.trek_id]
    assert asked[0][1][0]["age"] == 3
    assert asked[1][1][0]["age"] == 3
    booking.refresh_from_db()
    assert booking.seats == 1
    assert _seats(batch) == 1
    assert _seats(target) == 0
    assert booking.trekker_age == 30
