"""Add-ons: the catalog a trek offers (staff, ``catalog.write``), the add-ons a booking takes (at booking, in the
seat hold's transaction, or later until each add-on's cut-off), their stock per departure, and the lines the
invoices print (:func:`apps.bookings.selectors.booking_add_on_lines`).

Stock is taken by one conditional upsert per stocked line (:func:`_take_stock`): the counter row of the add-on,
departure and size is created on first use and its ``taken`` moves only while it stays within ``total``, so the
last unit goes to exactly one of the bookings racing for it. A booking that expires or is cancelled gives its
units back (:func:`booking_add_ons_release`, called with the booking locked).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Field
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.bookings.domain import booking_in_hold
from apps.bookings.errors import AddOnClosed, AddOnSoldOut, AddOnUnavailable
from apps.bookings.models import AddOn, AddOnStock, Booking, BookingAddOn, BookingStatus
from apps.bookings.pricing import to_paisa
from apps.bookings.services.balance import balance_terms_apply
from apps.bookings.services.common import _lock_booking
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.services import require_atomic
from apps.treks.domain import local_today
from apps.treks.models import Batch, Trek
from apps.users.models import User

logger = logging.getLogger(__name__)

ADD_ON_FIELDS = (
    "kind", "name", "description", "price", "gst_rate", "sizes", "stock_per_departure", "max_per_booking",
    "cutoff_days", "position", "is_active",
)  # fmt: skip


def add_on_price(*, unit_price: Decimal, gst_rate: Decimal, quantity: int) -> tuple[Decimal, Decimal, Decimal]:
    """(amount before GST, GST, total) of ``quantity`` units, each rounded to the paisa."""
    amount = to_paisa(unit_price * quantity)
    tax = to_paisa(amount * gst_rate)
    return amount, tax, amount + tax


def add_on_cutoff(add_on: AddOn, start_date: date) -> date:
    """The last day the add-on can be added to a booking of a departure starting on ``start_date``."""
    return start_date - timedelta(days=add_on.cutoff_days)


# --- stock ----------------------------------------------------------------------------------------------


def _prep(field: str, value: Any) -> Any:
    model_field = AddOnStock._meta.get_field(field)
    assert isinstance(model_field, Field)
    return model_field.get_db_prep_value(value, connection, prepared=False)


def _take_stock(*, add_on: AddOn, batch_id: Any, size: str, quantity: int) -> bool:
    """Take ``quantity`` units of the add-on's stock on this departure (one statement); False when too few are left.

    The counter row is created on first use with the add-on's ``stock_per_departure`` as its total; a concurrent
    taker of the same row waits on its row lock and then sees what the first one left."""
    require_atomic()
    now = timezone.now()
    table = connection.ops.quote_name(AddOnStock._meta.db_table)
    sql = (
        f"INSERT INTO {table} (id, created_at, updated_at, add_on_id, batch_id, size, total, taken) "
        "SELECT %s, %s, %s, %s, %s, %s, %s, %s WHERE %s <= %s "
        "ON CONFLICT (add_on_id, batch_id, size) DO UPDATE SET "
        f"taken = {table}.taken + EXCLUDED.taken, updated_at = EXCLUDED.updated_at "
        f"WHERE {table}.taken + EXCLUDED.taken <= {table}.total RETURNING taken"
    )
    total = add_on.stock_per_departure
    params = [
        _prep("id", uuid.uuid4()),
        _prep("created_at", now),
        _prep("updated_at", now),
        _prep("add_on", add_on.pk),
        _prep("batch", batch_id),
        size,
        total,
        quantity,
        quantity,
        total,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def booking_add_ons_release(booking: Booking) -> int:
    """Give back the stock the (locked) booking's add-ons hold (it expired or was cancelled); the units released.

    The lines stay (they are what was sold); ``stock_held`` turns false so nothing is released twice."""
    require_atomic()
    held = list(
        BookingAddOn.objects.filter(booking=booking, stock_held=True).values_list("pk", "add_on_id", "size", "quantity")
    )
    if not held:
        return 0
    BookingAddOn.objects.filter(pk__in=[row[0] for row in held]).update(stock_held=False)
    for _pk, add_on_id, size, quantity in held:
        AddOnStock.objects.filter(add_on_id=add_on_id, batch_id=booking.batch_id, size=size).update(
            taken=Greatest(F("taken") - quantity, 0)
        )
    return sum(row[3] for row in held)


def booking_add_ons_move(booking: Booking, *, batch: Batch) -> None:
    """A transfer: the (locked) booking's add-ons go with it to ``batch``, another departure of the same trek.

    Their stock is taken there before it is given back here (409 ``add_on_sold_out``: the caller's transaction
    undoes everything); add-ons belong to their trek, so a booking that has some cannot move to another trek's
    departure (400 ``add_on_unavailable``)."""
    require_atomic()
    lines = list(BookingAddOn.objects.filter(booking=booking).select_related("add_on"))
    if not lines:
        return
    if batch.trek_id != booking.batch.trek_id:
        raise AddOnUnavailable(
            details={"add_ons": ["A booking with add-ons can move only to another departure of the same trek."]}
        )
    held = [line for line in lines if line.stock_held]
    for line in held:
        if line.add_on.stock_per_departure is not None and not _take_stock(
            add_on=line.add_on, batch_id=batch.pk, size=line.size, quantity=line.quantity
        ):
            raise AddOnSoldOut(details={"add_on": str(line.add_on_id), "size": line.size, "quantity": line.quantity})
    for line in held:
        AddOnStock.objects.filter(add_on_id=line.add_on_id, batch_id=booking.batch_id, size=line.size).update(
            taken=Greatest(F("taken") - line.quantity, 0)
        )


def booking_add_ons_retake(booking: Booking) -> None:
    """A late payment reinstated an expired booking: take its add-ons' stock again where enough is left (a line
    that cannot be had again is logged for ops; the trekker paid for it)."""
    require_atomic()
    for line in BookingAddOn.objects.filter(booking=booking, stock_held=False).select_related("add_on"):
        if line.add_on.stock_per_departure is None:
            continue
        if _take_stock(add_on=line.add_on, batch_id=booking.batch_id, size=line.size, quantity=line.quantity):
            BookingAddOn.objects.filter(pk=line.pk).update(stock_held=True)
        else:
            logger.warning("booking %s reinstated without stock for add-on %s", booking.reference, line.name)


# --- taking add-ons -------------------------------------------------------------------------------------


def _resolve(*, trek_id: Any, items: list[dict[str, Any]]) -> list[tuple[AddOn, str, int]]:
    """The chosen add-ons checked against the trek's catalog (one query): 400 ``add_on_unavailable`` for an
    unknown, inactive or other trek's add-on, a wrong size, a quantity above its limit or a line given twice."""
    wanted = {item["add_on"] for item in items}
    catalog = {add_on.pk: add_on for add_on in AddOn.objects.filter(pk__in=wanted, trek_id=trek_id, is_active=True)}
    seen: set[tuple[Any, str]] = set()
    resolved: list[tuple[AddOn, str, int]] = []
    for index, item in enumerate(items):
        add_on = catalog.get(item["add_on"])
        size = (item.get("size") or "").strip()
        quantity = int(item.get("quantity") or 1)
        problem = None
        if add_on is None:
            problem = "Unknown or inactive add-on for this trek."
        elif add_on.sizes and size not in add_on.sizes:
            problem = f"Choose one of the sizes: {', '.join(add_on.sizes)}."
        elif not add_on.sizes and size:
            problem = "This add-on has no sizes."
        elif quantity > add_on.max_per_booking:
            problem = f"At most {add_on.max_per_booking} per booking."
        elif (add_on.pk, size) in seen:
            problem = "This add-on and size is chosen twice."
        if problem is not None or add_on is None:
            raise AddOnUnavailable(details={"add_ons": {str(index): [problem]}})
        seen.add((add_on.pk, size))
        resolved.append((add_on, size, quantity))
    return resolved


