"""Add-ons: the catalog (public read, staff write), taking add-ons with the seats or later until the cut-off, their
stock per departure (released on expiry and cancellation), the money to the paisa, the manifest and the roster."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import AddOn, AddOnStock, Booking, BookingAddOn
from apps.bookings.selectors import booking_add_on_lines
from apps.bookings.tests.conftest import people
from apps.bookings.tests.test_create import _post_counted
from apps.common.models import AuditLog
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory, TrekFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def offloading(trek: Any, **kwargs: Any) -> AddOn:
    values = {
        "kind": "offloading",
        "name": "Backpack offloading",
        "price": Decimal("350.00"),
        "gst_rate": Decimal("0.18"),
    }
    return AddOn.objects.create(trek=trek, **{**values, **kwargs})


def jacket(trek: Any, **kwargs: Any) -> AddOn:
    values = {
        "kind": "rental",
        "name": "Down jacket",
        "price": Decimal("199.99"),
        "gst_rate": Decimal("0.12"),
        "sizes": ["S", "M", "L"],
        "stock_per_departure": 2,
    }
    return AddOn.objects.create(trek=trek, **{**values, **kwargs})


def test_staff_create_and_edit_the_catalog_and_trekkers_read_it(client_for, staff_user, make_user):
    batch = BatchFactory()
    trek = batch.trek
    ops = client_for(staff_user("ops_manager"))
    payload = {"kind": "rental", "name": "Down jacket", "price": "600.00", "gst_rate": "0.1800", "sizes": ["S", "M"]}
    assert client_for(make_user()).post(f"{API}/treks/{trek.slug}/add-ons/", payload, format="json").status_code == 403
    assert (
        client_for(staff_user("cs")).post(f"{API}/treks/{trek.slug}/add-ons/", payload, format="json").status_code
        == 403
    )
    created = ops.post(f"{API}/treks/{trek.slug}/add-ons/", {**payload, "stock_per_departure": 3}, format="json")
    assert created.status_code == 201, created.content
    add_on = AddOn.objects.get(pk=created.json()["id"])
    assert (add_on.price, add_on.gst_rate, add_on.sizes) == (Decimal("600.00"), Decimal("0.18"), ["S", "M"])
    assert AuditLog.objects.filter(action="addon.created", target_id=str(add_on.pk)).exists()

    listed = client_for(None).get(f"{API}/treks/{trek.slug}/add-ons/?batch={batch.pk}").json()
    assert [row["name"] for row in listed] == ["Down jacket"]
    assert listed[0]["availability"] == [{"size": "S", "left": 3}, {"size": "M", "left": 3}]
    assert client_for(None).get(f"{API}/treks/{trek.slug}/add-ons/").json()[0]["availability"] is None

    edited = ops.patch(f"{API}/add-ons/{add_on.pk}/", {"is_active": False, "price": "650.00"}, format="json")
    assert edited.status_code == 200, edited.content
    assert client_for(None).get(f"{API}/treks/{trek.slug}/add-ons/").json() == []
    assert len(ops.get(f"{API}/treks/{trek.slug}/add-ons/").json()) == 1  # staff see inactive ones
    assert AuditLog.objects.filter(action="addon.updated", target_id=str(add_on.pk)).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "rental", "name": "X", "price": "-1", "gst_rate": "0.18"},
        {"kind": "rental", "name": "X", "price": "NaN", "gst_rate": "0.18"},
        {"kind": "rental", "name": "X", "price": "1e999", "gst_rate": "0.18"},
        {"kind": "rental", "name": "X", "price": "10", "gst_rate": "0.5"},
        {"kind": "rental", "name": "X", "price": "10", "gst_rate": "0.18", "sizes": ["M", "M"]},
        {"kind": "rental", "name": "X", "price": "10", "gst_rate": "0.18", "stock_per_departure": -1},
        {"kind": "boat", "name": "X", "price": "10", "gst_rate": "0.18"},
        {"kind": "rental", "name": "X\x00", "price": "10", "gst_rate": "0.18"},
    ],
)
def test_bad_catalog_input_is_a_400(client_for, staff_user, payload):
    trek = TrekFactory()
    response = client_for(staff_user("ops_manager")).post(f"{API}/treks/{trek.slug}/add-ons/", payload, format="json")
    assert response.status_code == 400, response.content
    assert "error" in response.json()


def test_add_ons_taken_with_the_seats_priced_to_the_paisa(client_for, make_user):
    batch = BatchFactory(total_seats=10)
    bag, coat = offloading(batch.trek), jacket(batch.trek)
    user = make_user()
    response = client_for(user).post(
        f"{API}/bookings/",
        {
            "batch": str(batch.pk),
            "participants": people(2),
            "add_ons": [{"add_on": str(bag.pk)}, {"add_on": str(coat.pk), "size": "M", "quantity": 2}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    # offloading 350.00 + 18 % = 413.00; jacket 2 x 199.99 = 399.98 + 12 % (48.00) = 447.98
    assert booking.add_ons_amount == Decimal("860.98")
    trek_part = booking.base_amount - booking.tier_discount - booking.coupon_discount + booking.tax_amount
    assert booking.final_amount == trek_part + Decimal("860.98")
    assert response.json()["pricing"]["add_ons_amount"] == "860.98"
    assert response.json()["balance_due"] == str(booking.final_amount)
    lines = booking_add_on_lines(booking)
    assert [
        (line.name, line.quantity, line.unit_price, line.gst_rate, line.amount, line.tax_amount) for line in lines
    ] == [
        ("Backpack offloading", 1, Decimal("350.00"), Decimal("0.1800"), Decimal("350.00"), Decimal("63.00")),
        ("Down jacket (M)", 2, Decimal("199.99"), Decimal("0.1200"), Decimal("399.98"), Decimal("48.00")),
    ]
    assert sum(line.total for line in lines) == booking.add_ons_amount
    assert AddOnStock.objects.get(add_on=coat, batch=batch, size="M").taken == 2
    assert not AddOnStock.objects.filter(add_on=bag).exists()  # unlimited: no counter
    created = AuditLog.objects.get(action="booking.created", target_id=str(booking.pk))
    assert created.changes["add_ons"] == ["Backpack offloading x1 = 413.00", "Down jacket (M) x2 = 447.98"]
    assert client_for(user).get(f"{API}/bookings/{booking.pk}/").json() == response.json()


def test_booking_with_add_ons_costs_one_read_one_upsert_per_stocked_line_and_one_insert(client_for, make_user):
    """2 statements without add-ons (test_booking_201_statements); with them: + the add-ons read, + one stock
    upsert per stocked line (here one of two), + the insert of the lines = 5."""
    batch = BatchFactory(total_seats=10)
    bag, coat = offloading(batch.trek), jacket(batch.trek)
    payload = {
        "batch": str(batch.pk),
        "participants": people(2),
        "add_ons": [{"add_on": str(bag.pk)}, {"add_on": str(coat.pk), "size": "L"}],
    }
    response, statements = _post_counted(client_for(make_user()), payload)
    assert response.status_code == 201, response.content
    assert statements == 5
    response, statements = _post_counted(
        client_for(make_user()), {"batch": str(batch.pk), "participants": people(1), "add_ons": []}
    )
    assert (response.status_code, statements) == (201, 2)


def test_sold_out_add_on_books_nothing(client_for, make_user, book):
    batch = BatchFactory(total_seats=10)
    coat = jacket(batch.trek, stock_per_departure=1)
    book(make_user(), batch, add_ons=[{"add_on": coat.pk, "size": "S", "quantity": 1}])
    response = client_for(make_user()).post(
        f"{API}/bookings/",
        {"batch": str(batch.pk), "participants": people(2), "add_ons": [{"add_on": str(coat.pk), "size": "S"}]},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "add_on_sold_out")
    batch.refresh_from_db()
    assert batch.seats_taken == 1  # the seats taken for the refused booking went back with its transaction
    assert Booking.objects.filter(batch=batch).count() == 1
    # another size still has its own stock
    assert book(make_user(), batch, add_ons=[{"add_on": coat.pk, "size": "M"}]).add_ons_amount > 0


@pytest.mark.parametrize(
    "choice",
    [
        {"size": "XXL"},
        {"size": ""},
        {"quantity": 7},
        {"other_trek": True},
        {"inactive": True},
        {"twice": True},
    ],
)
def test_wrong_choices_are_400_add_on_unavailable(client_for, make_user, choice):
    batch = BatchFactory()
    coat = jacket(batch.trek, max_per_booking=6, is_active=not choice.get("inactive"))
    if choice.get("other_trek"):
        coat = jacket(TrekFactory(), name="Elsewhere")
    item = {"add_on": str(coat.pk), "size": choice.get("size", "M"), "quantity": choice.get("quantity", 1)}
    items = [item, item] if choice.get("twice") else [item]
    response = client_for(make_user()).post(
        f"{API}/bookings/", {"batch": str(batch.pk), "participants": people(1), "add_ons": items}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("add_on_unavailable", "validation_error")
    assert not Booking.objects.filter(batch=batch).exists()


@pytest.mark.parametrize(
    "bad", [{"quantity": "NaN"}, {"quantity": 1e30}, {"quantity": -1}, {"add_on": "x"}, {"size": None}]
)
def test_hostile_add_on_choices_are_400(client_for, make_user, bad):
    batch = BatchFactory()
    item = {"add_on": str(offloading(batch.trek).pk), **bad}
    response = client_for(make_user()).post(
        f"{API}/bookings/", {"batch": str(batch.pk), "participants": people(1), "add_ons": [item]}, format="json"
    )
    assert response.status_code == 400, response.content


def test_added_later_to_a_confirmed_booking_is_a_balance_paid_through_the_gateway(client_for, make_user, book, pay):
    batch = BatchFactory()
    bag = offloading(batch.trek)
    user = make_user()
    booking = pay(book(user, batch, seats=2))
    paid = booking.amount_paid
    response = client_for(user).post(
        f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk), "quantity": 2}]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["add_ons_amount"], body["balance_due"]) == ("826.00", "826.00")  # 2 x 350 = 700 + 18 % = 826.00
    booking.refresh_from_db()
    assert (booking.status, booking.final_amount) == ("confirmed", paid + Decimal("826.00"))
    assert AuditLog.objects.filter(action="booking.add_ons_added", target_id=str(booking.pk), actor=user).exists()
    booking = pay(booking)  # an order for the balance on a confirmed booking
    assert (booking.status, booking.amount_paid, booking.balance_due) == ("confirmed", booking.final_amount, 0)
    assert booking.payments.count() == 2
    listed = client_for(user).get(f"{API}/bookings/{booking.pk}/add-ons/").json()
    assert [line["name"] for line in listed["lines"]] == ["Backpack offloading"]
    # someone else's booking is 404, to add and to read
    stranger = client_for(make_user())
    assert stranger.get(f"{API}/bookings/{booking.pk}/add-ons/").status_code == 404
    assert (
        stranger.post(
            f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk)}]}, format="json"
        ).status_code
        == 404
    )


def test_staff_add_for_a_trekker_and_pending_bookings_owe_it_in_the_hold(client_for, make_user, staff_user, book):
    batch = BatchFactory()
    bag = offloading(batch.trek)
    booking = book(make_user(), batch)
    before = booking.final_amount
    cs = staff_user("cs")
    response = client_for(cs).post(
        f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk)}]}, format="json"
    )
    assert response.status_code == 201, response.content
    booking.refresh_from_db()
    assert booking.final_amount == before + Decimal("413.00")
    assert BookingAddOn.objects.get(booking=booking).added_by == cs
    assert (
        client_for(staff_user("finance"))
        .post(f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk)}]}, format="json")
        .status_code
        == 404
    )


def test_after_the_cut_off_or_on_a_closed_booking_409_add_on_closed(client_for, make_user, book):
    soon = BatchFactory(start_date=timezone.localdate() + timedelta(days=2))
    bag = offloading(soon.trek, cutoff_days=3)
    user = make_user()
    response = client_for(user).post(
        f"{API}/bookings/",
        {"batch": str(soon.pk), "participants": people(1), "add_ons": [{"add_on": str(bag.pk)}]},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "add_on_closed")
    booking = book(user, soon)
    later = client_for(user).post(
        f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(bag.pk)}]}, format="json"
    )
    assert (later.status_code, later.json()["error"]["code"]) == (409, "add_on_closed")
    services.booking_cancel(booking=booking, actor=user)
    other = offloading(soon.trek, name="Mule", cutoff_days=0)
    closed = client_for(user).post(
        f"{API}/bookings/{booking.pk}/add-ons/", {"add_ons": [{"add_on": str(other.pk)}]}, format="json"
    )
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "add_on_closed")


def test_expiry_and_cancellation_give_the_stock_back_once(make_user, book):
    batch = BatchFactory(total_seats=10)
    coat = jacket(batch.trek, stock_per_departure=2)
    first = book(make_user(), batch, add_ons=[{"add_on": coat.pk, "size": "M", "quantity": 2}])
    stock = AddOnStock.objects.get(add_on=coat, batch=batch, size="M")
    assert stock.taken == 2
    Booking.objects.filter(pk=first.pk).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    assert services.booking_expire(booking_id=first.pk)
    stock.refresh_from_db()
    assert stock.taken == 0
    second = book(make_user(), batch, add_ons=[{"add_on": coat.pk, "size": "M", "quantity": 1}])
    services.booking_cancel(booking=second, actor=second.user)
    stock.refresh_from_db()
    assert stock.taken == 0
    assert not BookingAddOn.objects.filter(stock_held=True).exists()
    # staff raising the stock moves the departures that have not started
    services.add_on_update(add_on=coat, values={"stock_per_departure": 5}, actor=second.user)
    stock.refresh_from_db()
    assert stock.total == 5


def test_manifest_and_roster_show_the_add_ons_on_the_lead_row(client_for, make_user, staff_user, book, pay):
    guide = GuideFactory()
    batch = BatchFactory(guide=guide, total_seats=10)
    bag, coat = offloading(batch.trek), jacket(batch.trek)
    pay(
        book(make_user(), batch, seats=2, add_ons=[{"add_on": bag.pk}, {"add_on": coat.pk, "size": "L", "quantity": 2}])
    )
    ops = client_for(staff_user("ops_manager"))
    rows = ops.get(f"{API}/batches/{batch.pk}/manifest/").json()
    assert [row["add_ons"] for row in rows] == ["Backpack offloading x1; Down jacket (L) x2", ""]
    content = b"".join(ops.get(f"{API}/batches/{batch.pk}/manifest/?format=csv").streaming_content).decode()
    parsed = list(csv.DictReader(io.StringIO(content)))
    assert parsed[0]["add_ons"] == "Backpack offloading x1; Down jacket (L) x2"
    roster = client_for(guide.user).get(f"{API}/batches/{batch.pk}/roster/")
    assert roster.status_code == 200, roster.content
    assert [row["add_ons"] for row in roster.json()] == ["Backpack offloading x1; Down jacket (L) x2", ""]


def test_a_late_payment_reinstating_an_expired_hold_takes_its_add_ons_again(make_user, book):
    from django.db import transaction

    from apps.bookings.services.addons import booking_add_ons_release, booking_add_ons_retake

    batch = BatchFactory(total_seats=10)
    coat = jacket(batch.trek, stock_per_departure=1)
    booking = book(make_user(), batch, add_ons=[{"add_on": coat.pk, "size": "S"}])
    with transaction.atomic():
        assert booking_add_ons_release(booking) == 1
        assert booking_add_ons_release(booking) == 0  # never twice
        booking_add_ons_retake(booking)
    assert AddOnStock.objects.get(add_on=coat, size="S").taken == 1
    assert BookingAddOn.objects.get(booking=booking).stock_held


@pytest.mark.django_db(transaction=True)
def test_the_last_unit_goes_to_exactly_one_booking(race, make_user):
    """Eight trekkers book the last offloading slot of a departure at once: one gets it with their seats; the
    others are refused 409 add_on_sold_out and their seats go back (same transaction)."""
    from apps.common.exceptions import ApplicationError

    batch = BatchFactory(total_seats=20)
    bag = offloading(batch.trek, stock_per_departure=1)
    users = [make_user() for _ in range(8)]

    def attempt(user: Any) -> Booking:
        return services.booking_create(
            user=user, batch_id=batch.pk, participants=people(1), add_ons=[{"add_on": bag.pk, "quantity": 1}]
        )

    outcomes = race(*[lambda user=user: attempt(user) for user in users], catch=ApplicationError)
    assert sorted(outcomes.codes()) == ["add_on_sold_out"] * 7 + ["ok"]
    assert AddOnStock.objects.get(add_on=bag, batch=batch).taken == 1
    assert BookingAddOn.objects.filter(add_on=bag).count() == 1
    assert Batch.objects.get(pk=batch.pk).seats_taken == 1
    assert Booking.objects.filter(batch=batch).count() == 1
