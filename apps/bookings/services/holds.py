"""The seat hold behind every new booking: a read of everything it needs (which decides a refusal), then the seats
taken and the pending booking, its participants and audit row written, with the booker's message and the catalog
version bump, in one statement on PostgreSQL, which needs no transaction of its own (see :func:`booking_hold`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
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
from apps.common.db import insert_new, insert_together, is_violation
from apps.common.exceptions import ApplicationError, NotFound, ValidationFailed
from apps.common.models import AuditLog
from apps.common.prepared import execute_prepared
from apps.common.services import require_atomic
from apps.common.sql import insert_rows, instance_from_json, instance_from_row, json_rows, mark_saved
from apps.notifications.models import Device, NotificationPreference
from apps.notifications.planning import Message, Planned
from apps.notifications.services import notify_plan, notify_written
from apps.treks.models import Batch, Trek
from apps.treks.services.batches import (
    SEAT_TAKE_RETURNING,
    batch_from_seat_take,
    batch_seats_moved_in_statement,
    batch_seats_moved_sql,
    batch_take_seats,
    batch_take_seats_sql,
    seats_takeable_sql,
)
from apps.users.authentication import ensure_verified, user_checked, with_user_row
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


# What the look reads besides the batch row: the trek's slug, name, payment terms and eligibility rules, the
# booker's emergency contact, whether the booker already holds this batch, and (only when the seats are there) the
# booker's stored notification choices and push devices (what ``notify()`` for the ``booking_held`` message would
# otherwise read in two queries of its own).
_LOOK_READ = (
    "trek_slug", "trek_name", "trek_deposit_kind", "trek_deposit_value", "trek_balance_due_days",
    "trek_min_age", "trek_max_age", "trek_min_experience_level",
    "emergency_contact_name", "emergency_contact_phone", "emergency_contact_relation", "already_booked",
    "preferences", "devices",
)  # fmt: skip
_TREK_READ = (
    "slug", "name", "deposit_kind", "deposit_value", "balance_due_days", "min_age", "max_age", "min_experience_level",
)  # fmt: skip
_ATTEMPTS = 3  # a look and a write; again (twice at most) when the batch changed in between
_ONE_ACTIVE = "booking_one_active_per_user_batch"  # the partial unique index: one active booking per booker and batch


def _prefetch_notification_reads(user: User, read: dict[str, Any]) -> None:
    """Hand ``notify()`` the booker's preferences and devices the look read (it then reads neither)."""
    cache = getattr(user, "_prefetched_objects_cache", None)
    if cache is None:
        cache = user._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    cache["notification_preferences"] = [instance_from_json(NotificationPreference, row) for row in read["preferences"]]
    cache["devices"] = [instance_from_json(Device, row) for row in read["devices"]]


def _refusal(*, already_booked: bool, batch: Batch, seats: int, today: date) -> ApplicationError | None:
    """Why ``seats`` seats of ``batch`` (as read) cannot be booked, or None when the seat take would take them
    (its condition is :func:`seats_takeable_sql`'s: open, not started, enough seats left)."""
    if already_booked:
        return AlreadyBooked()
    if batch.status not in (Batch.Status.OPEN, Batch.Status.FULL) or batch.start_date <= today:
        return BatchNotBookable(details={"status": batch.status})
    if batch.status != Batch.Status.OPEN or batch.seats_taken > batch.total_seats - seats:
        return BatchFull(details={"seats_requested": seats})
    return None


