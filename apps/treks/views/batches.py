"""Batches and guides: public reads (cached, with ETags) and staff writes (capabilities, audited)."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import InvalidTransition
from apps.common.pagination import PageNumberPagination
from apps.common.schema import error_responses
from apps.treks import selectors, services
from apps.treks.catalog_cache.responses import cached_catalog_response
from apps.treks.domain import local_today
from apps.treks.errors import BatchHasBookings, BatchNotEditable, GuideProfileExists, GuideUnavailable
from apps.treks.filters import BatchFilter
from apps.treks.models import Batch
from apps.treks.permissions import BatchesManage, CatalogWrite, ReadOr
from apps.treks.serializers import (
    BatchSerializer,
    BatchWriteSerializer,
    FileUploadSerializer,
    GuideSerializer,
    GuideWriteSerializer,
    StaffBatchSerializer,
    StaffGuideSerializer,
)
from apps.treks.views import examples
from apps.treks.views.common import (
    BATCH_ID,
    CATALOG_ETAG,
    GUIDE_ID,
    SLUG,
    paginate,
    validated_filter,
)
from apps.users.current import authenticated_user

# --- batches ------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekBatchesView(APIView):
    permission_classes = [ReadOr(BatchesManage)]
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="List a trek's upcoming departures",
        description="Batches starting after today (India time), earliest first: open ones, and full ones too "
        "with `include_full=true`. Public. Page-number pagination." + CATALOG_ETAG,
        parameters=[
            OpenApiParameter("month", OpenApiTypes.INT, description="1-12"),
            OpenApiParameter("include_full", OpenApiTypes.BOOL, description="Also list full batches"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: BatchSerializer(many=True), **error_responses(400, 404)},
        examples=examples.TREK_BATCHES,
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            params = validated_filter(
                BatchFilter(request.query_params, queryset=Batch.objects.none())
            ).form.cleaned_data
            trek = selectors.trek_get(user=request.user, slug=slug, fields=("id", "slug", "name"))
            batches = selectors.trek_batches(
                trek=trek,
                today=local_today(),
                month=params.get("month"),
                include_full=bool(params.get("include_full")),
            )
            return paginate(request, self, batches, BatchSerializer)

        return cached_catalog_response(request, build)

    @extend_schema(
        summary="Schedule a departure",
        description="Staff with `batches.manage`. The start is in the future, `end_date` follows from the trek's "
        "duration, seats are at most the trek's group size; a guide already on overlapping dates is 409 "
        "`guide_unavailable`. Audited.",
        request=BatchWriteSerializer,
        responses={201: StaffBatchSerializer, **error_responses(400, 401, 403, 404, GuideUnavailable)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = BatchWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_create(actor=authenticated_user(request), trek=trek, **data.validated_data)
        return Response(StaffBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[BATCH_ID])
class BatchDetailView(APIView):
    permission_classes = [ReadOr(BatchesManage)]

    @extend_schema(
        summary="Get a departure",
        description="One batch: dates, price (rupees), seats left, status. Public." + CATALOG_ETAG,
        responses={200: BatchSerializer, **error_responses(404)},
    )
    def get(self, request: Request, batch_id: Any) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: Response(BatchSerializer(selectors.batch_get(user=request.user, batch_id=batch_id)).data)
        )

    @extend_schema(
        summary="Change a departure",
        description="Staff with `batches.manage`, on an open or full batch only (409 `batch_not_editable`); seats "
        "never below those taken. New dates or another guide notify every pending or confirmed booker and the "
        "guides, and the batch chat follows. Audited.",
        request=BatchWriteSerializer(partial=True),
        responses={
            200: StaffBatchSerializer,
            **error_responses(400, 401, 403, 404, BatchNotEditable, InvalidTransition, GuideUnavailable),
        },
    )
    def patch(self, request: Request, batch_id: Any) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        data = BatchWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        batch = services.batch_update(actor=authenticated_user(request), batch=batch, changes=dict(data.validated_data))
        return Response(StaffBatchSerializer(selectors.batch_get(user=request.user, batch_id=batch.pk)).data)

    @extend_schema(
        summary="Delete a departure",
        description="Staff with `batches.manage`, for a batch nobody booked (else 409 `batch_has_bookings`: "
        "cancel it instead). Audited.",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, BatchHasBookings)},
    )
    def delete(self, request: Request, batch_id: Any) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        services.batch_delete(actor=authenticated_user(request), batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- guides -------------------------------------------------------------------------------------


def _guide_serializer(request: Request) -> type[GuideSerializer]:
    return StaffGuideSerializer if selectors.can_see_drafts(request.user) else GuideSerializer


@extend_schema(tags=["catalog"])
class GuideListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="List guides",
        description="Active guides, most experienced first, without phone numbers. Public; staff with "
        "`catalog.write` or `batches.manage` also see inactive profiles, with their contact fields. Page-number "
        "pagination." + CATALOG_ETAG,
        parameters=[OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT)],
        responses={200: GuideSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: paginate(request, self, selectors.guide_list(user=request.user), _guide_serializer(request)),
        )

    @extend_schema(
        summary="Create a guide profile",
        description="Staff with `catalog.write`, for a user whose role is guide; one profile per user (409 "
        "`guide_profile_exists`). Audited.",
        request=GuideWriteSerializer,
        responses={201: StaffGuideSerializer, **error_responses(400, 401, 403, GuideProfileExists)},
    )
    def post(self, request: Request) -> Response:
        data = GuideWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guide = services.guide_create(actor=authenticated_user(request), **data.validated_data)
        return Response(
            StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide.pk)).data, status=201
        )


@extend_schema(tags=["catalog"], parameters=[GUIDE_ID])
class GuideDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        summary="Get a guide",
        description="One guide's public profile (catalog staff: every field, inactive profiles too)." + CATALOG_ETAG,
        responses={200: GuideSerializer, **error_responses(404)},
    )
    def get(self, request: Request, guide_id: Any) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: Response(
                _guide_serializer(request)(selectors.guide_get(user=request.user, guide_id=guide_id)).data
            ),
        )

    @extend_schema(
        summary="Update a guide profile",
        description="Staff with `catalog.write`; a profile cannot move to another user. Audited.",
        request=GuideWriteSerializer(partial=True),
        responses={200: StaffGuideSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, guide_id: Any) -> Response:
        guide = selectors.guide_get(user=request.user, guide_id=guide_id)
        data = GuideWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "user" in changes and changes.pop("user") != guide.user:
            raise ValidationError({"user": ["A guide profile cannot move to another user."]})
        services.guide_update(actor=authenticated_user(request), guide=guide, changes=changes)
        return Response(StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide_id)).data)


@extend_schema(tags=["catalog"], parameters=[GUIDE_ID])
class GuidePhotoView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="guidePhotoUpload",
        summary="Upload a guide's photo",
        description="Staff with `catalog.write`, multipart `file`: JPEG, PNG or WebP, re-encoded to JPEG without "
        "EXIF. Audited.",
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: StaffGuideSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, guide_id: Any) -> Response:
        guide = selectors.guide_get(user=request.user, guide_id=guide_id)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.guide_set_photo(actor=authenticated_user(request), guide=guide, upload=data.validated_data["file"])
        return Response(StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide_id)).data)
