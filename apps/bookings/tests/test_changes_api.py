"""Booking changes over HTTP (quotes first, then the change) and two changes of one booking at the same moment."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest

from apps.bookings.models import Booking
from apps.bookings.services import changes
from apps.bookings.tests.changes_helpers import assert_books_balance
from apps.bookings.tests.conftest import people
from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.tests.factories import UserFactory

D = Decimal


def _url(booking: Booking, tail: str) -> str:
    return f"/api/v1/bookings/{booking.pk}/{tail}"


@pytest.mark.django_db
def test_quote_then_add_then_cancel_one_participant_over_http(client_for, user, batch, book, pay):
    booking = pay(book(user, batch, seats=1))
    client = client_for(user)
    quote = client.get(_url(booking, "participants/"), {"count": 2})
    assert quote.status_code == 200, quote.content
    assert quote.json()["final_amount_after"] == "39375.00"
    assert quote.json()["balance_due_after"] == "26250.00"
    added = client.post(
        _url(booking, "participants/"),
        {"participants": [{"name": "A", "age": 30}, {"name": "B", "age": 31}]},
        format="json",
    )
    assert added.status_code == 200, added.content
    assert added.json()["seats"] == 3
    assert added.json()["balance_due"] == "26250.00"
    assert added.json()["pricing"]["change_fees"] == "0.00"
    cancel_quote = client.get(_url(booking, "participants/2/cancel/"))
    assert cancel_quote.status_code == 200, cancel_quote.content
    # a third of the price is paid, so a third of B's share (4 375.00) is, and 90 % of that comes back
    assert cancel_quote.json()["refund_amount"] == "3937.50"
    assert cancel_quote.json()["fee"] == "437.50"
    cancelled = client.post(_url(booking, "participants/2/cancel/"), {"reason": "Exams"}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    assert [p["name"] for p in cancelled.json()["participants"]] == ["Trekker 0", "A"]
    assert cancelled.json()["balance_due"] == "17500.00"  # 26 687.50 less the 9 187.50 kept
    assert client.post(_url(booking, "participants/0/cancel/"), {}, format="json").json()["error"]["code"] == (
        "lead_not_cancellable"
    )
    assert client.get(_url(booking, "participants/99999999999/cancel/")).status_code == 404
    assert_books_balance(booking)


@pytest.mark.django_db
def test_transfer_quote_and_transfer_over_http(client_for, user, batch, book, pay):
    booking = pay(book(user, batch, seats=2))
    target = BatchFactory(trek=TrekFactory(), price=D("10000.00"))
    client = client_for(user)
    quote = client.get(_url(booking, "transfer/"), {"batch": str(target.pk)})
    assert quote.status_code == 200, quote.content
    assert quote.json()["fee"] == "500.00"
    assert quote.json()["refund_amount"] == "4750.00"
    moved = client.post(_url(booking, "transfer/"), {"batch": str(target.pk)}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["batch"]["id"] == str(target.pk)
    assert moved.json()["amount_refunded"] == "4750.00"
    again = client.post(_url(booking, "transfer/"), {"batch": str(target.pk)}, format="json")
    assert again.status_code == 400


@pytest.mark.django_db
def test_someone_elses_booking_is_404_and_edits_are_checked(client_for, user, batch, book):
    booking = book(user, batch, seats=2)
    stranger = client_for(UserFactory())
    assert stranger.get(_url(booking, "participants/1/cancel/")).status_code == 404
    assert stranger.post(_url(booking, "transfer/"), {"batch": str(batch.pk)}, format="json").status_code == 404
    mine = client_for(user)
    assert mine.patch(_url(booking, "participants/1/"), {}, format="json").status_code == 400
    assert mine.patch(_url(booking, "participants/1/"), {"age": 0}, format="json").status_code == 400
    fixed = mine.patch(_url(booking, "participants/1/"), {"name": "Meera"}, format="json")
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["participants"][1]["name"] == "Meera"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "count", ["NaN", "nan", "Infinity", "-Infinity", "1e999", "1.5", "0", "-1", "", "2\x00", "9" * 400]
)
def test_quote_count_refuses_what_is_not_a_small_whole_number(client_for, user, batch, book, count):
    """Non-finite, fractional, huge, empty, and NUL-bearing values: a 400 in the envelope naming
    ``count``, and the booking untouched."""
    booking = book(user, batch, seats=1)
    before = Booking.objects.values().get(pk=booking.pk)
    answer = client_for(user).get(_url(booking, "participants/"), {"count": count})
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "validation_error"
    assert "count" in answer.json()["error"]["details"]
    assert Booking.objects.values().get(pk=booking.pk) == before


# --- two changes of one booking at once (PostgreSQL, threads) ----------------------------------------------------


def _seats(*batches: Batch) -> list[int]:
    return [Batch.objects.get(pk=b.pk).seats_taken for b in batches]


@pytest.mark.django_db(transaction=True)
def test_two_cancellations_of_one_participant_cancel_once(race: Race, pay):
    user, batch = UserFactory(), BatchFactory()
    booking = pay(changes_booking(user, batch, seats=3))
    codes = race(
        *(partial(changes.participant_cancel, booking=booking, actor=user, position=2) for _ in range(2)),
        catch=ApplicationError,
    ).codes()
    assert sorted(codes) == ["not_found", "ok"]
    assert _seats(batch) == [2]
    booking.refresh_from_db()
    assert booking.seats == 2
    assert booking.amount_refunded == D("11812.50")
    assert_books_balance(booking)


@pytest.mark.django_db(transaction=True)
def test_two_additions_past_the_limit_one_wins(race: Race):
    user, batch = UserFactory(), BatchFactory(total_seats=20)
    booking = changes_booking(user, batch, seats=3)
    codes = race(
        *(partial(changes.participants_add, booking=booking, actor=user, participants=people(3)) for _ in range(2)),
        catch=ApplicationError,
    ).codes()
    assert sorted(codes) == ["ok", "validation_error"]
    booking.refresh_from_db()
    assert booking.seats == 6
    assert _seats(batch) == [6]
    assert_books_balance(booking)


@pytest.mark.django_db(transaction=True)
def test_two_transfers_at_once_never_lose_or_double_a_seat(race: Race, pay):
    user, source = UserFactory(), BatchFactory()
    first, second = BatchFactory(total_seats=10), BatchFactory(total_seats=10, trek=TrekFactory())
    booking = pay(changes_booking(user, source, seats=2))
    codes = race(
        partial(changes.booking_transfer, booking=booking, actor=user, batch_id=first.pk),
        partial(changes.booking_transfer, booking=booking, actor=user, batch_id=second.pk),
        catch=ApplicationError,
    ).codes()
    assert codes == ["ok", "ok"]  # one after the other: the second moves it on from where the first left it
    booking.refresh_from_db()
    taken = dict(zip([source.pk, first.pk, second.pk], _seats(source, first, second), strict=True))
    assert sum(taken.values()) == 2
    assert taken[booking.batch_id] == 2
    assert_books_balance(booking)


@pytest.mark.django_db(transaction=True)
def test_transfer_racing_a_participant_cancellation(race: Race, pay):
    user, source = UserFactory(), BatchFactory()
    target = BatchFactory(total_seats=3, seats_taken=1)  # room for exactly the two seats left after the cancel
    booking = pay(changes_booking(user, source, seats=3))
    outcomes = race(
        partial(changes.booking_transfer, booking=booking, actor=user, batch_id=target.pk),
        partial(changes.participant_cancel, booking=booking, actor=user, position=2),
        catch=ApplicationError,
    ).codes()
    booking.refresh_from_db()
    assert outcomes[1] == "ok"
    assert outcomes[0] in ("ok", "batch_full")  # ok only when the cancellation went first
    source_taken, target_taken = _seats(source, target)
    assert booking.seats == 2
    if outcomes[0] == "ok":
        assert (source_taken, target_taken, booking.batch_id) == (0, 3, target.pk)
    else:
        assert (source_taken, target_taken, booking.batch_id) == (2, 1, source.pk)
    assert_books_balance(booking)


def changes_booking(user, batch, *, seats: int) -> Booking:  # type: ignore[no-untyped-def]
    from apps.bookings import services

    return services.booking_create(user=user, batch_id=batch.pk, participants=people(seats))
