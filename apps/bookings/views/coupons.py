"""Coupons for staff holding ``coupons.manage``: list (with usage), read, create, change, deactivate. Audited."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import selectors
from apps.bookings.errors import CouponCodeTaken
from apps.bookings.serializers.coupons import CouponSerializer, CouponWriteSerializer
from apps.bookings.services.coupons import coupon_create, coupon_deactivate, coupon_update
from apps.common.pagination import PageNumberPagination
from apps.common.schema import error_responses
from apps.users.current import authenticated_user
from apps.users.permissions import HasCapability
from apps.users.roles import Capability

COUPON_ID = OpenApiParameter("coupon_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class CouponQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema(tags=["coupons"])
class CouponListView(APIView):
    permission_classes = [HasCapability(Capability.COUPONS_MANAGE)]
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="List coupons with their usage",
        description=(
            "Staff with `coupons.manage`. Ordered by code, paginated; `q` matches part of the code or the "
            "description, `active` filters on `is_active`. Each coupon carries its usage: `uses` (redemptions held "
            "now), `redemptions_total`, `redemptions_released`, `remaining` and its `state`."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of the code or the description"),
            OpenApiParameter("active", OpenApiTypes.BOOL),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: CouponSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = CouponQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.coupon_list(search=query.validated_data["q"], active=query.validated_data["active"])
        paginator = self.pagination_class()
        page: list[Any] | None = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CouponSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a coupon",
        description=(
            "Staff with `coupons.manage`; audited. The code is stored upper-case (`A-Z 0-9 _ -`, 3 to 40 characters) "
            "and is unique whatever the case (409 `coupon_code_taken`). A `percent` value is at most 100, a `fixed` "
            "one is in rupees; the window must end after it starts."
        ),
        request=CouponWriteSerializer,
        responses={201: CouponSerializer, **error_responses(400, 401, 403, CouponCodeTaken)},
    )
    def post(self, request: Request) -> Response:
        data = CouponWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = coupon_create(actor=authenticated_user(request), **data.validated_data)
        return Response(
            CouponSerializer(selectors.coupon_get(coupon_id=coupon.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["coupons"], parameters=[COUPON_ID])
class CouponDetailView(APIView):
    permission_classes = [HasCapability(Capability.COUPONS_MANAGE)]

    @extend_schema(
        summary="A coupon with its usage",
        description="Staff with `coupons.manage`. The coupon's values and its usage, as in the list.",
        responses={200: CouponSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, coupon_id: Any) -> Response:
        return Response(CouponSerializer(selectors.coupon_get(coupon_id=coupon_id)).data)

    @extend_schema(
        summary="Change a coupon",
        description="Bookings that already used it keep the discount they were priced with.",
        request=CouponWriteSerializer(partial=True),
        responses={200: CouponSerializer, **error_responses(400, 401, 403, 404, CouponCodeTaken)},
    )
    def patch(self, request: Request, coupon_id: Any) -> Response:
        coupon = selectors.coupon_get(coupon_id=coupon_id)
        data = CouponWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        coupon_update(actor=authenticated_user(request), coupon=coupon, changes=dict(data.validated_data))
        return Response(CouponSerializer(selectors.coupon_get(coupon_id=coupon_id)).data)


@extend_schema(tags=["coupons"], parameters=[COUPON_ID])
class CouponDeactivateView(APIView):
    permission_classes = [HasCapability(Capability.COUPONS_MANAGE)]

    @extend_schema(
        summary="Deactivate a coupon",
        description="No booking redeems it from now on; holds that took it keep it. Idempotent.",
        request=None,
        responses={200: CouponSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, coupon_id: Any) -> Response:
        coupon = selectors.coupon_get(coupon_id=coupon_id)
        coupon_deactivate(actor=authenticated_user(request), coupon=coupon)
        return Response(CouponSerializer(selectors.coupon_get(coupon_id=coupon_id)).data)
