"""Changes to a booking: participants added, edited or cancelled one at a time, a transfer to another departure;
each with a quote first (``GET``, changing nothing)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import (
    AddOnSoldOut,
    AddOnUnavailable,
    AlreadyBooked,
    BatchFull,
    BatchNotBookable,
    BookingNotChangeable,
    LeadNotCancellable,
)
from apps.bookings.models import Booking
from apps.bookings.serializers import BookingSerializer
from apps.bookings.serializers.changes import (
    ChangeQuoteSerializer,
    ChangeReasonSerializer,
    ParticipantsAddQuoteQuerySerializer,
    ParticipantsAddSerializer,
    ParticipantUpdateSerializer,
    TransferQuoteQuerySerializer,
    TransferSerializer,
)
from apps.bookings.services import change_quotes, changes
from apps.bookings.views.common import BOOKING_ID
from apps.common.exceptions import NotFound
from apps.common.schema import error_responses
from apps.treks.models import Batch
from apps.users.current import authenticated_user
from apps.users.roles import Capability

POSITION = OpenApiParameter(
    "position", OpenApiTypes.INT, OpenApiParameter.PATH, description="The participant's `position` on the booking"
)
WHO = "The owner of the booking, or staff with `bookings.manage`."


def _booking(request: Request, booking_id: Any, *, manage: bool) -> Booking:
    capability = Capability.BOOKINGS_MANAGE if manage else Capability.BOOKINGS_VIEW
    return selectors.booking_get(user=authenticated_user(request), booking_id=booking_id, staff_capability=capability)


def _fresh(request: Request, booking_id: Any) -> Response:
    return Response(BookingSerializer(_booking(request, booking_id, manage=True)).data)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class ParticipantsAddView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingParticipantsAddQuote",
        summary="Quote for adding participants",
        description="What adding `count` participants would cost (rupees), at the booking's unit price with its "
        "tier discount, coupon and GST: the new price and the balance due after. Changes nothing. The owner of "
        "the booking, or staff with `bookings.view`. A booking that is not pending or confirmed, or whose "
        "departure has started: 409 `booking_not_changeable`.",
        parameters=[ParticipantsAddQuoteQuerySerializer],
        responses={200: ChangeQuoteSerializer, **error_responses(400, 401, 404, BookingNotChangeable)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = _booking(request, booking_id, manage=False)
        query = ParticipantsAddQuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        quote = change_quotes.add_participants_quote(booking=booking, count=query.validated_data["count"])
        return Response(ChangeQuoteSerializer(quote).data)

    @extend_schema(
        operation_id="bookingParticipantsAdd",
        summary="Add participants",
        description=f"{WHO} Adds participants to a pending or confirmed booking before its departure: their seats "
        "are taken on the departure (409 `batch_full`), the price grows as the quote "
        "(`bookingParticipantsAddQuote`) says and `balance_due` with it (paid through `bookingPaymentCreate`; a "
        "confirmed booking stays confirmed). At most 6 participants in all (400). Audited; the booker is told.",
        request=ParticipantsAddSerializer,
        responses={
            200: BookingSerializer,
            **error_responses(400, 401, 404, BookingNotChangeable, BatchFull, BatchNotBookable),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = _booking(request, booking_id, manage=True)
        data = ParticipantsAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes.participants_add(
            booking=booking,
            actor=authenticated_user(request),
            participants=data.validated_data["participants"],
        )
        return _fresh(request, booking_id)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID, POSITION])
class ParticipantDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingParticipantUpdate",
        summary="Correct a participant",
        description=f"{WHO} Corrects the name, age, phone or e-mail of the participant at `position` (the lead's "
        "name and age also on the booking). Price and seats stay. Audited.",
        request=ParticipantUpdateSerializer,
        responses={200: BookingSerializer, **error_responses(400, 401, 404, BookingNotChangeable)},
    )
    def patch(self, request: Request, booking_id: Any, position: int) -> Response:
        booking = _booking(request, booking_id, manage=True)
        data = ParticipantUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes.participant_update(
            booking=booking,
            actor=authenticated_user(request),
            position=position,
            changes=data.validated_data,
        )
        return _fresh(request, booking_id)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID, POSITION])
class ParticipantCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingParticipantCancelQuote",
        summary="Quote for cancelling one participant",
        description="What cancelling the participant at `position` would refund (rupees): their share of the "
        "price; of the part of it already paid, the policy table's percentage (by the days left before the "
        "start) is refunded and the rest kept (`fee`). Changes nothing. The owner, or staff with "
        "`bookings.view`. The lead: 409 `lead_not_cancellable` (cancel the booking instead).",
        responses={
            200: ChangeQuoteSerializer,
            **error_responses(401, 404, BookingNotChangeable, LeadNotCancellable),
        },
    )
    def get(self, request: Request, booking_id: Any, position: int) -> Response:
        booking = _booking(request, booking_id, manage=False)
        return Response(
            ChangeQuoteSerializer(change_quotes.cancel_participant_quote(booking=booking, position=position)).data
        )

    @extend_schema(
        operation_id="bookingParticipantCancel",
        summary="Cancel one participant",
        description=f"{WHO} Cancels the participant at `position` (not the lead): the seat goes back to the "
        "departure (the waitlist is offered it), the price drops and the refund of the quote "
        "(`bookingParticipantCancelQuote`) is started. Audited; the booker is told.",
        request=ChangeReasonSerializer,
        responses={
            200: BookingSerializer,
            **error_responses(400, 401, 404, BookingNotChangeable, LeadNotCancellable),
        },
    )
    def post(self, request: Request, booking_id: Any, position: int) -> Response:
        booking = _booking(request, booking_id, manage=True)
        data = ChangeReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes.participant_cancel(
            booking=booking,
            actor=authenticated_user(request),
            position=position,
            reason=data.validated_data["reason"],
        )
        return _fresh(request, booking_id)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class TransferView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingTransferQuote",
        summary="Quote for a transfer to another departure",
        description="What moving the booking to departure `batch` (this trek's or another's) would cost (rupees): "
        "the new departure's price for the same people with the booking's discounts, plus the transfer fee "
        "(`fee`); what was paid beyond it is refunded in full (`refund_amount`), what is missing is owed "
        "(`balance_due_after`). Changes nothing and does not look at the seats. The owner, or staff with "
        "`bookings.view`.",
        parameters=[TransferQuoteQuerySerializer],
        responses={200: ChangeQuoteSerializer, **error_responses(400, 401, 404, BookingNotChangeable)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = _booking(request, booking_id, manage=False)
        query = TransferQuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        batch = _batch(query.validated_data["batch"])
        return Response(ChangeQuoteSerializer(change_quotes.transfer_quote(booking=booking, batch=batch)).data)

    @extend_schema(
        operation_id="bookingTransfer",
        summary="Transfer to another departure",
        description=f"{WHO} Moves a pending or confirmed booking, every participant, to departure `batch`: its "
        "seats are taken first (409 `batch_full` / `batch_not_bookable`, nothing changed), then the old "
        "departure's are given back, in one transaction. Money as the quote (`bookingTransferQuote`) says. "
        "409 `already_booked` when the booker already holds that departure. Audited; the booker is told.",
        request=TransferSerializer,
        responses={
            200: BookingSerializer,
            **error_responses(
                400,
                401,
                404,
                BookingNotChangeable,
                BatchFull,
                BatchNotBookable,
                AlreadyBooked,
                AddOnUnavailable,
                AddOnSoldOut,
            ),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = _booking(request, booking_id, manage=True)
        data = TransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes.booking_transfer(
            booking=booking,
            actor=authenticated_user(request),
            batch_id=data.validated_data["batch"],
            reason=data.validated_data["reason"],
        )
        return _fresh(request, booking_id)


def _batch(batch_id: Any) -> Batch:
    batch = Batch.objects.select_related("trek").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such batch.")
    return batch
