"""Bookings: create, list, read, cancel; a departure's bulk cancellation and its waitlist."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.errors import (
    AddOnClosed,
    AddOnSoldOut,
    AddOnUnavailable,
    AlreadyBooked,
    AlreadyWaitlisted,
    BatchFull,
    BatchNotBookable,
    CouponExhausted,
    CouponInvalid,
    NotEligible,
    WaitlistClosed,
    WaitlistNotNeeded,
)
from apps.bookings.filters import BookingFilter
from apps.bookings.models import WaitlistEntry
from apps.bookings.serializers import (
    BatchCancellationSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CancellationQuoteSerializer,
    CancelSerializer,
    WaitlistEntrySerializer,
    WaitlistJoinSerializer,
    booking_data,
)
from apps.bookings.views import examples
from apps.bookings.views.common import BATCH_ID, BOOKING_ID, batch_or_404
from apps.common.exceptions import InvalidTransition, NotFound
from apps.common.pagination import PageNumberPagination
from apps.common.schema import error_responses
from apps.users.authentication import UserReadByView
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability


@extend_schema(tags=["bookings"])
class BookingListCreateView(UserReadByView, APIView):
    permission_classes = [IsAuthenticated]
    user_read_by_view = ("POST",)  # the booker's row is read and checked in the booking's first statement
    pagination_class = PageNumberPagination  # so the schema documents the paginated envelope

    @extend_schema(
        summary="List bookings",
        description=(
            "The caller's bookings. Staff holding `bookings.view` see every booking and may filter and search "
            "(`?mine=true` narrows to their own)."
        ),
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, many=True),
            OpenApiParameter("batch", OpenApiTypes.UUID),
            OpenApiParameter("trek", OpenApiTypes.STR, description="Trek slug"),
            OpenApiParameter("start_from", OpenApiTypes.DATE),
            OpenApiParameter("start_to", OpenApiTypes.DATE),
            OpenApiParameter("created_from", OpenApiTypes.DATE),
            OpenApiParameter("created_to", OpenApiTypes.DATE),
            OpenApiParameter("q", OpenApiTypes.STR, description="Name, e-mail, phone or reference"),
            OpenApiParameter(
                "balance",
                OpenApiTypes.STR,
                enum=["due", "overdue"],
                description="Confirmed on a deposit with a balance left: `due` (not yet past its due date) or "
                "`overdue` (unpaid after it; its seats are released after the grace days)",
            ),
            OpenApiParameter("mine", OpenApiTypes.BOOL),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: BookingSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        everyone = request.query_params.get("mine", "").lower() not in ("1", "true", "yes")
        qs = selectors.booking_list(user=authenticated_user(request), everyone=everyone)
        filterset = BookingFilter(request.query_params, queryset=qs)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        paginator = self.pagination_class()
        page: list[Any] | None = paginator.paginate_queryset(filterset.qs, request, view=self)
        return paginator.get_paginated_response(BookingSerializer(page, many=True).data)

    @extend_schema(
        summary="Book seats (a 30-minute hold)",
        description=(
            "Any signed-in person. Takes the seats on an open batch that has not started for 1 to 6 "
            "participants (the first is the lead trekker) and prices them (a `coupon_code` may lower the price). "
            "The booking is `pending` until `hold_expires_at` (`BOOKINGS_HOLD_MINUTES`, 30 by default): pay the "
            "balance before then (`bookingPaymentCreate`) or the seats go back. `add_ons` (optional) takes the "
            "trek's add-ons with the seats (`trekAddOnsList`; 400 `add_on_unavailable`, 409 `add_on_sold_out` or "
            "`add_on_closed`, and then nothing is booked). Not enough seats: 409 "
            "`batch_full`; a second active booking on one batch: 409 `already_booked`. Every participant must be "
            "within the trek's `min_age`..`max_age` and have at least its `min_experience_level` (a participant's "
            "`experience_level`; the lead's defaults to the booker's profile): else 400 `not_eligible`, whose "
            "`details` give the trek's `rules` and each `violations` entry. Amounts are in rupees "
            "(decimal strings). Texts and mails the booker."
        ),
        request=BookingCreateSerializer,
        responses={
            201: BookingSerializer,
            **error_responses(
                400,
                CouponInvalid,
                AddOnUnavailable,
                NotEligible,
                401,
                NotFound,
                BatchFull,
                BatchNotBookable,
                AlreadyBooked,
                CouponExhausted,
                AddOnSoldOut,
                AddOnClosed,
            ),
        },
        examples=examples.BOOKING_CREATE,
    )
    def post(self, request: Request) -> Response:
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(
            user=authenticated_user(request),
            batch_id=data.validated_data["batch"],
            participants=data.validated_data["participants"],
            coupon_code=data.validated_data["coupon_code"] or None,
            add_ons=data.validated_data["add_ons"],
            source=data.validated_data["source"],
        )  # what was written, relations included: nothing to read back
        return Response(booking_data(booking), status=status.HTTP_201_CREATED)


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Get a booking",
        description="One of the caller's bookings (staff with `bookings.view`: any booking): status, "
        "participants, pricing and balance due in rupees, the document checklist. Someone else's is 404.",
        responses={200: BookingSerializer, **error_responses(401, 404)},
        examples=examples.BOOKING_GET,
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        return Response(
            BookingSerializer(selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)).data
        )


@extend_schema(tags=["bookings"], parameters=[BOOKING_ID])
class BookingCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingCancelQuote",
        summary="Cancellation quote",
        description="What cancelling now would refund (rupees), by the policy table: the percentage depends on "
        "the days left before the start. Changes nothing. The owner of the booking, or staff with "
        "`bookings.view`.",
        responses={200: CancellationQuoteSerializer, **error_responses(401, 404)},
        examples=examples.CANCEL_QUOTE,
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        return Response(CancellationQuoteSerializer(services.cancellation_quote(booking=booking)).data)

    @extend_schema(
        summary="Cancel (owner or `bookings.manage` staff)",
        description=(
            "Cancels a pending or confirmed booking (any other status: 409 `invalid_transition`): the seats go "
            "back to the batch, a refund by the policy of the quote (`bookingCancelQuote`) is started, loyalty "
            "points are reversed, the booker is told, and the waitlist is offered the seats. Audited."
        ),
        request=CancelSerializer,
        responses={200: BookingSerializer, **error_responses(400, 401, 404, InvalidTransition)},
        examples=examples.CANCEL,
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(
            user=authenticated_user(request), booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE
        )
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.booking_cancel(
            booking=booking, actor=authenticated_user(request), reason=data.validated_data["reason"]
        )
        booking = selectors.booking_get(
            user=authenticated_user(request), booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE
        )
        return Response(BookingSerializer(booking).data)


@extend_schema(tags=["bookings"], parameters=[BATCH_ID])
class BatchBulkCancelView(APIView):
    permission_classes = [HasCapability(Capability.BOOKINGS_BULK_CANCEL)]

    @extend_schema(
        operation_id="batchCancelQuote",
        summary="Progress of the latest bulk cancellation",
        description="Staff with `bookings.bulk_cancel`: the latest cancellation job of this batch (bookings "
        "done, refunds started). 404 when the batch has none.",
        responses={200: BatchCancellationSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, batch_id: Any) -> Response:
        job = batch_or_404(batch_id).bulk_cancellations.select_related("batch").order_by("-created_at").first()
        if job is None:
            raise NotFound("This batch has not been cancelled here.")
        return Response(BatchCancellationSerializer(job).data)

    @extend_schema(
        summary="Cancel a departure and all its bookings (full refunds, notifications)",
        description="Staff with `bookings.bulk_cancel`. The batch is cancelled at once; its bookings are "
        "cancelled by a background task with full refunds, and every booker is told (see GET for progress). "
        "A completed or cancelled batch: 409 `invalid_transition`. Audited.",
        request=CancelSerializer,
        responses={202: BatchCancellationSerializer, **error_responses(400, 401, 403, 404, InvalidTransition)},
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.batch_bulk_cancel_start(
            actor=authenticated_user(request), batch=batch_or_404(batch_id), reason=data.validated_data["reason"]
        )
        job.refresh_from_db()
        return Response(BatchCancellationSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["bookings"], parameters=[BATCH_ID])
class WaitlistView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My place on a batch's waitlist",
        description="The caller's latest entry on this batch's waitlist and, while waiting, its position (1 is "
        "next). 404 when the caller never joined.",
        responses={200: WaitlistEntrySerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, batch_id: Any) -> Response:
        entry = (
            WaitlistEntry.objects.filter(batch_id=batch_id, user=authenticated_user(request))
            .order_by("-created_at")
            .first()
        )
        if entry is None:
            raise NotFound("You are not on this waitlist.")
        entry.position = (  # type: ignore[attr-defined]
            WaitlistEntry.objects.filter(
                batch_id=batch_id, status=WaitlistEntry.Status.WAITING, created_at__lte=entry.created_at
            ).count()
            if entry.status == WaitlistEntry.Status.WAITING
            else None
        )
        return Response(WaitlistEntrySerializer(entry).data)

    @extend_schema(
        operation_id="batchWaitlistJoin",
        summary="Join the waitlist of a full batch",
        description="Any signed-in person, for a full batch until 7 days before its start, first come first "
        "served. When seats free up, the next entry is offered them (a notification) and books them like a "
        "new booking.",
        request=WaitlistJoinSerializer,
        responses={
            201: WaitlistEntrySerializer,
            **error_responses(
                400,
                NotEligible,
                401,
                404,
                WaitlistClosed,
                WaitlistNotNeeded,
                AlreadyWaitlisted,
                AlreadyBooked,
                BatchNotBookable,
            ),
        },
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.waitlist_join(
            user=authenticated_user(request),
            batch=batch_or_404(batch_id),
            participants=data.validated_data["participants"],
        )
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="batchWaitlistLeave",
        summary="Leave the waitlist",
        description="Drops the caller's waiting or offered entry on this batch; 404 when there is none.",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: Request, batch_id: Any) -> Response:
        services.waitlist_leave(user=authenticated_user(request), batch=batch_or_404(batch_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
