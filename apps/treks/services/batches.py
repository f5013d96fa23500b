"""Batches (dated departures): staff writes, the status lifecycle and the seat counter.

Status lifecycle::

    open <-> full          seat-driven: full exactly when seats_taken == total_seats
    open/full -> ongoing   from the start date (the hourly sync)
    ongoing -> completed   after the end date (the hourly sync)
    open/full/ongoing -> cancelled   by operations

``completed`` and ``cancelled`` are final. The database enforces that ``open`` and ``full`` agree
with the counter, so every write that moves seats moves the status in the same statement.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, ProtectedError, Q, RestrictedError, Value, When
from django.db.models.deletion import Collector
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import InvalidTransition, ValidationFailed
from apps.common.services import require_atomic
from apps.common.sql import instance_from_row
from apps.treks.catalog_cache import catalog_version_bump, catalog_version_bump_sql, catalog_version_bumped
from apps.treks.domain import can_transition, local_today
from apps.treks.errors import BatchHasBookings, BatchNotEditable
from apps.treks.models import Batch, Guide, Trek
from apps.treks.services.assignments import (
    batch_guide_changed_announce,
    batch_rescheduled_announce,
    guide_check_available,
    guide_overlap_refused,
)
from apps.treks.services.catalog import _jsonable
from apps.users.models import User

logger = logging.getLogger(__name__)

S = Batch.Status
SEAT_STATUSES = (S.OPEN, S.FULL)


def _seat_status(*, seats_taken: int, total_seats: int) -> str:
    return S.FULL if seats_taken >= total_seats else S.OPEN


def _validate_batch(
    *, trek: Trek, start_date: date, end_date: date, total_seats: int, price: Decimal, today: date
) -> None:
    errors: dict[str, list[str]] = {}
    if start_date <= today:
        errors["start_date"] = ["A batch must start in the future."]
    expected_end = start_date + timedelta(days=trek.duration_days - 1)
    if end_date != expected_end:
        errors["end_date"] = [f"The trek lasts {trek.duration_days} days, so this batch ends on {expected_end}."]
    if total_seats < 1 or total_seats > trek.max_group_size:
        errors["total_seats"] = [f"Between 1 and the trek's maximum group size ({trek.max_group_size})."]
    if price <= 0 or price != price.quantize(Decimal("0.01")):
        errors["price"] = ["A positive amount with at most 2 decimal places."]
    if errors:
        raise ValidationFailed("The batch is not valid.", details=errors)


def _validate_guide(guide: Guide | None) -> None:
    if guide is not None and not guide.is_active:
        raise ValidationFailed("This guide is not active.", details={"guide": ["Inactive guide."]})


def batch_create_check(
    *,
    trek: Trek,
    start_date: date,
    total_seats: int,
    price: Decimal,
    end_date: date | None = None,
    guide: Guide | None = None,
    today: date | None = None,
) -> date:
    """Every rule a new departure must meet (400 ``validation_error``, 409 ``guide_unavailable``); its end date.

    :func:`batch_create` runs it; the admin form runs it too, so both refuse the same batches.
    """
    today = today or local_today()
    if trek.status == Trek.Status.ARCHIVED:
        raise ValidationFailed("An archived trek takes no new batches.", details={"trek": ["Archived."]})
    end_date = end_date or start_date + timedelta(days=trek.duration_days - 1)
    _validate_batch(
        trek=trek, start_date=start_date, end_date=end_date, total_seats=total_seats, price=price, today=today
    )
    _validate_guide(guide)
    guide_check_available(guide=guide, start_date=start_date, end_date=end_date)
    return end_date


@transaction.atomic
def batch_create(
    *,
    actor: User | None,
    trek: Trek,
    start_date: date,
    total_seats: int,
    price: Decimal,
    end_date: date | None = None,
    guide: Guide | None = None,
    satellite_phone: str = "",
    today: date | None = None,
    via: str = "",
) -> Batch:
    """A new departure. ``end_date`` defaults to the last day of the trek's duration."""
    end_date = batch_create_check(
        trek=trek,
        start_date=start_date,
        end_date=end_date,
        total_seats=total_seats,
        price=price,
        guide=guide,
        today=today,
    )
    with guide_overlap_refused():
        batch = Batch.objects.create(
            trek=trek,
            guide=guide,
            start_date=start_date,
            end_date=end_date,
            total_seats=total_seats,
            price=price,
            satellite_phone=satellite_phone,
            status=S.OPEN,
        )
    audit(
        actor=actor,
        action=AuditAction.BATCH_CREATED,
        target=batch,
        changes={
            "trek": trek.slug,
            "start_date": str(start_date),
            "total_seats": total_seats,
            "price": str(price),
            "guide": str(guide.pk) if guide else None,
            **({"via": via} if via else {}),
        },
    )
    catalog_version_bump()
    return batch