def add_on_lines_take(
    *, booking: Booking, batch: Batch, items: list[dict[str, Any]], today: date, added_by: User | None
) -> list[BookingAddOn]:
    """Check the chosen add-ons, take their stock on the booking's departure and price them: the lines, unsaved
    (inside the caller's transaction; 409 ``add_on_closed`` past an add-on's cut-off, ``add_on_sold_out``)."""
    require_atomic()
    lines = []
    for add_on, size, quantity in _resolve(trek_id=batch.trek_id, items=items):
        if today > add_on_cutoff(add_on, batch.start_date):
            raise AddOnClosed(details={"add_on": str(add_on.pk), "cutoff": add_on_cutoff(add_on, batch.start_date)})
        stocked = add_on.stock_per_departure is not None
        if stocked and not _take_stock(add_on=add_on, batch_id=batch.pk, size=size, quantity=quantity):
            raise AddOnSoldOut(details={"add_on": str(add_on.pk), "size": size, "quantity": quantity})
        amount, tax, total = add_on_price(unit_price=add_on.price, gst_rate=add_on.gst_rate, quantity=quantity)
        lines.append(
            BookingAddOn(
                booking=booking,
                add_on=add_on,
                name=add_on.name,
                kind=add_on.kind,
                size=size,
                quantity=quantity,
                unit_price=add_on.price,
                gst_rate=add_on.gst_rate,
                amount=amount,
                tax_amount=tax,
                total=total,
                stock_held=stocked,
                added_by=added_by,
            )
        )
    return lines


