"""The customers API: search, the customer page by capability, accounts staff open, and bookings taken for them."""

from __future__ import annotations

from typing import Any

import pytest

from apps.bookings.models import Booking, BookingSource
from apps.bookings.tests.conftest import people
from apps.bookings.tests.factories import CouponFactory
from apps.common.models import AuditLog
from apps.emergency.models import Incident
from apps.notifications.models import Notification
from apps.treks.tests.factories import BatchFactory
from apps.users.models import User
from apps.users.services import identity

pytestmark = pytest.mark.django_db


def test_search_by_name_email_phone_spelling_and_reference(client_for, staff_user, make_user, book) -> None:
    priya = make_user(first_name="Priya", last_name="Raman", email="priya@example.com", phone="+919811111111")
    other = make_user(first_name="Arjun", email="arjun@example.com", phone="+919822222222")
    booking = book(other, BatchFactory())
    cs = client_for(staff_user("cs"))

    def ids(q: str) -> set[str]:
        response = cs.get("/api/v1/customers/", {"q": q})
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("priya raman") == {str(priya.pk)}
    assert ids("PRIYA@example") == {str(priya.pk)}
    assert ids("98111 11111") == {str(priya.pk)}  # normalised as sign-up does
    assert ids("+91 98111-11111") == {str(priya.pk)}
    assert ids(booking.reference.lower()) == {str(other.pk)}
    assert ids("nobody-here") == set()
    assert str(staff_user("finance").pk) not in ids("")  # staff are not customers


def test_customer_page_shows_bookings_points_incidents_without_more_than_needed(
    client_for, staff_user, make_user, book
) -> None:
    customer = make_user(first_name="Priya", email="priya@example.com", phone="+919811111111", obs_points=40)
    booking = book(customer, BatchFactory())
    Incident.objects.create(trekker=customer, received_at=booking.created_at, message="Twisted ankle")
    body = client_for(staff_user("ops_manager")).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["customer"]["phone"] == "+919811111111"
    assert body["customer"]["email"] == "priya@example.com"
    assert body["customer"]["obs_points"] == 40
    assert [row["reference"] for row in body["bookings"]] == [booking.reference]
    assert [row["kind"] for row in body["incidents"]] == ["sos"]
    for private in ("date_of_birth", "bio", "profile_photo", "emergency_contacts", "staff_role"):
        assert private not in body["customer"]
    assert "message" not in body["incidents"][0]
    assert "latitude" not in body["incidents"][0]


def test_without_bookings_manage_and_incidents_manage_contacts_are_masked_and_incidents_hidden(
    client_for, make_user, monkeypatch
) -> None:
    from apps.users import roles

    monkeypatch.setitem(roles.ROLE_CAPABILITIES, "content", frozenset({roles.Capability.USERS_VIEW}))
    customer = make_user(email="priya@example.com", phone="+919811111111")
    body = client_for(make_user(staff_role="content")).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["customer"]["phone"] == "+91******11"
    assert body["customer"]["email"] == "p***@example.com"
    assert body["incidents"] is None


def test_staff_open_an_unverified_passwordless_account(client_for, staff_user) -> None:
    ops = staff_user("ops_manager")
    response = client_for(ops).post(
        "/api/v1/customers/", {"first_name": "Meera", "last_name": "Iyer", "phone": "98765 43210"}, format="json"
    )
    assert response.status_code == 201, response.content
    customer = User.objects.get(pk=response.json()["id"])
    assert customer.phone == "+919876543210"
    assert not customer.phone_verified
    assert customer.email is None
    assert not customer.has_usable_password()
    row = AuditLog.objects.get(action="user.created", target_id=str(customer.pk))
    assert row.actor_id == ops.pk


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"first_name": "No Contact"}, "validation_error"),
        ({"first_name": "Bad", "phone": "12345"}, "validation_error"),
        ({"first_name": "Twin", "phone": "+919811111111"}, "customer_exists"),
        ({"first_name": "Twin", "email": "PRIYA@example.com"}, "customer_exists"),
    ],
)
def test_open_account_refusals(client_for, staff_user, make_user, body: dict[str, Any], code: str) -> None:
    existing = make_user(email="priya@example.com", phone="+919811111111")
    response = client_for(staff_user("cs")).post("/api/v1/customers/", body, format="json")
    assert response.json()["error"]["code"] == code
    if code == "customer_exists":
        assert response.status_code == 409
        assert response.json()["error"]["details"]["customer_id"] == str(existing.pk)


