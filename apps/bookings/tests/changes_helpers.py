"""Shared by the booking-change tests: the books of a booking must balance to the paisa."""

from __future__ import annotations

from django.db.models import Sum

from apps.bookings.models import Booking, Payment, Refund
from apps.bookings.pricing import to_paise


def assert_books_balance(booking: Booking) -> None:
    """Price = its parts; captured payments less refunds = what the booking says it holds; balance = the rest."""
    booking.refresh_from_db()
    parts = booking.base_amount - booking.tier_discount - booking.coupon_discount + booking.tax_amount
    assert booking.final_amount == parts + booking.change_fees
    captured = (
        Payment.objects.filter(booking=booking, status=Payment.Status.CAPTURED).aggregate(total=Sum("amount_paise"))[
            "total"
        ]
        or 0
    )
    refunded = (
        Refund.objects.filter(booking=booking)
        .exclude(status=Refund.Status.FAILED)
        .aggregate(total=Sum("amount_paise"))["total"]
        or 0
    )
    assert captured == to_paise(booking.amount_paid)
    assert refunded == to_paise(booking.amount_refunded)
    net = booking.amount_paid - booking.amount_refunded
    assert booking.balance_due == max(booking.final_amount - net, 0)
    assert booking.participants.count() == booking.seats
