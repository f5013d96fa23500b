"""Trek credit: the caller's credit account, cancelling for credit, paying a booking with credit, and the
credit-or-refund choice of a cancelled departure."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import (
    AmountExceedsBalance,
    CreditInsufficient,
    CreditOfferDecided,
    EmergencyContactRequired,
    NothingToPay,
    NotPayable,
)
from apps.bookings.models import CreditOffer, CreditTransaction
from apps.bookings.serializers import BookingSerializer, CancelSerializer
from apps.bookings.serializers.credit import (
    CreditAccountSerializer,
    CreditOfferChooseSerializer,
    CreditOfferSerializer,
    CreditPaymentResultSerializer,
    CreditPaySerializer,
)
from apps.bookings.services import booking_cancel
from apps.bookings.services.credit import credit_balance, credit_grants_left, credit_redeem
from apps.bookings.services.credit_offers import credit_offer_choose
from apps.bookings.views.common import BOOKING_ID
from apps.common.exceptions import IdempotencyKeyRequired, IdempotencyKeyReused, InvalidTransition, NotFound
from apps.common.idempotency import idempotency_key, idempotency_key_parameter
from apps.common.schema import error_responses
from apps.users.current import authenticated_user
from apps.users.roles import Capability


@extend_schema(tags=["credit"])
class CreditAccountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="creditAccountGet",
        summary="My trek credit",
        description=(
            "The caller's trek credit: the balance spendable now (rupees), what is left of each grant with its "
            "expiry (soonest first) and the latest ledger lines. Credit is issued instead of a refund (a "
            "cancellation, a cancelled departure), spent on bookings (`bookingPayWithCredit`) and expires "
            "`TREK_CREDIT_VALID_DAYS` after it is issued."
        ),
        responses={200: CreditAccountSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        user = authenticated_user(request)
        lines = CreditTransaction.objects.filter(user=user).select_related("booking").order_by("-created_at", "-id")
        body = {
            "balance": credit_balance(user=user),
            "grants": [{"amount": g.left, "expires_at": g.grant.expires_at} for g in credit_grants_left(user=user)],
            "transactions": lines[:100],
        }
        return Response(CreditAccountSerializer(body).data)


@extend_schema(tags=["credit"], parameters=[BOOKING_ID])
class BookingCancelForCreditView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingCancelForCredit",
        summary="Cancel and take trek credit instead of the refund",
        description=(
            "Like `bookingCancel`, but what the booking paid comes back as trek credit at the quote's "
            "`credit_percent` (a better rate than `refund_percent`, see `bookingCancelQuote`) instead of a "
            "refund. The owner of the booking, or staff with `bookings.manage`. Any status but pending or "
            "confirmed: 409 `invalid_transition`. Audited; the booker is told."
        ),
        request=CancelSerializer,
        responses={200: BookingSerializer, **error_responses(400, 401, 404, InvalidTransition)},
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        user = authenticated_user(request)
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking_cancel(booking=booking, actor=user, reason=data.validated_data["reason"], settle="credit")
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        return Response(BookingSerializer(booking).data)


@extend_schema(tags=["credit"], parameters=[BOOKING_ID])
class BookingPayWithCreditView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingPayWithCredit",
        summary="Pay (part of) a booking with trek credit",
        description=(
            "Pays the booking's balance due, or `amount` rupees of it, from the booker's trek credit: recorded as "
            "a captured payment of the `credit` gateway, so a booking paid in full is confirmed and told as after "
            "a card payment; the rest can be paid through `bookingPaymentCreate`. The owner, or staff with "
            "`bookings.manage` (the booker's credit). A pending booking within its hold, or a confirmed one with a "
            "balance due (409 `not_payable` otherwise, `nothing_to_pay` when nothing is due); more than the "
            "balance due 409 `amount_exceeds_balance`, more than the credit 409 `credit_insufficient`. A replay "
            "with the same Idempotency-Key and body answers 200 with the same payment."
        ),
        parameters=[idempotency_key_parameter("A UUID made once per credit payment, sent again on a retry.")],
        request=CreditPaySerializer,
        responses={
            201: CreditPaymentResultSerializer,
            200: OpenApiResponse(CreditPaymentResultSerializer, description="Replay: the payment this key made"),
            **error_responses(
                400,
                IdempotencyKeyRequired,
                401,
                NotFound,
                IdempotencyKeyReused,
                NotPayable,
                NothingToPay,
                AmountExceedsBalance,
                CreditInsufficient,
                EmergencyContactRequired,
            ),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        user = authenticated_user(request)
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        key = idempotency_key(request)
        data = CreditPaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment, created = credit_redeem(
            user=user, booking_id=booking.pk, amount=data.validated_data["amount"], key=key
        )
        booking.refresh_from_db()
        body = CreditPaymentResultSerializer(
            {"payment": payment, "booking": booking, "credit_balance": credit_balance(user=booking.user)}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["credit"], parameters=[BOOKING_ID])
class BookingCreditOfferView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingCreditOfferGet",
        summary="The credit-or-refund choice of a cancelled departure",
        description=(
            "When the operator cancels a departure, each paid booking is offered trek credit at "
            "`TREK_CREDIT_BATCH_CANCEL_PERCENT` of what it paid or a full refund, to choose before `decide_by` "
            "(then `TREK_CREDIT_OFFER_DEFAULT` applies: a refund unless configured otherwise). The owner, or staff "
            "with `bookings.view`. 404 when the booking has no such choice."
        ),
        responses={200: CreditOfferSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        offer = CreditOffer.objects.filter(booking=booking).first()
        if offer is None:
            raise NotFound("This booking has no choice of credit or refund.")
        return Response(CreditOfferSerializer(offer).data)

    @extend_schema(
        operation_id="bookingCreditOfferChoose",
        summary="Choose trek credit or a full refund for a cancelled departure",
        description=(
            "`credit`: the offered credit is added to the booker's trek credit; `refund`: the full amount is "
            "refunded to the way it was paid. Once only (409 `credit_offer_decided` after). The owner, or staff "
            "with `bookings.manage`. Audited."
        ),
        request=CreditOfferChooseSerializer,
        responses={200: CreditOfferSerializer, **error_responses(400, 401, 404, CreditOfferDecided)},
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        user = authenticated_user(request)
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        data = CreditOfferChooseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = credit_offer_choose(booking_id=booking.pk, choice=data.validated_data["choice"], actor=user)
        return Response(CreditOfferSerializer(offer).data)
