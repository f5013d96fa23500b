"""When a booking can take money or add-ons: one rule (``apps.bookings.domain``) for every way of paying."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.bookings.domain import booking_in_hold, booking_payable
from apps.bookings.models import Booking, BookingStatus

NOW = timezone.now()


def _booking(status: str, *, hold: timedelta | None, final: str = "10000.00", paid: str = "0.00") -> Booking:
    return Booking(
        status=status,
        hold_expires_at=None if hold is None else NOW + hold,
        final_amount=Decimal(final),
        amount_paid=Decimal(paid),
    )


@pytest.mark.parametrize(
    ("status", "hold", "paid", "in_hold", "payable"),
    [
        (BookingStatus.PENDING, timedelta(minutes=5), "0.00", True, True),
        (BookingStatus.PENDING, timedelta(0), "0.00", False, False),  # lapses at its expiry, not after
        (BookingStatus.PENDING, -timedelta(seconds=1), "0.00", False, False),
        (BookingStatus.PENDING, None, "0.00", True, True),  # taken by staff with no expiry: does not lapse
        (BookingStatus.CONFIRMED, None, "2000.00", False, True),  # confirmed on a deposit: the balance
        (BookingStatus.CONFIRMED, None, "10000.00", False, False),  # paid in full
        (BookingStatus.CANCELLED, timedelta(minutes=5), "0.00", False, False),
        (BookingStatus.EXPIRED, timedelta(minutes=5), "0.00", False, False),
    ],
)
def test_one_rule_for_hold_and_payment(
    status: str, hold: timedelta | None, paid: str, in_hold: bool, payable: bool
) -> None:
    booking = _booking(status, hold=hold, paid=paid)
    assert booking_in_hold(booking, NOW) is in_hold
    assert booking_payable(booking, NOW) is payable
