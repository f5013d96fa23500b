from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.bookings import services
from apps.bookings.gateways import LocalGateway
from apps.bookings.models import Booking, Payment
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory
from apps.users.models import EmergencyContact, User


def with_emergency_contact(user: User) -> User:
    """Give ``user`` an emergency contact (a booking is paid for only with one on file) unless they have one."""
    if not user.emergency_contacts.exists():
        EmergencyContact.objects.create(
            user=user, name="Asha Verma", phone="+919800000001", relationship="Sister", is_primary=True
        )
    return user


def people(n: int = 1) -> list[dict[str, Any]]:
    return [{"name": f"Trekker {i}", "age": 30 + i} for i in range(n)]


@pytest.fixture
def batch(db: None) -> Batch:
    return BatchFactory(total_seats=10)


@pytest.fixture
def book(db: None) -> Callable[..., Booking]:
    def _book(user: User, batch: Batch, seats: int = 1, **kwargs: Any) -> Booking:
        with_emergency_contact(user)
        return services.booking_create(user=user, batch_id=batch.pk, participants=people(seats), **kwargs)

    return _book


def pay_order(booking: Booking, *, deposit_only: bool = False) -> Payment:
    """Order the booking's balance (or its deposit) and verify it as the local gateway's checkout would."""
    payment = services.payment_order_create(booking=booking, deposit_only=deposit_only)
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    return services.payment_verify(
        user=booking.user,
        order_id=signed["razorpay_order_id"],
        payment_id=signed["razorpay_payment_id"],
        signature=signed["razorpay_signature"],
    )


def pay_booking(booking: Booking) -> Booking:
    """Pay a booking's balance through the local gateway and checkout verification (the booker given an
    emergency contact first, as paying requires)."""
    with_emergency_contact(booking.user)
    pay_order(booking)
    booking.refresh_from_db()
    return booking


@pytest.fixture
def pay(db: None) -> Callable[[Booking], Booking]:
    """Pay a booking's balance through the local gateway and checkout verification."""
    return pay_booking
