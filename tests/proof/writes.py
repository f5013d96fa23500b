"""One valid request per writable operation that takes numbers, keyed like the matrix (route name, method).

Hostile-input tests start from these: a write that succeeds as given, so a 400 after one field is
changed is that field's doing. Where the authorization matrix already sends a valid body for an actor,
the write is taken from its row; the others are written here (the matrix sends empty bodies to them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from apps.users.models import User

from .actors import World
from .matrix import rows_by_key

Json = dict[str, Any]


@dataclass(frozen=True)
class Write:
    route: str
    method: str
    actor: str
    body: Callable[[World, User | None], Json]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    headers: Callable[[], dict[str, str]] = field(default=dict)  # called per request
    prepare: Callable[[World], None] | None = None  # puts the world in the state the write needs

    @property
    def key(self) -> tuple[str, str]:
        return (self.route, self.method)


def from_matrix(route: str, method: str, actor: str) -> Write:
    """The matrix row's body and path arguments, for an actor it expects to succeed."""
    row = rows_by_key()[(route, method)]
    if row.body is None or not 200 <= row.expect[actor] < 300:
        raise AssertionError(f"the matrix row {route} {method} has no successful body for {actor}")
    return Write(route, method, actor, row.body, row.kwargs)


def _waiver_version() -> str:
    from django.conf import settings

    return str(settings.BOOKINGS_WAIVER_VERSION)


def _now() -> str:
    return timezone.now().isoformat()


def _full_batch(w: World) -> None:
    from apps.treks.models import Batch

    Batch.objects.filter(pk=w.batch.pk).update(status=Batch.Status.FULL, seats_taken=F("total_seats"))


def _position() -> Json:
    return {"latitude": 31.0912, "longitude": 78.3411, "accuracy_m": 12.5, "altitude_m": 3350.0, "battery_pct": 41}


def _trek_under_way(w: World) -> None:
    from apps.treks.models import Batch

    today = timezone.localdate()
    Batch.objects.filter(pk=w.batch.pk).update(start_date=today, end_date=today + timedelta(days=4))


def _pending_booking(w: World) -> None:
    from datetime import timedelta

    from apps.bookings.models import Booking

    Booking.objects.filter(pk=w.booking.pk).update(
        status="pending", amount_paid=0, hold_expires_at=timezone.now() + timedelta(minutes=30)
    )


def _add_on_choice(w: World, u: User | None) -> Json:
    """One backpack offloading for the booking's trek (created once per world)."""
    from decimal import Decimal

    from apps.bookings.models import AddOn

    bag, _ = AddOn.objects.get_or_create(
        trek=w.booking.batch.trek,
        name="Backpack offloading",
        defaults={"kind": "offloading", "price": Decimal("350.00"), "gst_rate": Decimal("0.05")},
    )
    return {"add_ons": [{"add_on": str(bag.pk), "quantity": 1}]}


def _credit_for_owner(w: World) -> None:
    """A pending booking for the owner and 5,000.00 of trek credit to pay it with."""
    from decimal import Decimal

    from apps.bookings.models import CreditTransaction

    _pending_booking(w)
    CreditTransaction.objects.create(
        user=w.booking.user,
        amount=Decimal("5000.00"),
        reason=CreditTransaction.Reason.CANCELLATION,
        idempotency_key=f"proof-{uuid.uuid4()}",
        expires_at=timezone.now() + timedelta(days=365),
        balance_after=Decimal("5000.00"),
    )


def _participants() -> list[Json]:
    return [{"name": "Asha Rawat", "age": 29}]


