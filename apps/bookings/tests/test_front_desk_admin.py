"""The front desk in the admin, by role: phone bookings (bookings.manage), offline payments (bookings.manage or
payments.manage), refunds paid by hand (payments.manage), through the API's services with the staff member as
actor."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from apps.bookings import services
from apps.bookings.models import Booking, Payment, Refund
from apps.bookings.tests.conftest import with_emergency_contact
from apps.common.models import AuditLog
from apps.treks.tests.factories import BatchFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db
ROLES = ("super_admin", "ops_manager", "cs", "finance", "content")
MONEY_TAKERS = ("super_admin", "ops_manager", "cs", "finance")  # bookings.manage or payments.manage


def _session(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _phone_form(batch: Any, **extra: Any) -> dict[str, Any]:
    return {
        "phone": "98765 43210",
        "first_name": "Meera",
        "last_name": "Iyer",
        "age": "31",
        "others": "Ravi Iyer, 34",
        "batch": str(batch.pk),
        "source": "phone",
        **extra,
    }


@pytest.mark.parametrize(("role", "allowed"), [(r, r in ("super_admin", "ops_manager", "cs")) for r in ROLES])
def test_phone_booking_page_by_role(staff_user, role: str, allowed: bool) -> None:
    staff = staff_user(role)
    batch = BatchFactory(total_seats=10)
    client = _session(staff)
    assert client.get("/admin/bookings/booking/phone-booking/").status_code == (200 if allowed else 403)
    response = client.post("/admin/bookings/booking/phone-booking/", _phone_form(batch))
    if not allowed:
        assert response.status_code == 403
        assert not Booking.objects.exists()
        return
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/bookings/booking/{booking.pk}/change/"
    assert booking.user.phone == "+919876543210"
    assert (booking.created_by, booking.source, booking.seats) == (staff, "phone", 2)
    assert AuditLog.objects.get(action="booking.created", target_id=str(booking.pk)).actor_id == staff.pk


def test_phone_booking_finds_the_existing_customer_and_a_refusal_opens_no_account(staff_user, make_user) -> None:
    client = _session(staff_user("ops_manager"))
    existing = make_user(phone="+919876543210")
    batch = BatchFactory(total_seats=10)
    client.post("/admin/bookings/booking/phone-booking/", _phone_form(batch))
    assert Booking.objects.get().user == existing
    full = BatchFactory(total_seats=1)
    response = client.post(
        "/admin/bookings/booking/phone-booking/", _phone_form(full, phone="", email="new@example.com")
    )
    assert response.status_code == 200
    assert "Not enough seats" in response.content.decode()
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(("role", "allowed"), [(r, r in MONEY_TAKERS) for r in ROLES])
def test_offline_payment_page_by_role(staff_user, make_user, role: str, allowed: bool) -> None:
    staff = staff_user(role)
    booking = services.booking_create(
        user=with_emergency_contact(make_user()),
        batch_id=BatchFactory(total_seats=10).pk,
        participants=[{"name": "A", "age": 30}],
    )
    client = _session(staff)
    url = f"/admin/bookings/booking/{booking.pk}/offline-payment/"
    assert client.get(url).status_code == (200 if allowed else 403)
    body = {"amount": str(booking.balance_due), "method": "cash", "receipt_reference": "R-1", "key": str(uuid.uuid4())}
    response = client.post(url, body)
    booking.refresh_from_db()
    if not allowed:
        assert response.status_code == 403
        assert booking.status == "pending"
        return
    assert response.status_code == 302
    assert booking.status == "confirmed"
    payment = Payment.objects.get(booking=booking)
    assert AuditLog.objects.get(action="payment.recorded", target_id=str(payment.pk)).actor_id == staff.pk
    client.post(url, body)  # the same form sent twice: one payment
    assert Payment.objects.filter(booking=booking).count() == 1


@pytest.mark.parametrize(("role", "allowed"), [(r, r in ("super_admin", "finance")) for r in ROLES])
def test_manual_refund_page_by_role(staff_user, make_user, role: str, allowed: bool) -> None:
    ops = staff_user("ops_manager")
    booking = services.booking_create(
        user=with_emergency_contact(make_user()),
        batch_id=BatchFactory(total_seats=10).pk,
        participants=[{"name": "A", "age": 30}],
    )
    services.payment_record_offline(
        actor=ops,
        booking_id=booking.pk,
        amount_paise=int(booking.final_amount * 100),
        method="cash",
        receipt_reference="R-1",
        key=uuid.uuid4(),
    )
    services.booking_cancel(booking=booking, actor=ops, reason="")
    refund = Refund.objects.get(booking=booking)
    staff = staff_user(role)
    client = _session(staff)
    url = f"/admin/bookings/refund/{refund.pk}/manual/"
    assert client.get(url).status_code == (200 if allowed else 403)
    response = client.post(url, {"method": "upi", "receipt_reference": "UPI-REF-9"})
    refund.refresh_from_db()
    if not allowed:
        assert response.status_code == 403
        assert refund.status == "pending"
        return
    assert response.status_code == 302
    assert (refund.status, refund.manual_method, refund.settled_by) == ("processed", "upi", staff)


def test_phone_booking_takes_the_emergency_contact_that_lets_the_customer_pay(staff_user) -> None:
    client = _session(staff_user("ops_manager"))
    batch = BatchFactory(total_seats=10)
    half = _phone_form(batch, emergency_contact_name="Ravi Iyer")
    response = client.post("/admin/bookings/booking/phone-booking/", half)
    assert response.status_code == 200
    assert b"name and phone number, or neither" in response.content
    assert not Booking.objects.exists()
    contact = {
        "emergency_contact_name": "Ravi Iyer",
        "emergency_contact_relation": "husband",
        "emergency_contact_phone": "98765 11111",
    }
    assert client.post("/admin/bookings/booking/phone-booking/", _phone_form(batch, **contact)).status_code == 302
    booking = Booking.objects.get()
    [saved] = booking.user.emergency_contacts.all()
    assert (saved.name, saved.relationship, saved.phone, saved.is_primary) == (
        "Ravi Iyer",
        "husband",
        "+919876511111",
        True,
    )
    assert booking.emergency_contact_phone == "+919876511111"  # the booking-time snapshot has it too
