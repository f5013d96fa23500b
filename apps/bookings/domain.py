"""The booking lifecycle as data: which status may follow which, the key naming a booking's trek points, and
what a message about a booking may say."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.bookings.models import Booking, BookingStatus, Coupon
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


def booking_in_hold(booking: Booking, now: datetime) -> bool:
    """Pending and still within its seat hold at ``now`` (a hold without an expiry does not lapse)."""
    return booking.status == BookingStatus.PENDING and not (booking.hold_expires_at and booking.hold_expires_at <= now)


def booking_payable(booking: Booking, now: datetime) -> bool:
    """Whether ``booking`` can take a payment at ``now``: within its hold, or confirmed with a balance left
    (confirmed on its deposit)."""
    if booking.status == BookingStatus.PENDING:
        return booking_in_hold(booking, now)
    return booking.status == BookingStatus.CONFIRMED and booking.balance_due > 0


def check_transition(booking: Booking, to: str) -> None:
    if to not in TRANSITIONS[booking.status]:
        raise InvalidTransition(
            f"A {booking.status} booking cannot become {to}.", details={"from": booking.status, "to": to}
        )


def completion_points_key(booking: Booking) -> str:
    """The idempotency key of the points a completed trek earns (awarded once, reversed on a late cancel)."""
    return f"booking:{booking.pk}:completed"


def booking_context(booking: Booking, **extra: Any) -> dict[str, Any]:
    """What every message about ``booking`` (e-mail, SMS, push, inbox) may say; ``extra`` adds or overrides."""
    batch = booking.batch
    return {
        "booking_id": str(booking.pk),
        "booking_reference": booking.reference,
        "trek_name": batch.trek.name,
        "start_date": batch.start_date.isoformat(),
        "seats": booking.seats,
        "final_amount": str(booking.final_amount),
        "balance_due": str(booking.balance_due),
        "first_name": booking.user.first_name or "Trekker",
        **extra,
    }


def coupon_state(coupon: Coupon, now: datetime) -> str:
    """What a booking would meet ``now``: ``inactive``, ``scheduled``, ``expired``, ``used_up`` or ``active``
    (``coupon_redeem`` decides, with the per-user limit on top)."""
    if not coupon.is_active:
        return "inactive"
    if now < coupon.valid_from:
        return "scheduled"
    if now >= coupon.valid_until:
        return "expired"
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        return "used_up"
    return "active"


# Answers of the health declaration a guide must know on the trail (a "yes", or a non-empty text): nothing else
# of the declaration reaches the guide's roster.
GUIDE_HEALTH_FLAGS: tuple[str, ...] = (
    "asthma",
    "heart_condition",
    "high_blood_pressure",
    "diabetes",
    "epilepsy",
    "severe_allergy",
    "previous_altitude_sickness",
    "regular_medication",
)


def guide_health_flags(declaration: Any) -> list[str]:
    """The :data:`GUIDE_HEALTH_FLAGS` answered yes (``True`` or a non-empty text) in a health declaration."""
    if not isinstance(declaration, dict):
        return []
    flags = []
    for name in GUIDE_HEALTH_FLAGS:
        answer = declaration.get(name)
        if answer is True or (isinstance(answer, str) and answer.strip() and answer.strip().lower() not in NO):
            flags.append(name)
    return flags


NO = frozenset({"no", "none", "false", "n/a", "na", "nil", "-"})


def booking_readiness(booking: Booking) -> dict[str, bool]:
    """Is the booking ready to trek: documents complete, an emergency contact on file (the booker's current ones,
    prefetched as ``user.emergency_contacts``, or the one given at booking), paid in full."""
    return {
        "documents_complete": not booking.missing_documents,
        "contact_present": bool(list(booking.user.emergency_contacts.all()) or booking.emergency_contact_phone),
        "paid": booking.balance_due == 0,
    }