def _look(*, user: User, batch_id: Any, seats: int, today: date) -> tuple[Batch, dict[str, Any]]:
    """Read what a booking of ``seats`` seats needs in one statement (nothing is written), and raise the 404 or
    409 that applies: a refused booking (409) is therefore the request's only statement besides authentication,
    with no transaction. The batch returned carries its trek (the fields of :data:`_TREK_READ`).
    """
    try:
        batch_id = Batch._meta.pk.to_python(batch_id)
    except DjangoValidationError as exc:
        raise NotFound("No such batch.") from exc
    if connection.vendor != "postgresql":
        return _look_apart(user=user, batch_id=batch_id, seats=seats, today=today)
    # the booker's notification rows are read only when the take would take the seats (a refusal needs neither)
    takeable, takeable_params = seats_takeable_sql(seats=seats, today=today, row="b")
    sql = _look_sql(takeable)
    params = [user.pk, *ACTIVE_STATUSES, *takeable_params, user.pk, *takeable_params, user.pk, user.pk, batch_id]
    sql, params = with_user_row(user, sql, params)  # a booker authentication handed on unread is read here too
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        row = user_checked(user, cursor.fetchone())  # 401 before anything is decided, for a refused booker
    if row is None or row[0] is None:  # no row, or (with the booker's row) the trek's slug, never NULL otherwise
        raise NotFound("No such batch.")
    read = dict(zip(_LOOK_READ, row[: len(_LOOK_READ)], strict=True))
    batch = batch_from_seat_take(row[len(_LOOK_READ) :])
    refusal = _refusal(already_booked=read["already_booked"], batch=batch, seats=seats, today=today)
    if refusal is not None:
        raise refusal
    _prefetch_notification_reads(user, read)
    trek = [read[f"trek_{name}"] for name in _TREK_READ]
    batch.trek = instance_from_row(Trek, ("id", *_TREK_READ), (batch.trek_id, *trek))
    return batch, read


@functools.cache
def _look_sql(takeable: str) -> str:
    """The look's statement around the seat take's condition ``takeable`` (its text is the same for every booking;
    the values are parameters): built once per process."""
    quote = connection.ops.quote_name
    batches, treks = quote(Batch._meta.db_table), quote(Trek._meta.db_table)
    bookings, contacts = quote(Booking._meta.db_table), quote(EmergencyContact._meta.db_table)
    columns = ", ".join(f"b.{quote(name)}" for name in SEAT_TAKE_RETURNING)  # attribute names are the columns
    return (
        "SELECT t.slug, t.name, t.deposit_kind, t.deposit_value, t.balance_due_days, "  # noqa: S608 - table names from the models, values as parameters
        "t.min_age, t.max_age, t.min_experience_level, ec.name, ec.phone, ec.relationship, "
        f"EXISTS (SELECT 1 FROM {bookings} x WHERE x.user_id = %s AND x.batch_id = b.id AND x.status IN (%s, %s)), "
        f"CASE WHEN {takeable} THEN {json_rows(NotificationPreference, 'x.user_id = %s', 'x.id')} END, "
        f"CASE WHEN {takeable} THEN {json_rows(Device, 'x.user_id = %s', 'x.last_seen_at DESC, x.id')} END, "
        f"{columns} FROM {batches} b JOIN {treks} t ON t.id = b.trek_id "
        f"LEFT JOIN LATERAL (SELECT name, phone, relationship FROM {contacts} WHERE user_id = %s "
        "ORDER BY is_primary DESC, created_at LIMIT 1) ec ON true "
        "WHERE b.id = %s"
    )


def _look_apart(*, user: User, batch_id: Any, seats: int, today: date) -> tuple[Batch, dict[str, Any]]:
    """:func:`_look` in separate statements, for the embedded SQLite default (`make run`), which has no
    ``LATERAL``."""
    ensure_verified(user)
    batch = Batch.objects.select_related("trek").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such batch.")
    refusal = _refusal(
        already_booked=Booking.objects.filter(user=user, batch=batch, status__in=ACTIVE_STATUSES).exists(),
        batch=batch,
        seats=seats,
        today=today,
    )
    if refusal is not None:
        raise refusal
    contact = EmergencyContact.objects.filter(user=user).order_by("-is_primary", "created_at").first()
    return batch, {
        "emergency_contact_name": contact.name if contact else None,
        "emergency_contact_phone": contact.phone if contact else None,
        "emergency_contact_relation": contact.relationship if contact else None,
    }


