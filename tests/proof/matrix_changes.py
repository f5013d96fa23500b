"""Matrix rows for the changes of a booking (participants, transfers) and their quotes."""

from __future__ import annotations

from apps.users.roles import Capability

from .matrix import Row, owner_only
from .matrix_more import EMPTY_400, VIEWERS, _empty, booking_id, holders

MANAGERS_400 = holders(Capability.BOOKINGS_MANAGE, 400)
MANAGERS_409 = holders(Capability.BOOKINGS_MANAGE, 409)


def lead(w):  # type: ignore[no-untyped-def]
    return {"booking_id": w.booking.id, "position": 0}


CHANGES_ROWS: list[Row] = [
    Row(
        "booking-participants-add",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        query={"count": "1"},
        rule="quote for adding participants: owner or bookings.view",
    ),
    Row(
        "booking-participants-add",
        "POST",
        owner_only(400, **MANAGERS_400),
        kwargs=booking_id,
        body=_empty,
        rule=f"owner or bookings.manage; {EMPTY_400}",
    ),
    Row(
        "booking-participant-detail",
        "PATCH",
        owner_only(400, **MANAGERS_400),
        kwargs=lead,
        body=_empty,
        rule=f"owner or bookings.manage; {EMPTY_400}",
    ),
    Row(
        "booking-participant-cancel",
        "GET",
        owner_only(409, **holders(Capability.BOOKINGS_VIEW, 409)),
        kwargs=lead,
        rule="quote: owner or bookings.view (409: the lead is not cancelled alone)",
    ),
    Row(
        "booking-participant-cancel",
        "POST",
        owner_only(409, **MANAGERS_409),
        kwargs=lead,
        body=_empty,
        rule="owner or bookings.manage (409: the lead is not cancelled alone)",
    ),
    Row(
        "booking-transfer",
        "GET",
        owner_only(400, **holders(Capability.BOOKINGS_VIEW, 400)),
        kwargs=booking_id,
        rule="transfer quote: owner or bookings.view (400: no departure named)",
    ),
    Row(
        "booking-transfer",
        "POST",
        owner_only(400, **MANAGERS_400),
        kwargs=booking_id,
        body=_empty,
        rule=f"owner or bookings.manage; {EMPTY_400}",
    ),
]