WRITES: dict[tuple[str, str], Write] = {
    write.key: write
    for write in [
        from_matrix("trek-list", "POST", "content"),
        from_matrix("trek-itinerary", "PUT", "content"),
        from_matrix("trek-batches", "POST", "ops_manager"),
        from_matrix("guide-list", "POST", "content"),
        from_matrix("guide-detail", "PATCH", "content"),
        from_matrix("incident-locations", "POST", "owner"),
        from_matrix("coupon-list", "POST", "finance"),
        from_matrix("coupon-detail", "PATCH", "finance"),
        from_matrix("trek-add-ons", "POST", "content"),
        from_matrix("add-on-detail", "PATCH", "content"),
        Write(
            "booking-add-ons",
            "POST",
            "owner",
            _add_on_choice,
            lambda w: {"booking_id": w.booking.id},
        ),
        Write(
            "booking-pay-with-credit",
            "POST",
            "owner",
            lambda w, u: {"amount": "100.00"},
            lambda w: {"booking_id": w.booking.id},
            headers=lambda: {"Idempotency-Key": str(uuid.uuid4())},
            prepare=_credit_for_owner,
        ),
        Write(
            "batch-camp-check-ins",
            "POST",
            "guide",
            lambda w, u: {"camp": "Juda ka Talab", "latitude": 30.9951, "longitude": 78.0012},
            lambda w: {"batch_id": w.batch.id},
        ),
        Write(
            "check-in-list",
            "POST",
            "owner",
            lambda w, u: {
                "place": "Juda ka Talab",
                "expected_at": (timezone.now() + timedelta(hours=3)).isoformat(),
                "latitude": 30.9951,
                "longitude": 78.0012,
            },
            prepare=_trek_under_way,
        ),
        from_matrix("customer-bookings", "POST", "ops_manager"),
        Write(
            "booking-offline-payments",
            "POST",
            "ops_manager",
            lambda w, u: {"amount_paise": 500000, "method": "cash", "receipt_reference": "R-1"},
            lambda w: {"booking_id": w.booking.id},
            headers=lambda: {"Idempotency-Key": str(uuid.uuid4())},
            prepare=_pending_booking,
        ),
        Write(
            "booking-documents",
            "POST",
            "owner",
            lambda w, u: {"kind": "waiver", "waiver_version": _waiver_version(), "participant": 0},
            lambda w: {"booking_id": w.booking.id},
            prepare=_pending_booking,
        ),
        Write(
            "trek-detail",
            "PATCH",
            "content",
            lambda w, u: {"max_altitude": 4300, "total_distance": "31.5", "max_group_size": 14, "best_months": [5]},
            lambda w: {"slug": w.trek.slug},
        ),
        Write(
            "batch-detail",
            "PATCH",
            "ops_manager",
            lambda w, u: {"total_seats": 11, "price": "15500.00"},
            lambda w: {"batch_id": w.batch.id},
        ),
        Write(
            "emergency-sos",
            "POST",
            "owner",
            lambda w, u: _position(),
            headers=lambda: {"Idempotency-Key": str(uuid.uuid4())},
        ),
        Write(
            "incident-list",
            "POST",
            "guide",
            lambda w, u: {**_position(), "trekker": str(w.users["owner"].pk), "kind": "injury"},  # type: ignore[union-attr]
        ),
        Write(
            "booking-list",
            "POST",
            "other_trekker",
            lambda w, u: {"batch": str(w.batch.id), "participants": _participants()},
        ),
        Write(
            "booking-participants-add",
            "POST",
            "owner",
            lambda w, u: {"participants": _participants()},
            lambda w: {"booking_id": w.booking.id},
        ),
        Write(
            "booking-participant-detail",
            "PATCH",
            "owner",
            lambda w, u: {"name": "Asha Rawat", "age": 33},
            lambda w: {"booking_id": w.booking.id, "position": 0},
        ),
        Write(
            "batch-waitlist",
            "POST",
            "other_trekker",
            lambda w, u: {"participants": _participants()},
            lambda w: {"batch_id": w.batch.id},
            prepare=_full_batch,
        ),
        Write(
            "community-journals",
            "POST",
            "owner",
            lambda w, u: {
                "trek": w.journal.trek.slug,
                "day_number": 2,
                "title": "Day two",
                "body": "Snow above the camp.",
                "latitude": "31.091200",
                "longitude": "78.341100",
            },
        ),
        Write(
            "community-journal",
            "PATCH",
            "owner",
            lambda w, u: {"day_number": 3, "latitude": "31.100000", "longitude": "78.350000"},
            lambda w: {"entry_id": w.journal.id},
        ),
    ]
}