def _write(
    booking: Booking, participants: list[BookingParticipant], created: AuditLog, plans: Sequence[Planned], today: date
) -> Batch | None:
    """Take the booking's seats at the price it was priced at and write the booking, its participants, its audit
    row, the rows of the messages ``plans`` (their inbox rows and deliveries, see :func:`notify_plan`) and the
    catalog version's bump, in one statement; the batch as the take left it, or None when the take took nothing
    (the batch changed since the look: then nothing at all is written).

    One statement is one transaction: without a caller's transaction this needs no BEGIN or COMMIT. The partial
    unique index on (user, batch) of active bookings refuses a second active booking of the same booker (a
    concurrent one waits for the first and is then refused): the whole statement fails, its seats with it, and
    the booker is told ``already_booked``. The messages' rows skip what their own unique constraints reject, as
    ``notify()`` does; a delivery is written only with its inbox row.
    """
    if connection.vendor != "postgresql":  # SQLite (`make run`): no data-modifying WITH; one writer at a time
        return _write_apart(booking, participants, created, plans, today)
    take, take_params = batch_take_seats_sql(
        batch_id=booking.batch_id, seats=booking.seats, today=today, price=booking.unit_price
    )
    head, rows, entry = insert_rows([booking]), insert_rows(participants, typed=True), insert_rows([created])
    bump, bump_params = batch_seats_moved_sql(when="took")  # the seats taken show in the catalog from the commit on
    parts = [
        f"took AS ({take})",
        f'written AS ({head.sql_for_each("took")} RETURNING "id")',
        f"people AS (INSERT INTO {rows.table} ({rows.columns}) "  # noqa: S608 - names from the models
        f"   SELECT v.* FROM (VALUES {rows.values}) v CROSS JOIN written)",
        f"entry AS ({entry.sql_for_each('written')})",
        f"bump AS ({bump})",
    ]
    params = [*take_params, *head.params, *rows.params, *entry.params, *bump_params]
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
    sql = (
        f"WITH {', '.join(parts)} SELECT took.*, (SELECT count(*) FROM bump), ARRAY({ids}) "  # noqa: S608  names from the models and code, values as parameters
        "FROM (SELECT 1) one LEFT JOIN took ON true"
    )
    try:
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, params)
            *taken, bumped, new = cursor.fetchone()
    except IntegrityError as exc:
        if is_violation(exc, _ONE_ACTIVE):
            raise AlreadyBooked() from exc
        raise
    if taken[0] is None:
        return None
    batch = batch_from_seat_take(taken)
    batch_seats_moved_in_statement(bool(bumped))
    mark_saved([booking, *participants, created])
    # the response and the notifications read these relations: they are what was just written
    booking._prefetched_objects_cache = {"participants": participants, "documents": []}  # type: ignore[attr-defined]
    notify_written(plans, {value for value in new if value is not None})
    return batch


