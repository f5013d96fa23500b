"""Deposits and balances: a booking's payment links (staff send and resend them), and the local payment page
the local gateway's links open (development)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.errors import GatewayRejected, NothingToPay, NotPayable, PaymentLinkNotFound
from apps.bookings.models import PaymentLink
from apps.bookings.serializers.deposits import PaymentLinkPageSerializer, PaymentLinkSerializer
from apps.bookings.views.common import BOOKING_ID
from apps.common.schema import error_responses
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability

TOKEN = OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, description="The signed link token.")


@extend_schema(tags=["payments"], parameters=[BOOKING_ID])
class BookingPaymentLinksView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingPaymentLinks",
        summary="List a booking's payment links",
        description="The payment links of one of the caller's bookings (staff with `bookings.view`: any booking), "
        "newest first: each pays the balance due when it was made, once, until `expires_at`. `status` is its "
        "payment's (`created` until paid, then `captured`).",
        responses={200: PaymentLinkSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        links = PaymentLink.objects.filter(booking=booking).select_related("payment").order_by("-created_at")
        return Response(PaymentLinkSerializer(links, many=True).data)


@extend_schema(tags=["payments"], parameters=[BOOKING_ID])
class BookingPaymentLinkSendView(APIView):
    permission_classes = [HasCapability(Capability.BOOKINGS_MANAGE)]

    @extend_schema(
        operation_id="bookingPaymentLinkSend",
        summary="Send (or resend) the trekker a payment link for the balance",
        description=(
            "Staff with `bookings.manage`, on a confirmed booking with a balance due (confirmed on its deposit) or "
            "a pending one whose hold runs. Creates a gateway payment link for the whole balance (Razorpay Payment "
            "Links; with the local gateway, a signed link to this API's local payment page), or reuses the open "
            "one for that amount, and sends it to the trekker (e-mail, SMS, push, in their language). Each call "
            "sends it again and counts it (`times_sent`). Audited. 409 `not_payable` for other bookings, "
            "`nothing_to_pay` with no balance; 502 when the gateway refuses, 503 when it cannot be reached."
        ),
        request=None,
        responses={
            201: PaymentLinkSerializer,
            **error_responses(401, 403, 404, NotPayable, NothingToPay, GatewayRejected, 503),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        actor = authenticated_user(request)
        booking = selectors.booking_get(user=actor, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        link = services.payment_link_send(actor=actor, booking=booking)
        link = PaymentLink.objects.select_related("payment").get(pk=link.pk)
        return Response(PaymentLinkSerializer(link).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"], parameters=[TOKEN])
class PaymentLinkPageView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="paymentLinkGet",
        summary="A local payment link (development)",
        description="No sign-in: the signed token in the link is the authority. What the link pays: booking "
        "reference, trek, start date, amount (paise, and as text in rupees) and its status. Only links of the "
        "local gateway have a page here; a forged or unknown token is 404 `payment_link_not_found`.",
        responses={200: PaymentLinkPageSerializer, **error_responses(PaymentLinkNotFound)},
    )
    def get(self, request: Request, token: str) -> Response:
        link = services.payment_link_by_token(token)
        return Response(PaymentLinkPageSerializer(link).data)


@extend_schema(tags=["payments"], parameters=[TOKEN])
class PaymentLinkPayView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        operation_id="paymentLinkPay",
        summary="Pay a local payment link (development)",
        description="The local gateway's stand-in for Razorpay's hosted page: pays the whole link and credits the "
        "booking through the same path as a captured gateway payment (a pending booking is confirmed, a balance "
        "cleared). Paying a paid link again answers it unchanged. 404 `payment_link_not_found` for a forged "
        "token or a link of another gateway; 409 `not_payable` once the link has expired or the booking can no "
        "longer take payments.",
        request=None,
        responses={200: PaymentLinkPageSerializer, **error_responses(PaymentLinkNotFound, NotPayable)},
    )
    def post(self, request: Request, token: str) -> Response:
        link = services.payment_link_local_pay(token=token)
        return Response(PaymentLinkPageSerializer(link).data)
