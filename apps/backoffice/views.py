"""The staff back-office API: customers (search, page, new account), bookings taken for them on the phone, at the
office or through an agent, and money taken or paid back outside the gateway. Thin: each view checks the
capability, parses, calls the service of the app that owns the write, and renders."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.backoffice import selectors
from apps.backoffice.serializers import (
    CustomerCreateSerializer,
    CustomerDetailSerializer,
    CustomerSerializer,
    ManualRefundResultSerializer,
    ManualRefundSerializer,
    OfflinePaymentResultSerializer,
    OfflinePaymentSerializer,
    StaffBookingCreateSerializer,
)
from apps.bookings import services as booking_services
from apps.bookings.errors import (
    AlreadyBooked,
    AmountExceedsBalance,
    BatchFull,
    BatchNotBookable,
    CouponExhausted,
    CouponInvalid,
    EmergencyContactRequired,
    NotEligible,
    NothingToPay,
    NotPayable,
    RefundAtGateway,
)
from apps.bookings.models import Booking, Payment
from apps.bookings.serializers import BookingSerializer, booking_data
from apps.common.exceptions import (
    AlreadyExists,
    IdempotencyKeyRequired,
    IdempotencyKeyReused,
    InvalidTransition,
    NotFound,
)
from apps.common.idempotency import idempotency_key, idempotency_key_parameter
from apps.common.pagination import PageNumberPagination
from apps.common.schema import error_responses
from apps.users import services as user_services
from apps.users.current import authenticated_user
from apps.users.errors import CustomerExists
from apps.users.permissions import HasAnyCapability, HasCapability
from apps.users.roles import Capability, has_capability

C = Capability
CUSTOMER_ID = OpenApiParameter("customer_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
BOOKING_ID = OpenApiParameter("booking_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
REFUND_ID = OpenApiParameter("refund_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _context(request: Request) -> dict[str, bool]:
    """What of a customer the caller may see (see ``apps.backoffice.serializers``)."""
    return {
        "contact": has_capability(request.user, C.BOOKINGS_MANAGE),
        "incidents": has_capability(request.user, C.INCIDENTS_MANAGE),
    }


@extend_schema(tags=["customers"])
class CustomerListCreateView(APIView):
    pagination_class = PageNumberPagination

    def get_permissions(self) -> list[BasePermission]:
        capability = C.USERS_VIEW if self.request.method == "GET" else C.BOOKINGS_MANAGE
        return [HasCapability(capability)()]

    @extend_schema(
        summary="Find customers (users.view)",
        description="By name, e-mail, phone (any spelling sign-up accepts) or booking reference; newest first.",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, e-mail, phone or booking reference"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: CustomerSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        q = request.query_params.get("q", "")
        if len(q) > 200:
            raise ValidationError({"q": ["At most 200 characters."]})
        paginator = self.pagination_class()
        page: list[Any] | None = paginator.paginate_queryset(selectors.customer_search(q), request, view=self)
        return paginator.get_paginated_response(CustomerSerializer(page, many=True, context=_context(request)).data)

    @extend_schema(
        summary="Open an account for a customer (bookings.manage)",
        description=(
            "No password, phone and e-mail unverified: whoever later proves the phone (a sign-in code) or the "
            "e-mail (Google) takes the account over with its bookings. 409 `customer_exists` with "
            "`details.customer_id` when the phone or e-mail has an account: book on that one."
        ),
        request=CustomerCreateSerializer,
        responses={201: CustomerSerializer, **error_responses(400, 401, 403, CustomerExists)},
    )
    def post(self, request: Request) -> Response:
        data = CustomerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = user_services.customer_create(actor=authenticated_user(request), **data.validated_data)
        customer.bookings_count = 0  # type: ignore[attr-defined]
        return Response(CustomerSerializer(customer, context=_context(request)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID])
class CustomerDetailView(APIView):
    permission_classes = [HasCapability(C.USERS_VIEW)]

    @extend_schema(
        summary="A customer: bookings, points and incidents (users.view)",
        description=(
            "For staff holding `users.view`. The name, loyalty tier and points, the latest 20 points lines and a "
            "summary of each booking. Phone and e-mail in full only for `bookings.manage` (masked otherwise); "
            "incidents (kind, status, dates, no location or notes) only for `incidents.manage`, else null. Never "
            "the date of birth, emergency contacts or sign-in data."
        ),
        responses={200: CustomerDetailSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, customer_id: Any) -> Response:
        found = selectors.customer_detail(customer_id)
        if found is None:
            raise NotFound("No such customer.")
        customer, bookings, points, incidents = found
        data = {"customer": customer, "bookings": bookings, "points": points, "incidents": incidents}
        return Response(CustomerDetailSerializer(data, context=_context(request)).data)


@extend_schema(tags=["customers"], parameters=[CUSTOMER_ID])
class CustomerBookingCreateView(APIView):
    permission_classes = [HasCapability(C.BOOKINGS_MANAGE)]

    @extend_schema(
        summary="Book for a customer: phone, walk-in or agent (bookings.manage)",
        description=(
            "The app booking's hold, pricing (the customer's tier), coupon rules and errors; the booking is the "
            "customer's and they are told as after an app booking; the staff member is its creator."
        ),
        request=StaffBookingCreateSerializer,
        responses={
            201: BookingSerializer,
            **error_responses(
                400,
                CouponInvalid,
                NotEligible,
                401,
                403,
                404,
                BatchFull,
                BatchNotBookable,
                AlreadyBooked,
                CouponExhausted,
            ),
        },
    )
    def post(self, request: Request, customer_id: Any) -> Response:
        customer = selectors.customers().filter(pk=customer_id, is_active=True).first()
        if customer is None:
            raise NotFound("No such customer.")
        data = StaffBookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = booking_services.booking_create(
            user=customer,
            batch_id=data.validated_data["batch"],
            participants=data.validated_data["participants"],
            coupon_code=data.validated_data["coupon_code"] or None,
            source=data.validated_data["source"],
            created_by=authenticated_user(request),
            agent_name=data.validated_data["agent_name"],
            agent_reference=data.validated_data["agent_reference"],
        )
        return Response(booking_data(booking), status=status.HTTP_201_CREATED)


@extend_schema(tags=["payments"], parameters=[BOOKING_ID])
class OfflinePaymentView(APIView):
    permission_classes = [HasAnyCapability(C.BOOKINGS_MANAGE, C.PAYMENTS_MANAGE)]

    @extend_schema(
        summary="Record a cash, UPI or bank transfer payment (bookings.manage or payments.manage)",
        description=(
            "Credited as a gateway capture is: paid in full, the booking is confirmed and the customer told. "
            "A replay with the same Idempotency-Key and body answers 200 with the same payment."
        ),
        parameters=[idempotency_key_parameter("A UUID made once per payment recorded, sent again on a retry.")],
        request=OfflinePaymentSerializer,
        responses={
            201: OfflinePaymentResultSerializer,
            200: OpenApiResponse(OfflinePaymentResultSerializer, description="Replay: the payment this key recorded"),
            **error_responses(
                400,
                IdempotencyKeyRequired,
                401,
                403,
                NotFound,
                IdempotencyKeyReused,
                NotPayable,
                NothingToPay,
                AmountExceedsBalance,
                EmergencyContactRequired,
                AlreadyExists,
            ),
        },
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        key = idempotency_key(request)
        data = OfflinePaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment, created = booking_services.payment_record_offline(
            actor=authenticated_user(request), booking_id=booking_id, key=key, **data.validated_data
        )
        payment = Payment.objects.select_related("booking").get(pk=payment.pk)
        booking = Booking.objects.select_related("batch__trek", "user", "coupon").get(pk=payment.booking_id)
        body = OfflinePaymentResultSerializer({"payment": payment, "booking": booking}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["payments"], parameters=[REFUND_ID])
class ManualRefundView(APIView):
    permission_classes = [HasCapability(C.PAYMENTS_MANAGE)]

    @extend_schema(
        summary="Mark a refund paid outside the gateway (payments.manage)",
        description=(
            "For a refund of an offline payment (never sent to the gateway), or one the gateway failed or was never "
            "asked to pay: record the method (cash, UPI, bank transfer) and the receipt or transfer reference. The "
            "refund becomes processed and the booking's refunded total follows; audited as "
            "`refund.settled_offline`. A refund the gateway still holds is 409 `refund_at_gateway`; a processed "
            "one 409 `invalid_transition`."
        ),
        request=ManualRefundSerializer,
        responses={
            200: ManualRefundResultSerializer,
            **error_responses(400, 401, 403, NotFound, InvalidTransition, RefundAtGateway),
        },
    )
    def post(self, request: Request, refund_id: Any) -> Response:
        data = ManualRefundSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        refund = booking_services.refund_pay_manually(
            actor=authenticated_user(request), refund_id=refund_id, **data.validated_data
        )
        return Response(ManualRefundResultSerializer(refund).data)