def _write_apart(
    booking: Booking, participants: list[BookingParticipant], created: AuditLog, plans: Sequence[Planned], today: date
) -> Batch | None:
    """:func:`_write` in separate statements (SQLite, inside the hold's transaction)."""
    if not batch_take_seats(batch_id=booking.batch_id, seats=booking.seats, today=today, price=booking.unit_price):
        return None
    if Booking.objects.filter(user=booking.user, batch=booking.batch, status__in=ACTIVE_STATUSES).exists():
        raise AlreadyBooked()  # the hold's transaction rolls back, the seats taken with it
    batch = booking.batch
    batch.refresh_from_db(fields=["seats_taken", "status"])  # what the take changed
    insert_together([booking], participants, [created])
    booking._prefetched_objects_cache = {"participants": participants, "documents": []}  # type: ignore[attr-defined]
    notify_written(plans, _written_apart(plans))
    return batch


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
    """Hold seats and write the pending booking, in the caller's transaction if there is one.

    Without a coupon or add-ons: two statements and no transaction of their own. The look (:func:`_look`) reads
    everything the booking needs and raises the 404 or 409 that applies; the write (:func:`_write`) takes the seats
    (at the price the booking was priced at) and writes the booking, its participants and its audit row
    (``booking.created``) in one statement, which is one transaction. When the batch changed between the two (its
    last seats taken, its price changed), the write writes nothing and the hold looks again: the new look gives
    the refusal, or the booking is priced again. The booking returned is what was written, with its batch (as the
    seat take left it), trek name and slug, participants and (no) documents: nothing is read back.
    ``created_by``: the staff member taking it for ``user`` (the audit row's actor); ``agent``: the agent's name and
    reference of an agent booking. ``tell``: the messages about the new booking (``notify()``'s, see
    :func:`notify_plan`), written in the booking's statement.

    With ``add_ons`` or a coupon, the write and what follows it run in one transaction (their own, or a savepoint
    of the caller's): ``add_ons`` cost one more read (the chosen add-ons), one conditional upsert per stocked line
    (its stock on the departure) and one insert of the lines, their totals (with their own GST) part of
    ``final_amount``; a coupon's use is taken under its row lock after the write. Inside a caller's transaction
    the write always has its savepoint: a refused write then leaves the caller's transaction usable.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    seats = len(participants)
    coupon: Coupon | None = None
    for _attempt in range(_ATTEMPTS):
        batch, read = _look(user=user, batch_id=batch_id, seats=seats, today=today)
        # the lead's experience defaults to the booker's profile
        checked = [
            {
                **row,
                "experience_level": participant_experience(row, lead_default=user.experience_level if i == 0 else None),
            }
            for i, row in enumerate(participants)
        ]
        eligibility_check(batch.trek, checked)
        if coupon_code and coupon is None:
            coupon = Coupon.objects.filter(code=coupon_code.strip().upper()).first()
            if coupon is None:
                raise CouponInvalid(details={"coupon_code": ["Unknown coupon."]})
        booking = _held(user, batch, read, checked, coupon, source, created_by, agent, hold, now)
        # one statement needs no transaction; several do, and inside a caller's transaction the write gets a
        # savepoint, so a refused write (the same booker racing themselves) leaves that transaction usable
        several = add_ons or coupon is not None or connection.vendor != "postgresql" or connection.in_atomic_block
        with transaction.atomic() if several else nullcontext():
            add_on_lines = (
                add_on_lines_take(booking=booking, batch=batch, items=add_ons, today=today, added_by=created_by or user)
                if add_ons
                else []
            )
            if add_on_lines:
                booking.add_ons_amount = sum((line.total for line in add_on_lines), Decimal("0.00"))
                booking.final_amount += booking.add_ons_amount
            rows = _participant_rows(booking, user, checked)
            created = _created_entry(booking, user, created_by, add_on_lines)
            plans = notify_plan(tell(booking)) if tell is not None else []
            taken = _write(booking, rows, created, plans, today)
            if taken is None:
                if add_on_lines:  # their stock was taken: the transaction rolls back with the refusal
                    raise BatchFull(details={"seats_requested": seats})
                continue  # nothing was written: look again
            taken.trek = batch.trek
            booking.batch = taken
            if add_on_lines:
                BookingAddOn.objects.bulk_create(add_on_lines)
            if coupon is not None:
                coupon_redeem(code=coupon.code, user=user, booking=booking, amount=booking.coupon_discount, now=now)
        return booking
    raise BatchFull(details={"seats_requested": seats})


def _held(
    user: User,
    batch: Batch,
    read: dict[str, Any],
    participants: list[dict[str, Any]],
    coupon: Coupon | None,
    source: str,
    created_by: User | None,
    agent: tuple[str, str],
    hold: timedelta | None,
    now: datetime,
) -> Booking:
    """The pending booking of ``participants`` on ``batch`` (as the look read it), priced, not yet written."""
    seats = len(participants)
    quote = price_booking(
        unit_price=batch.price,
        seats=seats,
        tier_discount_percent=tier_discount_percent(user),
        coupon_kind=coupon.kind if coupon else None,
        coupon_value=coupon.value if coupon else None,
    )
    lead = participants[0]
    return Booking(
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
        hold_expires_at=now + (hold or timedelta(minutes=settings.BOOKINGS_HOLD_MINUTES)),
        trekker_name=lead["name"],
        trekker_age=lead["age"],
        trekker_phone=user.phone or lead.get("phone", ""),
        trekker_email=user.email or lead.get("email", ""),
        emergency_contact_name=read["emergency_contact_name"] or "",
        emergency_contact_phone=read["emergency_contact_phone"] or "",
        emergency_contact_relation=read["emergency_contact_relation"] or "",
    )


def _participant_rows(booking: Booking, user: User, participants: list[dict[str, Any]]) -> list[BookingParticipant]:
    return [
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


def _created_entry(booking: Booking, user: User, created_by: User | None, add_on_lines: list[BookingAddOn]) -> AuditLog:
    """The ``booking.created`` audit row: a waitlist offer is the system's doing; a booking staff took for a
    customer, that staff member's."""
    changes: dict[str, Any] = {
        "batch": str(booking.batch_id),
        "seats": booking.seats,
        "source": booking.source,
        "final_amount": str(booking.final_amount),
    }
    if created_by is not None:
        changes["customer"] = str(user.pk)
    if add_on_lines:
        changes["add_ons"] = add_on_changes(add_on_lines)
    return audit_entry(
        actor=None if booking.source == BookingSource.WAITLIST else (created_by or user),
        action=AuditAction.BOOKING_CREATED,
        target=booking,
        changes=changes,
    )
