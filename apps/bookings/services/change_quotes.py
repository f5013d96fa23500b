"""What a change to a booking would cost, computed without changing anything: participants added, one participant
cancelled, a transfer to another departure. The services of :mod:`.changes` apply the same quote under the
booking's row lock, so what the quote says is what the change does.

Money rules (INR, every amount rounded to the paisa):

- The price of the people on the booking is priced again like a new booking (:func:`price_booking`) at the
  booking's own tier discount, coupon and GST rate: at the booking's unit price for participants added or
  cancelled, at the new departure's price for a transfer. ``final_amount`` is that price plus ``change_fees``
  plus the add-ons (``add_ons_amount``, which a change leaves as they are).
- Participants added: the booking owes the difference (``balance_due`` goes up; paid like any balance).
- One participant cancelled: their share is what the booking's price drops by. Of that share, the part already
  paid (in the proportion of the price the booking has paid) is refunded by the cancellation policy table; the
  rest of the paid share is kept (a cancellation charge, added to ``change_fees``), the unpaid rest is not owed.
- Transfer: the new departure's price plus the transfer fee (``BOOKINGS_TRANSFER_FEE``, added to
  ``change_fees``); what was paid beyond the new price is refunded in full, what is missing is owed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from apps.bookings.errors import BookingNotChangeable, LeadNotCancellable
from apps.bookings.models import ACTIVE_STATUSES, Booking, BookingParticipant
from apps.bookings.policy import refund_percent_for
from apps.bookings.pricing import HUNDRED, Quote, price_booking, to_paisa
from apps.common.exceptions import NotFound, ValidationFailed
from apps.treks.domain import local_today
from apps.treks.models import Batch

ZERO = Decimal("0.00")


class ChangeKind:
    ADD_PARTICIPANTS = "add_participants"
    CANCEL_PARTICIPANT = "cancel_participant"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class ChangeQuote:
    kind: str
    days_before_start: int
    batch_from: Any
    batch_to: Any
    seats_before: int
    seats_after: int
    pricing: Quote  # the people on the booking after the change, priced
    final_amount_before: Decimal
    final_amount_after: Decimal
    change_fees_after: Decimal
    fee: Decimal  # the transfer fee, or the cancellation charge the policy keeps
    refund_percent: int | None  # of the cancelled participant's paid share (cancellations only)
    refund_amount: Decimal
    net_paid_before: Decimal  # paid less refunded
    balance_due_after: Decimal

    @property
    def amount_due(self) -> Decimal:
        """What the booking owes on top of what it owed before (positive: to pay; 0 when the change refunds)."""
        return self.balance_due_after


def changeable(booking: Booking, *, today: date) -> None:
    """409 ``booking_not_changeable`` unless the booking is pending or confirmed and its departure is still ahead."""
    if booking.status not in ACTIVE_STATUSES or booking.batch.start_date <= today:
        raise BookingNotChangeable(details={"status": booking.status, "start_date": str(booking.batch.start_date)})


def reprice(booking: Booking, *, unit_price: Decimal, seats: int) -> Quote:
    """``seats`` people priced like the booking was: its tier discount, its coupon, its GST rate."""
    coupon = booking.coupon
    return price_booking(
        unit_price=unit_price,
        seats=seats,
        tier_discount_percent=booking.tier_discount_percent,
        coupon_kind=coupon.kind if coupon is not None else None,
        coupon_value=coupon.value if coupon is not None else None,
        tax_rate=booking.tax_rate,
    )


def _net_paid(booking: Booking) -> Decimal:
    return booking.amount_paid - booking.amount_refunded


def _quote(
    *,
    kind: str,
    booking: Booking,
    today: date,
    batch_to: Batch,
    pricing: Quote,
    change_fees: Decimal,
    fee: Decimal,
    refund_percent: int | None,
    refund: Decimal,
) -> ChangeQuote:
    final_after = pricing.final_amount + change_fees + booking.add_ons_amount
    net_paid = _net_paid(booking)
    return ChangeQuote(
        kind=kind,
        days_before_start=(booking.batch.start_date - today).days,
        batch_from=booking.batch_id,
        batch_to=batch_to.pk,
        seats_before=booking.seats,
        seats_after=pricing.seats,
        pricing=pricing,
        final_amount_before=booking.final_amount,
        final_amount_after=final_after,
        change_fees_after=change_fees,
        fee=fee,
        refund_percent=refund_percent,
        refund_amount=refund,
        net_paid_before=net_paid,
        balance_due_after=max(ZERO, final_after - (net_paid - refund)),
    )


def add_participants_quote(*, booking: Booking, count: int, today: date | None = None) -> ChangeQuote:
    """Adding ``count`` participants at the booking's unit price (400 beyond the most a booking holds)."""
    today = today or local_today()
    changeable(booking, today=today)
    limit = settings.BOOKINGS_MAX_PARTICIPANTS
    if count < 1 or booking.seats + count > limit:
        raise ValidationFailed(
            "Too many participants for one booking.",
            details={"participants": [f"At most {limit - booking.seats} more."]},
        )
    pricing = reprice(booking, unit_price=booking.unit_price, seats=booking.seats + count)
    return _quote(
        kind=ChangeKind.ADD_PARTICIPANTS,
        booking=booking,
        today=today,
        batch_to=booking.batch,
        pricing=pricing,
        change_fees=booking.change_fees,
        fee=ZERO,
        refund_percent=None,
        refund=ZERO,
    )


