"""The booking lifecycle as data: which status may follow which, and the key naming a booking's trek points."""

from __future__ import annotations

from apps.bookings.models import Booking, BookingStatus
from apps.common.exceptions import InvalidTransition

S = BookingStatus
# pending -> confirmed -> completed; pending -> expired; pending/confirmed -> cancelled. Nothing else,
# except that a payment arriving after its hold lapsed reinstates an expired booking when its seats can
# be taken again (see ``payments._credit``), which is not a move anybody can request.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.EXPIRED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}


def check_transition(booking: Booking, to: str) -> None:
    if to not in TRANSITIONS[booking.status]:
        raise InvalidTransition(
            f"A {booking.status} booking cannot become {to}.", details={"from": booking.status, "to": to}
        )


def completion_points_key(booking: Booking) -> str:
    """The idempotency key of the points a completed trek earns (awarded once, reversed on a late cancel)."""
    return f"booking:{booking.pk}:completed"