def add_on_changes(lines: list[BookingAddOn]) -> list[str]:
    """The lines as the audit row records them."""
    return [f"{line.name}{f' ({line.size})' if line.size else ''} x{line.quantity} = {line.total}" for line in lines]


def booking_add_ons_add(
    *, booking: Booking, items: list[dict[str, Any]], actor: User, now: datetime | None = None
) -> list[BookingAddOn]:
    """Add add-ons to a booking after it was made: pending within its hold, or confirmed, until each add-on's
    cut-off. The booking's ``final_amount`` grows by the lines' totals, so the difference is its balance due
    (paid through the usual payment flow). Audited with ``actor``."""
    if not items:
        raise ValidationFailed(details={"add_ons": ["Choose at least one add-on."]})
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        if not (booking_in_hold(booking, now) or booking.status == BookingStatus.CONFIRMED):
            raise AddOnClosed(details={"status": booking.status})
        lines = add_on_lines_take(
            booking=booking, batch=booking.batch, items=items, today=timezone.localdate(now), added_by=actor
        )
        BookingAddOn.objects.bulk_create(lines)
        added = sum((line.total for line in lines), Decimal("0.00"))
        before = booking.final_amount
        booking.add_ons_amount += added
        booking.final_amount += added
        booking.save(update_fields=["add_ons_amount", "final_amount", "updated_at"])
        balance_terms_apply(booking)  # a balance left on a confirmed booking gets its due date
        audit(
            actor=actor,
            action=AuditAction.BOOKING_ADD_ONS_ADDED,
            target=booking,
            changes={"add_ons": add_on_changes(lines), "final_amount": [str(before), str(booking.final_amount)]},
        )
    logger.info("booking %s took %s add-on line(s) worth %s", booking.reference, len(lines), added)
    return lines


# --- the catalog ----------------------------------------------------------------------------------------


def add_on_availability(add_ons: list[AddOn], batch: Batch) -> dict[tuple[Any, str], int]:
    """Units left on the departure, per (add-on, size), for the stocked add-ons (one query)."""
    left: dict[tuple[Any, str], int] = {}
    for add_on in add_ons:
        if add_on.stock_per_departure is not None:
            for size in add_on.sizes or [""]:
                left[(add_on.pk, size)] = add_on.stock_per_departure
    stocked = [add_on.pk for add_on in add_ons if add_on.stock_per_departure is not None]
    if stocked:
        for row in AddOnStock.objects.filter(batch=batch, add_on_id__in=stocked).values(
            "add_on_id", "size", "total", "taken"
        ):
            left[(row["add_on_id"], row["size"])] = max(0, row["total"] - row["taken"])
    return left


def add_on_create(*, trek: Trek, values: dict[str, Any], actor: User) -> AddOn:
    with transaction.atomic():
        add_on = AddOn.objects.create(trek=trek, **{name: values[name] for name in ADD_ON_FIELDS if name in values})
        audit(
            actor=actor,
            action=AuditAction.ADD_ON_CREATED,
            target=add_on,
            changes={"trek": trek.slug, **{name: str(getattr(add_on, name)) for name in ADD_ON_FIELDS}},
        )
    return add_on


def add_on_update(*, add_on: AddOn, values: dict[str, Any], actor: User) -> AddOn:
    """Edit an add-on; bookings keep what they took. A new ``stock_per_departure`` becomes the total of the
    departures that have not started (never below what they have taken)."""
    with transaction.atomic():
        add_on = AddOn.objects.select_for_update().get(pk=add_on.pk)
        changes = {}
        for name in ADD_ON_FIELDS:
            if name in values and values[name] != getattr(add_on, name):
                changes[name] = [str(getattr(add_on, name)), str(values[name])]
                setattr(add_on, name, values[name])
        if not changes:
            return add_on
        add_on.save()
        if "stock_per_departure" in changes and add_on.stock_per_departure is not None:
            AddOnStock.objects.filter(add_on=add_on, batch__start_date__gt=local_today()).update(
                total=Greatest(F("taken"), add_on.stock_per_departure)
            )
        audit(actor=actor, action=AuditAction.ADD_ON_UPDATED, target=add_on, changes=changes)
    return add_on
