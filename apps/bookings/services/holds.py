"""The seat hold behind every new booking: seats taken, the pending booking, its participants, coupon and
audit row written, with the booker's message and the catalog version bump, in two statements on PostgreSQL
(see :func:`booking_hold`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone

from apps.bookings.errors import AlreadyBooked, BatchFull, BatchNotBookable, CouponExhausted, CouponInvalid
from apps.bookings.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingAddOn,
    BookingParticipant,
    BookingSource,
    BookingStatus,
    Coupon,
    CouponRedemption,
)
from apps.bookings.pricing import price_booking
from apps.bookings.services.addons import add_on_changes, add_on_lines_take
from apps.bookings.services.eligibility import eligibility_check, participant_experience
from apps.common.audit import AuditAction, audit_entry
from apps.common.db import insert_new, insert_together
from apps.common.exceptions import ApplicationError, NotFound, ValidationFailed
from apps.common.models import AuditLog
from apps.common.prepared import execute_prepared
from apps.common.services import require_atomic
from apps.common.sql import insert_rows, instance_from_json, instance_from_row, mark_saved
from apps.notifications.models import Device, NotificationPreference
from apps.notifications.planning import Message, Planned
from apps.notifications.services import notify_plan, notify_written
from apps.treks.models import Batch, Trek
from apps.treks.services.batches import (
    batch_from_seat_take,
    batch_seats_moved_in_statement,
    batch_seats_moved_sql,
    batch_take_seats,
    batch_take_seats_sql,
)
from apps.users.models import EmergencyContact, User
from apps.users.tiers import tier_discount_percent

logger = logging.getLogger(__name__)

S = BookingStatus


def _validate_participants(participants: list[dict[str, Any]]) -> None:
    if not 1 <= len(participants) <= settings.BOOKINGS_MAX_PARTICIPANTS:
        raise ValidationFailed(
            details={"participants": [f"Between 1 and {settings.BOOKINGS_MAX_PARTICIPANTS} participants."]}
        )


def coupon_redeem(*, code: str, user: User, booking: Booking, amount: Decimal, now: datetime) -> Coupon:
    """Take one use of coupon ``code`` for ``booking`` (inside the booking's transaction).

    The coupon row is locked, so the use counter and the per-user limit are exact under concurrency:
    a coupon with 5 uses is used exactly 5 times however many bookings race for it.
    """
    require_atomic()
    coupon = Coupon.objects.select_for_update().filter(code=code.strip().upper()).first()
    if coupon is None or not coupon.is_active or not coupon.valid_from <= now < coupon.valid_until:
        raise CouponInvalid(details={"coupon_code": ["Unknown, inactive or outside its validity window."]})
    if coupon.max_uses is not None and coupon.uses >= coupon.max_uses:
        raise CouponExhausted()
    used = CouponRedemption.objects.filter(coupon=coupon, user=user, released_at__isnull=True).count()
    if used >= coupon.per_user_limit:
        raise CouponInvalid(details={"coupon_code": ["You have already used this coupon."]})
    Coupon.objects.filter(pk=coupon.pk).update(uses=F("uses") + 1)
    CouponRedemption.objects.create(coupon=coupon, booking=booking, user=user, amount=amount)
    return coupon


# What the seat take's statement reads besides the batch row: the batch as it was (why no seats were taken),
# the trek's name, slug, payment terms and eligibility rules, the booker's emergency contact, (only when no
# seats were taken) whether the booker already holds this batch, and (only when seats were taken) the
# booker's stored notification choices and push devices (what ``notify()`` for the ``booking_held`` message
# would otherwise read in two queries of its own).
_HOLD_READ = (
    "before_status", "before_start_date", "trek_slug", "trek_name",
    "trek_deposit_kind", "trek_deposit_value", "trek_balance_due_days",
    "emergency_contact_name", "emergency_contact_phone", "emergency_contact_relation", "already_booked",
    "preferences", "devices",
    "trek_min_age", "trek_max_age", "trek_min_experience_level",
)  # fmt: skip


def _json_rows(model: type[Any], where: str, order: str) -> str:
    """A JSON array of ``model``'s rows (aliased ``x``) where ``where``, in ``order``."""
    table = connection.ops.quote_name(model._meta.db_table)
    return f"(SELECT coalesce(json_agg(to_json(x) ORDER BY {order}), '[]') FROM {table} x WHERE {where})"  # noqa: S608  names from _meta and code, values as parameters


def _prefetch_notification_reads(user: User, read: dict[str, Any]) -> None:
    """Hand ``notify()`` the booker's preferences and devices the seat take read (it then reads neither)."""
    cache = getattr(user, "_prefetched_objects_cache", None)
    if cache is None:
        cache = user._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cache["notification_preferences"] = [instance_from_json(NotificationPreference, row) for row in read["preferences"]]
    cache["devices"] = [instance_from_json(Device, row) for row in read["devices"]]


def _refusal(*, already_booked: bool, status: str, start_date: date, seats: int, today: date) -> ApplicationError:
    """Why a seat take that took nothing was refused, from the batch as it was before the take."""
    if already_booked:
        return AlreadyBooked()
    if status not in (Batch.Status.OPEN, Batch.Status.FULL) or start_date <= today:
        return BatchNotBookable(details={"status": status})
    return BatchFull(details={"seats_requested": seats})


def _take_seats(*, user: User, batch_id: Any, seats: int, today: date) -> tuple[Batch, dict[str, Any]]:
    """Take the seats and read what the booking needs in one statement; raise the 404 or 409 that applies.

    A failed take (409) is therefore the request's only statement besides authentication.
    """
    try:
        batch_id = Batch._meta.pk.to_python(batch_id)
    except DjangoValidationError as exc:
        raise NotFound("No such batch.") from exc
    if connection.vendor != "postgresql":
        return _take_seats_apart(user=user, batch_id=batch_id, seats=seats, today=today)
    take, take_params = batch_take_seats_sql(batch_id=batch_id, seats=seats, today=today)
    quote = connection.ops.quote_name
    batches, treks = quote(Batch._meta.db_table), quote(Trek._meta.db_table)
    bookings, contacts = quote(Booking._meta.db_table), quote(EmergencyContact._meta.db_table)
    sql = (
        f"WITH took AS ({take}) "  # noqa: S608 - table names from the models, values as parameters
        "SELECT b.status, b.start_date, t.slug, t.name, t.deposit_kind, t.deposit_value, t.balance_due_days, "
        "ec.name, ec.phone, ec.relationship, "
        f"CASE WHEN took.id IS NULL THEN EXISTS (SELECT 1 FROM {bookings} x "
        "WHERE x.user_id = %s AND x.batch_id = b.id AND x.status IN (%s, %s)) END, "
        f"CASE WHEN took.id IS NOT NULL THEN {_json_rows(NotificationPreference, 'x.user_id = %s', 'x.id')} END, "
        f"CASE WHEN took.id IS NOT NULL THEN {_json_rows(Device, 'x.user_id = %s', 'x.last_seen_at DESC, x.id')} "
        "END, t.min_age, t.max_age, t.min_experience_level, took.* "
        f"FROM {batches} b JOIN {treks} t ON t.id = b.trek_id LEFT JOIN took ON true "
        f"LEFT JOIN LATERAL (SELECT name, phone, relationship FROM {contacts} WHERE user_id = %s "
        "ORDER BY is_primary DESC, created_at LIMIT 1) ec ON true "
        "WHERE b.id = %s"
    )
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, [*take_params, user.pk, *ACTIVE_STATUSES, user.pk, user.pk, user.pk, batch_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such batch.")
    read = dict(zip(_HOLD_READ, row[: len(_HOLD_READ)], strict=True))
    if row[len(_HOLD_READ)] is None:  # no seats taken
        raise _refusal(
            already_booked=read["already_booked"],
            status=read["before_status"],
            start_date=read["before_start_date"],
            seats=seats,
            today=today,
        )
    _prefetch_notification_reads(user, read)  # the catalog version moves in the booking's write (_insert_booking)
    batch = batch_from_seat_take(row[len(_HOLD_READ) :])
    batch.trek = instance_from_row(
        Trek,
        (
            "id",
            "slug",
            "name",
            "deposit_kind",
            "deposit_value",
            "balance_due_days",
            "min_age",
            "max_age",
            "min_experience_level",
        ),
        (
            batch.trek_id,
            *(
                read[f"trek_{name}"]
                for name in (
                    "slug",
                    "name",
                    "deposit_kind",
                    "deposit_value",
                    "balance_due_days",
                    "min_age",
                    "max_age",
                    "min_experience_level",
                )
            ),
        ),
    )
    return batch, read


def _take_seats_apart(*, user: User, batch_id: Any, seats: int, today: date) -> tuple[Batch, dict[str, Any]]:
    """:func:`_take_seats` in separate statements, for the embedded SQLite default (`make run`), which has no
    ``LATERAL``. SQLite lets one transaction write at a time, so what is read after the take is what it left."""
    took = batch_take_seats(batch_id=batch_id, seats=seats, today=today)
    batch = Batch.objects.select_related("trek").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such batch.")
    if not took:
        raise _refusal(
            already_booked=Booking.objects.filter(user=user, batch=batch, status__in=ACTIVE_STATUSES).exists(),
            status=batch.status,
            start_date=batch.start_date,
            seats=seats,
            today=today,
        )
    contact = EmergencyContact.objects.filter(user=user).order_by("-is_primary", "created_at").first()
    return batch, {
        "emergency_contact_name": contact.name if contact else None,
        "emergency_contact_phone": contact.phone if contact else None,
        "emergency_contact_relation": contact.relationship if contact else None,
    }


def _insert_booking(
    booking: Booking, participants: list[BookingParticipant], created: AuditLog, plans: Sequence[Planned]
) -> bool:
    """Write the booking, its participants, its audit row and the rows of the messages ``plans`` (their inbox
    rows and deliveries, see :func:`notify_plan`) in one statement; False when the booker already holds the batch
    (then nothing is written at all).

    The partial unique index on (user, batch) of active bookings decides (``ON CONFLICT ... DO NOTHING``), so
    a concurrent second booking of the same booker waits for the first and then writes nothing. The messages'
    rows skip what their own unique constraints reject, as ``notify()`` does; a delivery is written only with
    its inbox row.
    """
    if connection.vendor != "postgresql":  # SQLite (`make run`): no data-modifying WITH; one writer at a time
        if Booking.objects.filter(user=booking.user, batch=booking.batch, status__in=ACTIVE_STATUSES).exists():
            return False
        insert_together([booking], participants, [created])
        booking._prefetched_objects_cache = {"participants": participants, "documents": []}  # type: ignore[attr-defined]
        notify_written(plans, _written_apart(plans))
        return True
    head, rows, entry = insert_rows([booking]), insert_rows(participants, typed=True), insert_rows([created])
    parts = [
        # the index's predicate written out (not as parameters), or PostgreSQL cannot match a prepared statement's
        # conflict target to the partial index
        f"written AS ({head.sql()} "
        f'   ON CONFLICT ("user_id", "batch_id") WHERE "status" IN ({_ACTIVE_LITERALS}) DO NOTHING RETURNING "id")',
        f"people AS (INSERT INTO {rows.table} ({rows.columns}) "  # noqa: S608 - names from the models
        f"   SELECT v.* FROM (VALUES {rows.values}) v CROSS JOIN written)",
        f"entry AS ({entry.sql_for_each('written')})",
    ]
    bump, bump_params = batch_seats_moved_sql()  # the seats taken show in the catalog from the commit on
    parts.append(f"bump AS ({bump})")
    params = [*head.params, *rows.params, *entry.params, *bump_params]
    news = []  # the CTEs returning the ids of the message rows written
    for i, plan in enumerate(plans):
        source = "written"
        if plan.inbox is not None:
            inbox = insert_rows([plan.inbox])
            parts.append(f"inbox{i} AS ({inbox.sql_for_each('written')} ON CONFLICT DO NOTHING RETURNING id)")
            params += inbox.params
            news.append(f"inbox{i}")
            source = f"inbox{i}"
        for j, delivery in enumerate(plan.deliveries):
            row = insert_rows([delivery])
            parts.append(f"delivery{i}_{j} AS ({row.sql_for_each(source)} ON CONFLICT DO NOTHING RETURNING id)")
            params += row.params
            news.append(f"delivery{i}_{j}")
    new_ids = " UNION ALL ".join(f"SELECT id FROM {name}" for name in news)  # noqa: S608 - CTE names from code
    ids = new_ids or "SELECT NULL::uuid"
    sql = f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM written), (SELECT count(*) FROM bump), ARRAY({ids})"  # noqa: S608  names from the models and code, values as parameters
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        count, bumped, new = cursor.fetchone()
    if not count:
        return False  # the caller raises: its transaction, the seat take and this bump with it, rolls back
    batch_seats_moved_in_statement(bool(bumped))
    mark_saved([booking, *participants, created])
    # the response and the notifications read these relations: they are what was just written
    booking._prefetched_objects_cache = {"participants": participants, "documents": []}  # type: ignore[attr-defined]
    notify_written(plans, {value for value in new if value is not None})
    return True


# the active statuses as SQL literals: constants of the code, plain words (nothing to escape)
assert all(str(status).isalpha() for status in ACTIVE_STATUSES)
_ACTIVE_LITERALS = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)


