"""Deposit terms as data: what confirms a booking's seats, when its balance is due, and rupees as people read them.

A trek's payment terms (``Trek.deposit_kind``, ``deposit_value``, ``balance_due_days``) apply to a booking while
its balance due date (``balance_due_days`` before the start) is still ahead: such a booking is confirmed by its
deposit (a percentage of its price, or a fixed amount per participant, never more than the price) and pays the
balance by the due date. A booking made later, or on a trek without a deposit, pays in full to be confirmed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from apps.bookings.models import Booking
from apps.bookings.pricing import HUNDRED, to_paisa
from apps.treks.models import DepositKind

ZERO = Decimal("0.00")


def balance_due_date_for(booking: Booking) -> date:
    """The day the balance of a booking on its batch is due (its trek's ``balance_due_days`` before the start)."""
    return booking.batch.start_date - timedelta(days=booking.batch.trek.balance_due_days)


def deposit_amount(booking: Booking, *, today: date) -> Decimal | None:
    """The deposit that confirms ``booking`` (INR), or None when it must be paid in full."""
    trek = booking.batch.trek
    if trek.deposit_kind == DepositKind.NONE or balance_due_date_for(booking) <= today:
        return None
    if trek.deposit_kind == DepositKind.PERCENT:
        amount = to_paisa(booking.final_amount * trek.deposit_value / HUNDRED)
    else:
        amount = to_paisa(trek.deposit_value * booking.seats)
    if amount <= 0 or amount >= booking.final_amount:
        return None
    return amount


def amount_to_confirm(booking: Booking, *, today: date) -> Decimal:
    """What the booking must have paid to be confirmed: its deposit, or its whole price."""
    deposit = deposit_amount(booking, today=today)
    return booking.final_amount if deposit is None else deposit