UPDATABLE = ("start_date", "end_date", "total_seats", "price", "guide", "satellite_phone")


def batch_update_check(*, batch: Batch, changes: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """Every rule a change of ``batch`` must meet (409 ``batch_not_editable`` / ``guide_unavailable``, 400
    ``validation_error``); returns the changes to apply (a new start date brings its end date).

    :func:`batch_update` runs it on the locked row; the admin form runs it too.
    """
    today = today or local_today()
    changes = {field: value for field, value in changes.items() if field in UPDATABLE}
    if batch.status not in SEAT_STATUSES:
        raise BatchNotEditable(details={"status": batch.status})
    if "guide" in changes:
        _validate_guide(changes["guide"])
    start_date = changes.get("start_date", batch.start_date)
    if "start_date" in changes and "end_date" not in changes:
        changes["end_date"] = start_date + timedelta(days=batch.trek.duration_days - 1)
    end_date = changes.get("end_date", batch.end_date)
    total_seats = changes.get("total_seats", batch.total_seats)
    price = changes.get("price", batch.price)
    if total_seats < batch.seats_taken:
        raise ValidationFailed(
            "Total seats cannot drop below the seats already taken.",
            details={"total_seats": [f"{batch.seats_taken} seats are taken."]},
        )
    dates_changed = start_date != batch.start_date or end_date != batch.end_date
    _validate_batch(
        trek=batch.trek,
        start_date=start_date,
        end_date=end_date,
        total_seats=total_seats,
        price=price,
        # unchanged dates of a batch are not re-checked against today
        today=today if dates_changed else start_date - timedelta(days=1),
    )
    guide = changes.get("guide", batch.guide)
    if dates_changed or guide != batch.guide:
        guide_check_available(guide=guide, start_date=start_date, end_date=end_date, exclude=batch.pk)
    return changes


@transaction.atomic
def batch_update(
    *, actor: User | None, batch: Batch, changes: dict[str, Any], today: date | None = None, via: str = ""
) -> Batch:
    """Change dates, seats, price or guide of an open or full batch.

    ``total_seats`` may not drop below the seats already taken; the status follows the counter. New dates
    (``batch.rescheduled``) or another guide (``batch.guide_changed``) are announced as
    :mod:`apps.treks.services.assignments` says. ``via`` names the surface in the audit rows (``admin``).
    """
    batch = Batch.objects.select_for_update(of=("self",)).select_related("trek", "guide__user").get(pk=batch.pk)
    changes = batch_update_check(batch=batch, changes=changes, today=today)
    previous = {"start_date": batch.start_date, "end_date": batch.end_date}
    previous_guide = batch.guide
    diff: dict[str, Any] = {}
    for field in UPDATABLE:
        if field in changes and getattr(batch, field) != changes[field]:
            diff[field] = [_jsonable(getattr(batch, field)), _jsonable(changes[field])]
            setattr(batch, field, changes[field])
    if not diff:
        return batch
    batch.status = _seat_status(seats_taken=batch.seats_taken, total_seats=batch.total_seats)
    with guide_overlap_refused():
        batch.save()
    if via:
        diff |= {"fields": sorted(diff), "via": via}
    audit(actor=actor, action=AuditAction.BATCH_UPDATED, target=batch, changes=diff)
    if "start_date" in diff or "end_date" in diff:
        batch_rescheduled_announce(actor=actor, batch=batch, previous=previous)
    if "guide" in diff:
        batch_guide_changed_announce(actor=actor, batch=batch, previous_guide=previous_guide)
    catalog_version_bump()
    return batch


@transaction.atomic
def batch_delete(*, actor: User, batch: Batch) -> None:
    """Delete a batch nobody has booked; anything with bookings must be cancelled instead (409)."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    collector = Collector(using="default")
    try:
        collector.collect([batch])
    except (ProtectedError, RestrictedError) as exc:
        raise BatchHasBookings() from exc
    related = [model for model in collector.data if model is not Batch]
    if batch.seats_taken > 0 or any(collector.data[model] for model in related):
        raise BatchHasBookings(details={"seats_taken": batch.seats_taken})
    audit(
        actor=actor,
        action=AuditAction.BATCH_DELETED,
        target=batch,
        changes={"trek": str(batch.trek_id), "start_date": str(batch.start_date)},
    )
    batch.delete()
    catalog_version_bump()


_BATCH_MOVES: dict[str, AuditAction] = {
    S.OPEN: AuditAction.BATCH_OPENED,
    S.FULL: AuditAction.BATCH_FILLED,
    S.ONGOING: AuditAction.BATCH_STARTED,
    S.COMPLETED: AuditAction.BATCH_COMPLETED,
    S.CANCELLED: AuditAction.BATCH_CANCELLED,
}


@transaction.atomic
def batch_transition(*, batch: Batch, to: str, actor: User | None = None, reason: str = "") -> Batch:
    """Move a batch to ``to`` if the lifecycle allows it (409 ``invalid_transition`` otherwise)."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == to:
        return batch
    if not can_transition(batch.status, to):
        raise InvalidTransition(f"A {batch.status} batch cannot become {to}.", details={"from": batch.status, "to": to})
    if to == S.OPEN and batch.seats_taken >= batch.total_seats:
        raise InvalidTransition("A batch with no seats left cannot be open.", details={"from": batch.status, "to": to})
    if to == S.FULL and batch.seats_taken < batch.total_seats:
        raise InvalidTransition("A batch with seats left cannot be full.", details={"from": batch.status, "to": to})
    previous = batch.status
    batch.status = to
    batch.save(update_fields=["status", "updated_at"])
    audit(
        actor=actor,
        action=_BATCH_MOVES[to],
        target=batch,
        changes={"status": [previous, to], **({"reason": reason} if reason else {})},
    )
    catalog_version_bump()
    return batch


def batch_cancel(*, actor: User, batch: Batch, reason: str = "") -> Batch:
    return batch_transition(batch=batch, to=S.CANCELLED, actor=actor, reason=reason)


# --- seats (called by the booking service inside its transaction) ------------------------------


# The batch columns a seat take returns (attribute names: ``Batch.from_db`` builds the row from them).
SEAT_TAKE_RETURNING = (
    "id", "trek_id", "guide_id", "start_date", "end_date", "total_seats", "seats_taken", "price", "status",
)  # fmt: skip


def seats_takeable_sql(*, seats: int, today: date, row: str = "") -> tuple[str, list[Any]]:
    """The condition under which the seat take takes ``seats`` seats of a batch row: open, not started, that many
    seats left (``row``: the alias of the batch in the caller's statement, none inside the take's own ``UPDATE``)."""
    on = f"{row}." if row else ""
    sql = f'{on}"status" = %s AND {on}"start_date" > %s AND {on}"seats_taken" <= {on}"total_seats" - %s'
    return sql, [S.OPEN, connection.ops.adapt_datefield_value(today), seats]


def batch_take_seats_sql(
    *, batch_id: Any, seats: int, today: date, price: Decimal | None = None
) -> tuple[str, list[Any]]:
    """The conditional UPDATE that takes ``seats`` seats, ``RETURNING`` :data:`SEAT_TAKE_RETURNING`.

    It returns one row when it took them and none otherwise. Concurrent takers can never take more seats than
    exist, and the status flips to ``full`` in the same statement when the last seat goes. Callers that need
    more in the same round trip wrap it in a ``WITH`` (the booking hold does); whoever runs it calls
    :func:`batch_seats_moved` when it took seats. ``price``: take them only at this seat price (for a caller
    that priced the booking on an earlier read of the batch).
    """
    if seats < 1:
        raise ValueError("seats must be positive")
    table = Batch._meta.db_table
    takeable, takeable_params = seats_takeable_sql(seats=seats, today=today)
    sql = (
        f'UPDATE "{table}" SET "seats_taken" = "seats_taken" + %s, '  # noqa: S608 - values as parameters
        # evaluated on the row's values before the update
        '"status" = CASE WHEN "seats_taken" >= "total_seats" - %s THEN %s ELSE %s END, "updated_at" = %s '
        f'WHERE "id" = %s AND {takeable} '
        + ('AND "price" = %s ' if price is not None else "")
        + "RETURNING "
        + ", ".join(f'"{table}"."{column}"' for column in SEAT_TAKE_RETURNING)
    )
    ops = connection.ops  # values as this database stores them (SQLite: no native uuid or date types)
    now, key = ops.adapt_datetimefield_value(timezone.now()), Batch._meta.pk.get_db_prep_value(batch_id, connection)
    params = [seats, seats, S.FULL, S.OPEN, now, key, *takeable_params]
    if price is not None:
        params.append(Batch._meta.get_field("price").get_db_prep_save(price, connection))
    return sql, params


def batch_from_seat_take(row: Sequence[Any]) -> Batch:
    """The batch as the seat take returned it (other fields deferred: reading one costs a query)."""
    return instance_from_row(Batch, SEAT_TAKE_RETURNING, row)


def batch_seats_moved() -> None:
    """What follows every change of a batch's seats, in the transaction that made it."""
    catalog_version_bump()


def batch_seats_moved_sql(*, when: str = "") -> tuple[str, list[Any]]:
    """:func:`batch_seats_moved` as SQL for the last write statement of the transaction that moved the seats (a
    data-modifying ``WITH`` of an ``UPDATE ... RETURNING 1``, PostgreSQL: one round trip fewer than a bump
    after commit); hand whether it returned its row to :func:`batch_seats_moved_in_statement`. ``when``: the
    ``WITH`` clause that moved them, when the statement may move none (see :func:`catalog_version_bump_sql`)."""
    return catalog_version_bump_sql(when=when)


def batch_seats_moved_in_statement(moved: bool) -> None:
    """What follows a statement of :func:`batch_seats_moved_sql`, in the transaction that ran it."""
    catalog_version_bumped(moved)


def batch_take_seats(*, batch_id: Any, seats: int, today: date | None = None, price: Decimal | None = None) -> bool:
    """Take ``seats`` seats of an open, future batch if that many are free; return whether it did.

    One statement (:func:`batch_take_seats_sql`). Must run inside the caller's transaction (so a failed
    booking gives the seats back by rolling back).
    """
    require_atomic()
    sql, params = batch_take_seats_sql(batch_id=batch_id, seats=seats, today=today or local_today(), price=price)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        taken = cursor.fetchone() is not None
    if taken:
        batch_seats_moved()
    return taken


def batch_release_seats(*, batch_id: Any, seats: int) -> bool:
    """Give back ``seats`` seats (a cancelled or expired booking); a full batch becomes open again.

    Returns False when the batch holds fewer taken seats than that (nothing is changed). Must run
    inside the caller's transaction.
    """
    require_atomic()
    if seats < 1:
        raise ValueError("seats must be positive")
    released = Batch.objects.filter(pk=batch_id, seats_taken__gte=seats).update(
        seats_taken=F("seats_taken") - seats,
        status=Case(When(status=S.FULL, then=Value(S.OPEN)), default=F("status")),
        updated_at=timezone.now(),
    )
    if released:
        batch_seats_moved()
    return bool(released)


# --- date-driven statuses -----------------------------------------------------------------------


def batch_sync_statuses(*, today: date | None = None) -> dict[str, int]:
    """Move batches whose dates have come: open/full -> ongoing -> completed. Idempotent.

    Each step is one conditional UPDATE, so running it twice (or from two workers) changes nothing
    the second time.
    """
    today = today or local_today()
    now = timezone.now()
    with transaction.atomic():
        completed = Batch.objects.filter(Q(status__in=[S.OPEN, S.FULL, S.ONGOING]), end_date__lt=today).update(
            status=S.COMPLETED, updated_at=now
        )
        ongoing = Batch.objects.filter(status__in=[S.OPEN, S.FULL], start_date__lte=today, end_date__gte=today).update(
            status=S.ONGOING, updated_at=now
        )
        if completed or ongoing:
            catalog_version_bump()
    if completed or ongoing:
        logger.info("batch statuses synced: %s ongoing, %s completed", ongoing, completed)
    return {"ongoing": ongoing, "completed": completed}
