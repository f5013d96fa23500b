"""Matrix rows for add-ons: a trek's catalog (public read, catalog.write) and a booking's add-ons."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from apps.users.models import User
from apps.users.roles import Capability, roles_with

from .actors import World
from .matrix import Row, capability, everyone, owner_only, trek_slug

CATALOG = Capability.CATALOG_WRITE


def add_on_id(w: World) -> dict[str, Any]:
    """An add-on of the world's trek (made on first use, so the shared world stays as it is for other rows)."""
    from apps.bookings.models import AddOn

    if "add_on" not in w.objects:
        w.objects["add_on"] = AddOn.objects.create(
            trek=w.trek, kind="offloading", name="Matrix offloading", price=Decimal("350.00"), gst_rate=Decimal("0.18")
        )
    return {"add_on_id": w.add_on.id}


def add_on_body(w: World, u: User | None) -> dict[str, Any]:
    # a name of its own per call: every actor allowed to write creates one
    return {"kind": "transport", "name": f"Shuttle {uuid.uuid4().hex[:8]}", "price": "900.00", "gst_rate": "0.0500"}


ADD_ON_ROWS: list[Row] = [
    Row("trek-add-ons", "GET", everyone(200), kwargs=trek_slug, rule="public: the trek's active add-ons"),
    Row("trek-add-ons", "POST", capability(CATALOG, 201), kwargs=trek_slug, body=add_on_body, rule=CATALOG),
    Row(
        "add-on-detail",
        "PATCH",
        capability(CATALOG, 200),
        kwargs=add_on_id,
        body=lambda w, u: {"price": "375.00"},
        rule=CATALOG,
    ),
    Row(
        "booking-add-ons",
        "GET",
        owner_only(200, **dict.fromkeys(roles_with(Capability.BOOKINGS_VIEW), 200)),
        kwargs=lambda w: {"booking_id": w.booking.id},
        rule="owner or bookings.view; others 404",
    ),
    Row(
        "booking-add-ons",
        "POST",
        owner_only(400, **dict.fromkeys(roles_with(Capability.BOOKINGS_MANAGE), 400)),
        kwargs=lambda w: {"booking_id": w.booking.id},
        body=lambda w, u: {},
        rule="owner or bookings.manage; others 404 (400: empty body, so authorization passed and validation answered)",
    ),
]