def participant_for_change(booking: Booking, position: int) -> BookingParticipant:
    participant = None
    if 0 <= position <= settings.BOOKINGS_MAX_PARTICIPANTS * 100:  # beyond any position a booking reaches
        participant = BookingParticipant.objects.filter(booking=booking, position=position).first()
    if participant is None:
        raise NotFound("This booking has no participant at this position.")
    return participant


def cancel_participant_quote(*, booking: Booking, position: int, today: date | None = None) -> ChangeQuote:
    """Cancelling the participant at ``position`` (never the lead: 409 ``lead_not_cancellable``)."""
    today = today or local_today()
    changeable(booking, today=today)
    participant = participant_for_change(booking, position)
    if participant.is_lead:
        raise LeadNotCancellable()
    pricing = reprice(booking, unit_price=booking.unit_price, seats=booking.seats - 1)
    price_before = booking.final_amount - booking.change_fees - booking.add_ons_amount
    share = max(ZERO, price_before - pricing.final_amount)
    net_paid = _net_paid(booking)
    share_paid = ZERO
    if booking.final_amount > 0 and net_paid > 0:
        share_paid = min(share, to_paisa(share * min(net_paid, booking.final_amount) / booking.final_amount))
    percent = refund_percent_for((booking.batch.start_date - today).days)
    refund = to_paisa(share_paid * Decimal(percent) / HUNDRED)
    kept = share_paid - refund
    return _quote(
        kind=ChangeKind.CANCEL_PARTICIPANT,
        booking=booking,
        today=today,
        batch_to=booking.batch,
        pricing=pricing,
        change_fees=booking.change_fees + kept,
        fee=kept,
        refund_percent=percent,
        refund=refund,
    )


def transfer_quote(*, booking: Booking, batch: Batch, today: date | None = None) -> ChangeQuote:
    """Moving every participant to ``batch`` (400 for the booking's own departure; the seats are not looked at
    here: the transfer takes them or answers 409)."""
    today = today or local_today()
    changeable(booking, today=today)
    if batch.pk == booking.batch_id:
        raise ValidationFailed("Choose another departure.", details={"batch": ["This is the booking's departure."]})
    pricing = reprice(booking, unit_price=batch.price, seats=booking.seats)
    fee = to_paisa(Decimal(str(settings.BOOKINGS_TRANSFER_FEE)))
    change_fees = booking.change_fees + fee
    surplus = _net_paid(booking) - (pricing.final_amount + change_fees + booking.add_ons_amount)
    return _quote(
        kind=ChangeKind.TRANSFER,
        booking=booking,
        today=today,
        batch_to=batch,
        pricing=pricing,
        change_fees=change_fees,
        fee=fee,
        refund_percent=None,
        refund=max(ZERO, surplus),
    )
