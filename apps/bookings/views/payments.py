"""Payments: gateway orders, checkout verification, the Razorpay webhook."""

from __future__ import annotations

from typing import Any

from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.errors import (
    EmergencyContactRequired,
    GatewayRejected,
    NoDeposit,
    NothingToPay,
    NotPayable,
    SignatureInvalid,
    WebhookPayloadInvalid,
)
from apps.bookings.models import Payment
from apps.bookings.serializers import (
    PaymentOrderSerializer,
    PaymentSerializer,
    PaymentVerifySerializer,
    WebhookAckSerializer,
)
from apps.bookings.serializers.deposits import PaymentOrderQuerySerializer
from apps.bookings.views import examples
from apps.bookings.views.common import BOOKING_ID
from apps.common.exceptions import NotFound
from apps.common.schema import error_responses
from apps.users.current import authenticated_user

PAY = OpenApiParameter(
    "pay",
    OpenApiTypes.STR,
    enum=["balance", "deposit"],
    description="`balance` (default): the whole balance due; `deposit`: only the deposit that confirms the seats.",
)


@extend_schema(tags=["payments"], parameters=[BOOKING_ID])
class BookingPaymentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="List a booking's payments",
        description="Every gateway order and payment of one of the caller's bookings (staff with "
        "`bookings.view`: any booking), newest first. Amounts in paise (integer).",
        responses={200: PaymentSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        payments = Payment.objects.filter(booking=booking).select_related("booking").order_by("-created_at")
        return Response(PaymentSerializer(payments, many=True).data)

    @extend_schema(
        summary="Create a gateway order for the balance due (or the deposit)",
        description=(
            "The booker only, on a pending booking whose hold has not lapsed, or a confirmed booking with a "
            "balance left (confirmed on its deposit). `?pay=deposit` on a pending booking whose trek takes a "
            "deposit (`payment_terms.deposit_amount`) orders only the deposit, which confirms the seats (409 "
            "`no_deposit` when it takes none); by default the whole balance. Creates a Razorpay order for that "
            "amount, in paise (`amount_paise`, integer; the booking's amounts are in rupees), with the "
            "booking reference as receipt; open Razorpay Checkout with `key_id` and `order_id`, then send its "
            "answer to `paymentVerify`. Asking again for the same balance returns the same order. A booking is "
            "confirmed only with an emergency contact to call: with none on the booker's profile nor given at "
            "booking, 409 `emergency_contact_required` (add one with `meEmergencyContactCreate`). 502 when "
            "the gateway refuses, 503 when it cannot be reached."
        ),
        request=None,
        parameters=[PAY],
        responses={
            201: PaymentOrderSerializer,
            **error_responses(
                400, 401, 404, NotPayable, NothingToPay, NoDeposit, EmergencyContactRequired, GatewayRejected, 503
            ),
        },
        examples=examples.PAYMENT_ORDER,
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        query = PaymentOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id, staff_capability="-")
        payment = services.payment_order_create(booking=booking, deposit_only=query.validated_data["pay"] == "deposit")
        return Response(PaymentOrderSerializer(payment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"])
class PaymentVerifyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Verify a checkout payment",
        description="The booker sends what Razorpay Checkout answered. The signature is checked (HMAC-SHA256 of "
        "the stored order id and the payment id with the key secret; a mismatch is 400 `signature_invalid` and "
        "changes nothing); the payment is credited and a booking paid in full is confirmed. Idempotent: the same "
        "payment again answers the same result. An order of someone else is 404.",
        request=PaymentVerifySerializer,
        responses={200: PaymentSerializer, **error_responses(400, SignatureInvalid, 401, NotFound)},
        examples=examples.PAYMENT_VERIFY,
    )
    def post(self, request: Request) -> Response:
        data = PaymentVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_verify(
            user=authenticated_user(request),
            order_id=data.validated_data["razorpay_order_id"],
            payment_id=data.validated_data["razorpay_payment_id"],
            signature=data.validated_data["razorpay_signature"],
        )
        payment = Payment.objects.select_related("booking").get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data)


@method_decorator(csrf_exempt, name="dispatch")
@extend_schema(tags=["payments"])
class RazorpayWebhookView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes: list[Any] = []

    @extend_schema(
        summary="Razorpay webhook",
        description=(
            "Signed with the webhook secret over the raw body (`X-Razorpay-Signature`); each "
            "`X-Razorpay-Event-Id` is processed once, repeats answer 200 with status `duplicate`. A signed "
            "body that does not match its event type's schema is recorded as rejected and answers 400 "
            "`webhook_payload_invalid` (its repeats answer `duplicate`)."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: WebhookAckSerializer, **error_responses(400, SignatureInvalid, WebhookPayloadInvalid)},
    )
    def post(self, request: Request) -> Response:
        outcome = services.webhook_receive(
            body=request.body,
            signature=request.headers.get("X-Razorpay-Signature", ""),
            event_id=request.headers.get("X-Razorpay-Event-Id") or None,
        )
        return Response({"status": outcome})