def _phone_booking(client: Any, customer: User, batch: Any, **extra: Any) -> Any:
    body = {"batch": str(batch.pk), "participants": people(2), "source": "phone", **extra}
    return client.post(f"/api/v1/customers/{customer.pk}/bookings/", body, format="json")


def test_phone_booking_is_the_customers_with_staff_as_creator(client_for, staff_user, make_user) -> None:
    ops = staff_user("ops_manager")
    customer = make_user(first_name="Meera", phone="+919876543210", tribe_tier="summit_seeker")
    batch = BatchFactory(total_seats=10)
    CouponFactory(code="PHONE10", kind="percent", value=10)
    response = _phone_booking(client_for(ops), customer, batch, coupon_code="phone10")
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    assert booking.user == customer
    assert booking.created_by == ops
    assert booking.source == BookingSource.PHONE
    assert booking.status == Booking.Status.PENDING
    assert booking.hold_expires_at is not None
    assert booking.tier_discount > 0
    assert booking.coupon_discount > 0
    batch.refresh_from_db()
    assert batch.seats_taken == 2
    created = AuditLog.objects.get(action="booking.created", target_id=str(booking.pk))
    assert created.actor_id == ops.pk
    assert created.changes["customer"] == str(customer.pk)
    assert Notification.objects.filter(user=customer, template="booking_held").exists()
    assert not Notification.objects.filter(user=ops).exists()


def test_phone_booking_refusals_are_the_app_bookings(client_for, staff_user, make_user, book) -> None:
    client = client_for(staff_user("cs"))
    customer = make_user()
    full = BatchFactory(total_seats=1)
    assert _phone_booking(client, customer, full).json()["error"]["code"] == "batch_full"
    batch = BatchFactory(total_seats=10)
    book(customer, batch)
    assert _phone_booking(client, customer, batch).json()["error"]["code"] == "already_booked"
    other = BatchFactory()
    assert _phone_booking(client, customer, other, coupon_code="NOPE").json()["error"]["code"] == "coupon_invalid"
    refused = _phone_booking(client, customer, other, source="app")
    assert refused.status_code == 400
    assert "source" in refused.json()["error"]["details"]
    agent = _phone_booking(client, customer, other, source="agent")
    assert agent.status_code == 400
    assert "agent_name" in agent.json()["error"]["details"]
    ok = _phone_booking(client, customer, other, source="agent", agent_name="Himalaya Tours", agent_reference="HT-9")
    assert ok.status_code == 201
    assert Booking.objects.get(pk=ok.json()["id"]).agent_name == "Himalaya Tours"
    gone = make_user(is_active=False)
    assert _phone_booking(client, gone, other).status_code == 404
    assert _phone_booking(client, staff_user("finance"), other).status_code == 404


def test_trekkers_cannot_name_a_staff_source(client_for, make_user) -> None:
    body = {"batch": str(BatchFactory().pk), "participants": people(1), "source": "phone"}
    response = client_for(make_user()).post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 400


def test_the_customer_takes_the_account_over_by_proving_the_phone(client_for, staff_user, monkeypatch) -> None:
    ops = staff_user("ops_manager")
    created = client_for(ops).post(
        "/api/v1/customers/",
        {"first_name": "Meera", "phone": "+919876543210", "email": "meera@example.com"},
        format="json",
    )
    customer = User.objects.get(pk=created.json()["id"])
    booking_id = _phone_booking(client_for(ops), customer, BatchFactory()).json()["id"]
    monkeypatch.setattr(identity, "otp_check", lambda **kwargs: None)  # the code itself is tested in users
    user, _, is_new = identity.phone_sign_in(phone="+919876543210", code="123456")
    assert user.pk == customer.pk
    assert not is_new
    user.refresh_from_db()
    assert user.phone_verified
    assert user.email is None  # the address staff typed in was never proved: released
    assert Booking.objects.get(pk=booking_id).user_id == customer.pk
    assert AuditLog.objects.filter(action="user.taken_over", target_id=str(customer.pk)).exists()
