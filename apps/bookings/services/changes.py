"""Changes to a pending or confirmed booking before its departure: participants added, edited or cancelled one at
a time, and a transfer to another departure. The money rules are in :mod:`.change_quotes`.

Each change locks the booking first (``_lock_booking``), so two changes of one booking run one after the other
and the second one sees what the first did; seats move through the batch's seat counter in the same transaction
(a transfer takes the new departure's seats before it gives the old ones back). A refund goes through
``refund_create``; more owed is the booking's ``balance_due``, paid through the payments flow. Each change writes
one audit row naming its actor and tells the booker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from apps.bookings.errors import AlreadyBooked, BatchFull, BatchNotBookable
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingDocument, BookingParticipant, BookingStatus, Refund
from apps.bookings.pricing import Quote, format_inr
from apps.bookings.services.addons import booking_add_ons_move
from apps.bookings.services.balance import balance_terms_apply
from apps.bookings.services.change_quotes import (
    ChangeQuote,
    add_participants_quote,
    cancel_participant_quote,
    changeable,
    participant_for_change,
    transfer_quote,
)
from apps.bookings.services.common import _lock_booking, _notify_booking, refund_create
from apps.bookings.services.eligibility import eligibility_check, participant_experience
from apps.bookings.services.waitlist import waitlist_offer_next
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import NotFound
from apps.messaging.services import batch_conversation_join, batch_conversation_leave
from apps.treks.domain import local_today
from apps.treks.models import Batch, Trek
from apps.treks.services.batches import batch_release_seats, batch_take_seats
from apps.users.models import User

logger = logging.getLogger(__name__)

S = BookingStatus
EDITABLE_FIELDS = ("name", "age", "phone", "email", "experience_level")


def participants_eligibility_check(*, trek: Trek, participants: list[dict[str, Any]]) -> None:
    """The one place a change asks whether ``trek`` takes these people (its age and experience rules, 400
    ``not_eligible`` naming each rule broken: :func:`eligibility_check`).

    Called with the participants added, a participant as edited, and everyone on a transfer (another trek may
    have other rules), inside the change's transaction and before anything is written, so a refusal leaves the
    booking and the seats as they were.
    """
    eligibility_check(trek, participants)


def _reprice(booking: Booking, pricing: Quote, *, change_fees: Decimal, save: Callable[[], None] | None = None) -> None:
    """Give the (locked) booking its new price, save it (``save``, or ``booking.save``) and give a balance left
    on a confirmed booking its due date."""
    booking.seats = pricing.seats
    booking.unit_price = pricing.unit_price
    booking.base_amount = pricing.base_amount
    booking.tier_discount = pricing.tier_discount
    booking.coupon_discount = pricing.coupon_discount
    booking.tax_amount = pricing.tax_amount
    booking.change_fees = change_fees
    booking.final_amount = pricing.final_amount + change_fees + booking.add_ons_amount
    (save or booking.save)()
    balance_terms_apply(booking)


def _save_on_new_departure(booking: Booking) -> None:
    try:
        with transaction.atomic():  # a concurrent booking of the booker on the new departure
            booking.save()
    except IntegrityError as exc:
        raise AlreadyBooked() from exc


def _money(quote: ChangeQuote) -> dict[str, Any]:
    return {
        "final_amount": [str(quote.final_amount_before), str(quote.final_amount_after)],
        "refund_amount": str(quote.refund_amount),
        "fee": str(quote.fee),
    }


def _tell(booking: Booking, change: str, quote: ChangeQuote, refunds: list[Refund]) -> None:
    refunded = sum((refund.amount for refund in refunds), Decimal("0.00"))
    _notify_booking(
        booking,
        "booking_changed",
        change=change,
        price=format_inr(booking.final_amount),
        refund_amount=format_inr(refunded) if refunded else "",
        fee=format_inr(quote.fee) if quote.fee else "",
        amount_due=format_inr(booking.balance_due) if booking.balance_due else "",
        dedupe=f"{change}:{booking.updated_at.isoformat()}",
    )


def _refund(booking: Booking, quote: ChangeQuote, reason: str) -> list[Refund]:
    return refund_create(booking=booking, amount=quote.refund_amount, reason=reason) if quote.refund_amount else []


def _seats_refusal(batch_id: Any, seats: int, today: date) -> Exception:
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        return NotFound("No such batch.")
    if batch.status not in (Batch.Status.OPEN, Batch.Status.FULL) or batch.start_date <= today:
        return BatchNotBookable(details={"status": batch.status})
    return BatchFull(details={"seats_requested": seats})


def participants_add(
    *, booking: Booking, actor: User, participants: list[dict[str, Any]], today: date | None = None
) -> Booking:
    """Add participants at the booking's unit price: their seats are taken on the booking's departure (409
    ``batch_full``) and ``balance_due`` grows by their price (a confirmed booking stays confirmed)."""
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        quote = add_participants_quote(booking=booking, count=len(participants), today=today)
        participants_eligibility_check(trek=booking.batch.trek, participants=participants)
        if not batch_take_seats(batch_id=booking.batch_id, seats=len(participants), today=today):
            raise _seats_refusal(booking.batch_id, len(participants), today)
        last = BookingParticipant.objects.filter(booking=booking).aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        rows = BookingParticipant.objects.bulk_create(
            [
                BookingParticipant(
                    booking=booking,
                    position=start + index,
                    is_lead=False,
                    name=row["name"],
                    age=row["age"],
                    phone=row.get("phone", ""),
                    email=row.get("email", ""),
                    experience_level=participant_experience(row),
                )
                for index, row in enumerate(participants)
            ]
        )
        _reprice(booking, quote.pricing, change_fees=quote.change_fees_after)
        audit(
            actor=actor,
            action=AuditAction.BOOKING_PARTICIPANTS_ADDED,
            target=booking,
            changes={
                "seats": [quote.seats_before, quote.seats_after],
                "positions": [row.position for row in rows],
                **_money(quote),
            },
        )
        _tell(booking, "participants_added", quote, [])
    logger.info("booking %s: %d participant(s) added", booking.reference, len(participants))
    return booking


def participant_update(
    *, booking: Booking, actor: User, position: int, changes: dict[str, Any], today: date | None = None
) -> BookingParticipant:
    """Correct a participant's name, age, phone or e-mail (the lead's also on the booking). Price and seats stay."""
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        changeable(booking, today=today)
        participant = participant_for_change(booking, position)
        changes = {field: value for field, value in changes.items() if field in EDITABLE_FIELDS}
        diff = {
            field: [getattr(participant, field), value]
            for field, value in changes.items()
            if getattr(participant, field) != value
        }
        if not diff:
            return participant
        if diff.keys() & {"age", "name", "experience_level"}:
            person = {field: getattr(participant, field) for field in EDITABLE_FIELDS} | changes
            participants_eligibility_check(trek=booking.batch.trek, participants=[person])
        for field, value in changes.items():
            setattr(participant, field, value)
        participant.save()
        if participant.is_lead and ("name" in diff or "age" in diff):
            booking.trekker_name, booking.trekker_age = participant.name, participant.age
            booking.save(update_fields=["trekker_name", "trekker_age", "updated_at"])
        audit(
            actor=actor,
            action=AuditAction.BOOKING_PARTICIPANT_UPDATED,
            target=booking,
            changes={"position": position, **diff},
        )
    return participant


def _documents_delete(participant: BookingParticipant) -> None:
    """A cancelled participant's uploads go with them (nobody needs their ID any more); the files are removed once
    the change commits, so a change that fails keeps them."""
    for document in list(BookingDocument.objects.filter(participant=participant)):
        document.delete()
        transaction.on_commit(partial(document.file.delete, save=False))


def participant_cancel(
    *, booking: Booking, actor: User, position: int, reason: str = "", today: date | None = None
) -> Booking:
    """Cancel one participant (not the lead): their seat goes back to the departure (the waitlist is offered it),
    the price drops by their share and the paid part of that share is refunded by the policy table."""
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        quote = cancel_participant_quote(booking=booking, position=position, today=today)
        participant = participant_for_change(booking, position)
        person = {"name": participant.name, "age": participant.age}
        _documents_delete(participant)
        participant.delete()
        batch_release_seats(batch_id=booking.batch_id, seats=1)
        _reprice(booking, quote.pricing, change_fees=quote.change_fees_after)
        refunds = _refund(booking, quote, Refund.Reason.PARTICIPANT_CANCELLED)
        audit(
            actor=actor,
            action=AuditAction.BOOKING_PARTICIPANT_CANCELLED,
            target=booking,
            changes={
                "position": position,
                "participant": person,
                "seats": [quote.seats_before, quote.seats_after],
                "refund_percent": quote.refund_percent,
                "reason": reason[:500],
                **_money(quote),
            },
        )
        _tell(booking, "participant_cancelled", quote, refunds)
        waitlist_offer_next(batch_id=booking.batch_id)
    logger.info("booking %s: participant %d cancelled", booking.reference, position)
    return booking


def booking_transfer(
    *, booking: Booking, actor: User, batch_id: Any, reason: str = "", today: date | None = None
) -> Booking:
    """Move the booking, every participant, to another departure (of this trek or another one).

    The seats of the new departure are taken first (409 ``batch_full`` / ``batch_not_bookable``; nothing changes),
    then the old departure's are given back, in one transaction. The price is the new departure's plus the
    transfer fee; what was paid beyond it is refunded, what is missing is owed. 409 ``already_booked`` when the
    booker already holds the new departure.
    """
    today = today or local_today()
    with transaction.atomic():
        booking = _lock_booking(booking.pk)
        target = Batch.objects.select_related("trek").filter(pk=batch_id).first()
        if target is None:
            raise NotFound("No such batch.")
        quote = transfer_quote(booking=booking, batch=target, today=today)
        if (
            Booking.objects.filter(user=booking.user_id, batch=target, status__in=ACTIVE_STATUSES)
            .exclude(pk=booking.pk)
            .exists()
        ):
            raise AlreadyBooked()
        people = list(BookingParticipant.objects.filter(booking=booking).values(*EDITABLE_FIELDS))
        participants_eligibility_check(trek=target.trek, participants=people)
        if not batch_take_seats(batch_id=target.pk, seats=booking.seats, today=today):
            raise _seats_refusal(target.pk, booking.seats, today)
        source = booking.batch
        booking_add_ons_move(booking, batch=target)
        if not batch_release_seats(batch_id=source.pk, seats=booking.seats):
            logger.error("booking %s: batch %s held fewer seats than it had", booking.reference, source.pk)
        booking.batch = target
        booking.balance_due_date = None  # due again by the new departure's terms
        _reprice(
            booking, quote.pricing, change_fees=quote.change_fees_after, save=partial(_save_on_new_departure, booking)
        )
        refunds = _refund(booking, quote, Refund.Reason.TRANSFER)
        audit(
            actor=actor,
            action=AuditAction.BOOKING_TRANSFERRED,
            target=booking,
            changes={"batch": [str(source.pk), str(target.pk)], "reason": reason[:500], **_money(quote)},
        )
        if booking.status == S.CONFIRMED:
            batch_conversation_leave(batch_id=source.pk, user=booking.user)
            batch_conversation_join(batch_id=target.pk, user=booking.user)
        _tell(booking, "transferred", quote, refunds)
        waitlist_offer_next(batch_id=source.pk)
    logger.info("booking %s moved from batch %s to %s", booking.reference, source.pk, target.pk)
    return booking
