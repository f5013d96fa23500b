"""Add-ons: a trek's catalog (anyone reads; ``catalog.write`` writes) and the add-ons of a booking (its owner, or
staff: ``bookings.view`` reads, ``bookings.manage`` adds)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors, services
from apps.bookings.errors import AddOnClosed, AddOnSoldOut, AddOnUnavailable
from apps.bookings.models import AddOn, Booking, BookingAddOn
from apps.bookings.serializers.addons import (
    AddOnSerializer,
    AddOnWriteSerializer,
    BookingAddOnsAddSerializer,
    BookingAddOnsSerializer,
)
from apps.bookings.services.addons import add_on_availability
from apps.bookings.views.common import BOOKING_ID
from apps.common.exceptions import NotFound
from apps.common.schema import error_responses
from apps.treks.models import Batch
from apps.treks.permissions import CatalogWrite, ReadOr
from apps.treks.selectors import trek_get
from apps.users.current import authenticated_user
from apps.users.roles import Capability

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)
ADD_ON_ID = OpenApiParameter("add_on_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _add_ons_data(booking: Booking) -> dict[str, Any]:
    lines = BookingAddOn.objects.filter(booking=booking).order_by("created_at", "name")
    return BookingAddOnsSerializer(
        {
            "lines": lines,
            "add_ons_amount": booking.add_ons_amount,
            "final_amount": booking.final_amount,
            "balance_due": booking.balance_due,
        }
    ).data


@extend_schema(tags=["add-ons"], parameters=[SLUG])
class TrekAddOnsView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        operation_id="trekAddOnsList",
        summary="A trek's add-ons",
        description=(
            "Anyone. The active add-ons of the trek (backpack offloading, rental gear in sizes, transport from the "
            "base town, insurance): price per unit in rupees before GST, the GST rate, sizes, and how many days "
            "before the start they can still be added. With `?batch=<departure id>`, `availability` gives the "
            "units left per size on that departure for the add-ons with limited stock. Staff holding "
            "`catalog.write` also see inactive ones."
        ),
        parameters=[OpenApiParameter("batch", OpenApiTypes.UUID, description="A departure of this trek")],
        responses={200: AddOnSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        trek = trek_get(user=request.user, slug=slug, fields=("id", "slug"))
        add_ons = AddOn.objects.filter(trek=trek).order_by("position", "name")
        if not CatalogWrite().has_permission(request, self):
            add_ons = add_ons.filter(is_active=True)
        rows = list(add_ons)
        context: dict[str, Any] = {}
        batch_id = request.query_params.get("batch")
        if batch_id:
            field = Batch._meta.pk
            try:
                batch_pk = field.to_python(batch_id)
            except Exception as exc:
                raise NotFound("No such departure of this trek.") from exc
            batch = Batch.objects.filter(pk=batch_pk, trek=trek).first()
            if batch is None:
                raise NotFound("No such departure of this trek.")
            context["left"] = add_on_availability(rows, batch)
        return Response(AddOnSerializer(rows, many=True, context=context).data)

    @extend_schema(
        operation_id="trekAddOnCreate",
        summary="Add an add-on to a trek (`catalog.write`)",
        description=(
            "Staff holding `catalog.write`. `price` in rupees per unit before GST, `gst_rate` as a fraction "
            "(0.1800 for 18 %), `sizes` to choose from (empty: none), `stock_per_departure` units per departure "
            "and per size (null: unlimited), `cutoff_days` the last day before the start it can be added. Audited."
        ),
        request=AddOnWriteSerializer,
        responses={201: AddOnSerializer, **error_responses(400, 401, 403, 404)},
        examples=[
            OpenApiExample(
                "Rental jacket",
                request_only=True,
                value={
                    "kind": "rental",
                    "name": "Down jacket",
                    "price": "600.00",
                    "gst_rate": "0.1800",
                    "sizes": ["S", "M", "L"],
                    "stock_per_departure": 10,
                },
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = trek_get(user=request.user, slug=slug)
        data = AddOnWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        add_on = services.add_on_create(trek=trek, values=data.validated_data, actor=authenticated_user(request))
        return Response(AddOnSerializer(add_on).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["add-ons"], parameters=[ADD_ON_ID])
class AddOnDetailView(APIView):
    permission_classes = [CatalogWrite]

    @extend_schema(
        operation_id="addOnUpdate",
        summary="Edit an add-on (`catalog.write`)",
        description=(
            "Staff holding `catalog.write`; any subset of the fields of `trekAddOnCreate`. Bookings keep the "
            "price and rate they took. A new `stock_per_departure` becomes the stock of every departure that has "
            "not started (never below what is taken). `is_active: false` withdraws it. Audited."
        ),
        request=AddOnWriteSerializer(partial=True),
        responses={200: AddOnSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, add_on_id: Any) -> Response:
        add_on = AddOn.objects.filter(pk=add_on_id).first()
        if add_on is None:
            raise NotFound("No such add-on.")
        data = AddOnWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        add_on = services.add_on_update(add_on=add_on, values=data.validated_data, actor=authenticated_user(request))
        return Response(AddOnSerializer(add_on).data)


@extend_schema(tags=["add-ons"], parameters=[BOOKING_ID])
class BookingAddOnsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookingAddOnsList",
        summary="A booking's add-ons",
        description="The owner of the booking, or staff with `bookings.view`: the add-on lines (rupees: amount "
        "before GST, GST, total) and the booking's add-ons total, price and balance due. Someone else's is 404.",
        responses={200: BookingAddOnsSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, booking_id: Any) -> Response:
        booking = selectors.booking_get(user=authenticated_user(request), booking_id=booking_id)
        return Response(_add_ons_data(booking))

    @extend_schema(
        operation_id="bookingAddOnsAdd",
        summary="Add add-ons to a booking",
        description=(
            "The owner, or staff with `bookings.manage`, while the booking is pending (within its hold) or "
            "confirmed, until each add-on's cut-off (`cutoff_days` before the start; after: 409 "
            "`add_on_closed`). Limited stock is taken on the booking's departure (none left: 409 "
            "`add_on_sold_out`). The booking's price grows by the lines' totals (with their GST): the difference "
            "is its balance due, paid through `bookingPaymentCreate`. Audited."
        ),
        request=BookingAddOnsAddSerializer,
        responses={
            201: BookingAddOnsSerializer,
            **error_responses(400, AddOnUnavailable, 401, 404, AddOnClosed, AddOnSoldOut),
        },
        examples=[
            OpenApiExample(
                "Offloading",
                request_only=True,
                value={"add_ons": [{"add_on": "6f1c2b1e-3c1d-4a52-9a57-4c3e9d2f0a11", "quantity": 1}]},
            )
        ],
    )
    def post(self, request: Request, booking_id: Any) -> Response:
        user = authenticated_user(request)
        booking = selectors.booking_get(user=user, booking_id=booking_id, staff_capability=Capability.BOOKINGS_MANAGE)
        data = BookingAddOnsAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.booking_add_ons_add(booking=booking, items=data.validated_data["add_ons"], actor=user)
        booking.refresh_from_db(fields=["add_ons_amount", "final_amount", "amount_paid"])
        return Response(_add_ons_data(booking), status=status.HTTP_201_CREATED)
