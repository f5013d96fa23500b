"""Demo add-ons for ``manage.py seed_demo``: every active trek offers backpack offloading (10 days' cut-off, as its
FAQ says; limited slots), rental down jackets in sizes, a shared cab from the base town and trek insurance; the
demo trekker's confirmed booking has offloading added after it was paid, and its balance paid.

Idempotent: the catalog is matched by trek and name; the booking's add-on is added once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import AddOn, Booking, BookingAddOn
from apps.bookings.services.addons import add_on_cutoff
from apps.demo.accounts import demo_user
from apps.demo.bookings import demo_paid
from apps.treks.models import Trek

DEMO_ADD_ONS: list[dict[str, Any]] = [
    {
        "kind": "offloading",
        "name": "Backpack offloading",
        "description": "A mule or porter carries your backpack (10 kg at most) between camps.",
        "price": Decimal("1800.00"),
        "gst_rate": Decimal("0.05"),
        "stock_per_departure": 8,
        "max_per_booking": 6,
        "cutoff_days": 10,
        "position": 1,
    },
    {
        "kind": "rental",
        "name": "Down jacket",
        "description": "A -10 °C down jacket for the whole trek, collected at the base.",
        "price": Decimal("600.00"),
        "gst_rate": Decimal("0.18"),
        "sizes": ["S", "M", "L", "XL"],
        "stock_per_departure": 6,
        "cutoff_days": 3,
        "position": 2,
    },
    {
        "kind": "transport",
        "name": "Shared cab from the base town",
        "description": "A seat in the shared cab from the base town to the trailhead and back.",
        "price": Decimal("1500.00"),
        "gst_rate": Decimal("0.05"),
        "cutoff_days": 2,
        "position": 3,
    },
    {
        "kind": "insurance",
        "name": "Trek insurance",
        "description": "Accident, evacuation and cancellation cover for the trek's days.",
        "price": Decimal("450.00"),
        "gst_rate": Decimal("0.18"),
        "cutoff_days": 1,
        "position": 4,
    },
]


def seed_add_ons(write: Callable[[str], None]) -> None:
    treks = list(Trek.objects.filter(status=Trek.Status.ACTIVE))
    for trek in treks:
        for spec in DEMO_ADD_ONS:
            AddOn.objects.get_or_create(trek=trek, name=spec["name"], defaults=spec)
    trekker = demo_user("trekker")
    added = trekker is not None and _add_offloading(trekker)
    write(
        f"  demo add-ons: {len(DEMO_ADD_ONS)} add-ons on {len(treks)} treks"
        + ("; offloading added to the trekker's confirmed booking and paid" if added else "")
    )


def _add_offloading(trekker: Any) -> bool:
    if BookingAddOn.objects.filter(booking__user=trekker).exists():
        return False
    today = timezone.localdate()
    for booking in Booking.objects.filter(user=trekker, status=Booking.Status.CONFIRMED).select_related("batch"):
        add_on = AddOn.objects.filter(trek_id=booking.batch.trek_id, kind="offloading", is_active=True).first()
        if add_on is None or today > add_on_cutoff(add_on, booking.batch.start_date):
            continue
        with transaction.atomic():
            services.booking_add_ons_add(booking=booking, items=[{"add_on": add_on.pk, "quantity": 1}], actor=trekker)
            demo_paid(booking)  # the balance the add-on left
        return True
    return False
