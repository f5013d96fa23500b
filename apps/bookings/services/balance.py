"""The balance of a booking confirmed on its deposit: its due date, set on confirmation and cleared of its overdue
flag once paid (inside the caller's transaction, with the booking locked)."""

from __future__ import annotations

from apps.bookings.deposits import balance_due_date_for
from apps.bookings.models import Booking, BookingStatus


def balance_terms_apply(booking: Booking) -> None:
    """A confirmed booking with a balance left gets its due date (once); a paid balance drops the overdue flag."""
    fields: list[str] = []
    if booking.status == BookingStatus.CONFIRMED and booking.balance_due > 0 and booking.balance_due_date is None:
        booking.balance_due_date = balance_due_date_for(booking)
        fields.append("balance_due_date")
    if booking.balance_due == 0 and booking.balance_overdue_at is not None:
        booking.balance_overdue_at = None
        fields.append("balance_overdue_at")
    if fields:
        booking.save(update_fields=[*fields, "updated_at"])