def _written_apart(plans: Sequence[Planned]) -> set[Any]:
    """SQLite: write the messages' rows as ``notify()`` does (inbox rows, then their deliveries); their ids."""
    inboxes = insert_new([plan.inbox for plan in plans if plan.inbox is not None])
    written = {row.pk for row in inboxes}
    deliveries = [d for plan in plans for d in plan.deliveries if plan.inbox is None or plan.inbox.pk in written]
    return written | {row.pk for row in insert_new(deliveries)}


def booking_hold(
    *,
    user: User,
    batch_id: Any,
    participants: list[dict[str, Any]],
    coupon_code: str | None = None,
    add_ons: list[dict[str, Any]] | None = None,
    source: str = BookingSource.APP,
    created_by: User | None = None,
    agent: tuple[str, str] = ("", ""),
    hold: timedelta | None = None,
    now: datetime | None = None,
    tell: Callable[[Booking], Sequence[Message]] | None = None,
) -> Booking:
    """Hold seats and write the pending booking, inside the caller's transaction.

    Without a coupon: two statements, one taking the seats (with everything else the booking needs read in
    it), one writing the booking, its participants and its audit row (``booking.created``). The booking
    returned is what was written, with its batch (as the seat take left it), trek name and slug, participants
    and (no) documents: nothing is read back. ``created_by``: the staff member taking it for ``user`` (the
    audit row's actor); ``agent``: the agent's name and reference of an agent booking. ``tell``: the messages
    about the new booking (``notify()``'s, see :func:`notify_plan`), written in the booking's statement.

    With ``add_ons``: one more read (the chosen add-ons), one conditional upsert per stocked line (its stock on
    the departure) and one insert of the lines; their totals (with their own GST) are part of ``final_amount``.
    """
    require_atomic()
    now = now or timezone.now()
    today = timezone.localdate(now)
    seats = len(participants)
    batch, read = _take_seats(user=user, batch_id=batch_id, seats=seats, today=today)
    # the lead's experience defaults to the booker's profile; refused here, the seats taken go back with the rollback
    participants = [
        {**row, "experience_level": participant_experience(row, lead_default=user.experience_level if i == 0 else None)}
        for i, row in enumerate(participants)
    ]
    eligibility_check(batch.trek, participants)

    coupon: Coupon | None = None
    if coupon_code:
        coupon = Coupon.objects.filter(code=coupon_code.strip().upper()).first()
        if coupon is None:
            raise CouponInvalid(details={"coupon_code": ["Unknown coupon."]})
    quote = price_booking(
        unit_price=batch.price,
        seats=seats,
        tier_discount_percent=tier_discount_percent(user),
        coupon_kind=coupon.kind if coupon else None,
        coupon_value=coupon.value if coupon else None,
    )
    lead = participants[0]
    hold = hold or timedelta(minutes=settings.BOOKINGS_HOLD_MINUTES)
    booking = Booking(
        user=user,
        batch=batch,
        status=S.PENDING,
        source=source,
        created_by=created_by,
        agent_name=agent[0],
        agent_reference=agent[1],
        seats=seats,
        unit_price=batch.price,
        base_amount=quote.base_amount,
        tier_discount_percent=quote.tier_discount_percent,
        tier_discount=quote.tier_discount,
        coupon=coupon,
        coupon_discount=quote.coupon_discount,
        tax_rate=quote.tax_rate,
        tax_amount=quote.tax_amount,
        final_amount=quote.final_amount,
        hold_expires_at=now + hold,
        trekker_name=lead["name"],
        trekker_age=lead["age"],
        trekker_phone=user.phone or lead.get("phone", ""),
        trekker_email=user.email or lead.get("email", ""),
        emergency_contact_name=read["emergency_contact_name"] or "",
        emergency_contact_phone=read["emergency_contact_phone"] or "",
        emergency_contact_relation=read["emergency_contact_relation"] or "",
    )
    add_on_lines = (
        add_on_lines_take(booking=booking, batch=batch, items=add_ons, today=today, added_by=created_by or user)
        if add_ons
        else []
    )
    if add_on_lines:
        booking.add_ons_amount = sum((line.total for line in add_on_lines), Decimal("0.00"))
        booking.final_amount = quote.final_amount + booking.add_ons_amount
    rows = [
        BookingParticipant(
            booking=booking,
            position=index,
            is_lead=index == 0,
            name=row["name"],
            age=row["age"],
            phone=(user.phone or row.get("phone", "")) if index == 0 else row.get("phone", ""),
            email=(user.email or row.get("email", "")) if index == 0 else row.get("email", ""),
            experience_level=row["experience_level"],
        )
        for index, row in enumerate(participants)
    ]
    changes = {"batch": str(batch.pk), "seats": seats, "source": source, "final_amount": str(booking.final_amount)}
    if created_by is not None:
        changes["customer"] = str(user.pk)
    if add_on_lines:
        changes["add_ons"] = add_on_changes(add_on_lines)
    created = audit_entry(
        # a waitlist offer is the system's doing; a booking staff took for a customer, that staff member's
        actor=None if source == BookingSource.WAITLIST else (created_by or user),
        action=AuditAction.BOOKING_CREATED,
        target=booking,
        changes=changes,
    )
    plans = notify_plan(tell(booking)) if tell is not None else []
    if not _insert_booking(booking, rows, created, plans):  # a concurrent booking of the same user on this batch won
        raise AlreadyBooked()
    if add_on_lines:
        BookingAddOn.objects.bulk_create(add_on_lines)
    if coupon is not None:
        coupon_redeem(code=coupon.code, user=user, booking=booking, amount=quote.coupon_discount, now=now)
    return booking
