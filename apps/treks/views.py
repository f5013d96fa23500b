"""Catalog HTTP endpoints: public reads (cached, with ETags) and staff writes (capabilities, audited)."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import NotFound
from apps.common.pagination import PageNumberPagination
from apps.common.permissions import HasCapability
from apps.common.schema import error_responses
from apps.treks import selectors, services
from apps.treks.caching import cached_catalog_response
from apps.treks.filters import DEFAULT_TREK_ORDER, BatchFilter, TrekFilter
from apps.treks.models import Batch, TrekPhoto
from apps.treks.serializers import (
    BatchCancelSerializer,
    BatchSerializer,
    BatchWriteSerializer,
    FileUploadSerializer,
    GuideSerializer,
    GuideWriteSerializer,
    ItineraryDaySerializer,
    ItineraryWriteSerializer,
    PhotoOrderSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RegionSerializer,
    RegionWriteSerializer,
    StaffBatchSerializer,
    StaffGuideSerializer,
    TrekDetailSerializer,
    TrekListSerializer,
    TrekWriteSerializer,
)
from apps.users.roles import Capability

CatalogWrite = HasCapability(Capability.CATALOG_WRITE)
BatchesManage = HasCapability(Capability.BATCHES_MANAGE)
PAGING_PARAMS = frozenset({"page", "page_size"})
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)
BATCH_ID = OpenApiParameter("batch_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
GUIDE_ID = OpenApiParameter("guide_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PHOTO_ID = OpenApiParameter("photo_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def ReadOr(write_permission: type[BasePermission]) -> type[BasePermission]:
    """Anyone may read; writing needs ``write_permission``."""

    class _ReadOr(BasePermission):
        message = write_permission.message if hasattr(write_permission, "message") else None

        def has_permission(self, request: Request, view: Any) -> bool:
            if request.method in SAFE_METHODS:
                return True
            return bool(write_permission().has_permission(request, view))

    _ReadOr.__name__ = f"ReadOr({write_permission.__name__})"
    return _ReadOr


def _paginate(
    request: Request, view: APIView, queryset: Any, serializer_class: type[serializers.Serializer]
) -> Response:
    paginator = PageNumberPagination()
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _validated_filter(filterset: Any) -> Any:
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset


# --- regions ------------------------------------------------------------------------------------


class RegionListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(tags=["catalog"], responses={200: RegionSerializer(many=True), **error_responses(400)})
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: _paginate(request, self, selectors.region_list(), RegionSerializer)
        )

    @extend_schema(
        tags=["catalog"],
        request=RegionWriteSerializer,
        responses={201: RegionSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = RegionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = services.region_create(actor=request.user, **data.validated_data)
        return Response(RegionSerializer(selectors.region_get(slug=region.slug)).data, status=status.HTTP_201_CREATED)


class RegionDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(tags=["catalog"], parameters=[SLUG], responses={200: RegionSerializer, **error_responses(404)})
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: Response(RegionSerializer(selectors.region_get(slug=slug)).data)
        )

    @extend_schema(
        tags=["catalog"],
        parameters=[SLUG],
        request=RegionWriteSerializer(partial=True),
        responses={200: RegionSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        region = selectors.region_get(slug=slug)
        data = RegionWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.region_update(actor=request.user, region=region, changes=dict(data.validated_data))
        return Response(RegionSerializer(selectors.region_get(slug=slug)).data)


# --- treks --------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class TrekListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]
    filterset_class = TrekFilter

    @extend_schema(
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, description="Region slug(s), comma separated or repeated"),
            OpenApiParameter("difficulty", OpenApiTypes.STR, description="easy, moderate, difficult, very_difficult"),
            OpenApiParameter("status", OpenApiTypes.STR, description="Staff: draft, active, archived"),
            OpenApiParameter("duration_min", OpenApiTypes.INT),
            OpenApiParameter("duration_max", OpenApiTypes.INT),
            OpenApiParameter("altitude_min", OpenApiTypes.INT),
            OpenApiParameter("altitude_max", OpenApiTypes.INT),
            OpenApiParameter("price_min", OpenApiTypes.DECIMAL, description="Over upcoming open batches"),
            OpenApiParameter("price_max", OpenApiTypes.DECIMAL, description="Over upcoming open batches"),
            OpenApiParameter("month", OpenApiTypes.INT, description="1-12: an open batch starts in that month"),
            OpenApiParameter("start_after", OpenApiTypes.DATE),
            OpenApiParameter("start_before", OpenApiTypes.DATE),
            OpenApiParameter("theme", OpenApiTypes.STR, description="Theme(s), any of"),
            OpenApiParameter("available", OpenApiTypes.BOOL, description="Some upcoming batch has seats"),
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Full-text over name, region, themes, description"
            ),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                description="name, max_altitude, duration_days, price_from, next_departure (prefix - to reverse)",
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: TrekListSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        def build() -> Response:
            queryset = selectors.trek_list(user=request.user, today=services.local_today())
            if request.query_params.keys() - PAGING_PARAMS:
                filtered = _validated_filter(TrekFilter(request.query_params, queryset=queryset, request=request)).qs
            else:  # the home screen: no filters, so no filter set to build
                filtered = queryset.order_by(*DEFAULT_TREK_ORDER)
            return _paginate(request, self, selectors.trek_cards(filtered), TrekListSerializer)

        return cached_catalog_response(request, build)

    @extend_schema(request=TrekWriteSerializer, responses={201: TrekDetailSerializer, **error_responses(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = TrekWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trek = services.trek_create(actor=request.user, **data.validated_data)
        detail = selectors.trek_detail(user=request.user, slug=trek.slug, today=services.local_today())
        return Response(TrekDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(responses={200: TrekDetailSerializer, **error_responses(404)})
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            trek = selectors.trek_detail(user=request.user, slug=slug, today=services.local_today())
            return Response(TrekDetailSerializer(trek).data)

        return cached_catalog_response(request, build)

    @extend_schema(
        request=TrekWriteSerializer(partial=True),
        responses={200: TrekDetailSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = TrekWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.trek_update(actor=request.user, trek=trek, changes=dict(data.validated_data))
        detail = selectors.trek_detail(user=request.user, slug=slug, today=services.local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekArchiveView(APIView):
    permission_classes = [CatalogWrite]

    @extend_schema(request=None, responses={200: TrekDetailSerializer, **error_responses(401, 403, 404)})
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        services.trek_archive(actor=request.user, trek=trek)
        detail = selectors.trek_detail(user=request.user, slug=slug, today=services.local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekItineraryView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(responses={200: ItineraryDaySerializer(many=True), **error_responses(404)})
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            trek = selectors.trek_get(user=request.user, slug=slug, fields=("id",))
            return Response(ItineraryDaySerializer(trek.itinerary.order_by("day_number"), many=True).data)

        return cached_catalog_response(request, build)

    @extend_schema(
        request=ItineraryWriteSerializer,
        responses={200: ItineraryDaySerializer(many=True), **error_responses(400, 401, 403, 404)},
    )
    def put(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = ItineraryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        days = services.trek_set_itinerary(
            actor=request.user, trek=trek, days=[dict(d) for d in data.validated_data["days"]]
        )
        return Response(ItineraryDaySerializer(days, many=True).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekGPXView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: TrekDetailSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.trek_attach_gpx(actor=request.user, trek=trek, upload=data.validated_data["file"])
        detail = selectors.trek_detail(user=request.user, slug=slug, today=services.local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekRouteGeoJSONView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, **error_responses(404)})
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: Response(selectors.trek_route(user=request.user, slug=slug)),
            content_type="application/geo+json",
        )


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekCoverView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: TrekDetailSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.trek_set_cover(actor=request.user, trek=trek, upload=data.validated_data["file"])
        detail = selectors.trek_detail(user=request.user, slug=slug, today=services.local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekPhotosView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.trek_add_photo(
            actor=request.user, trek=trek, upload=data.validated_data["file"], caption=data.validated_data["caption"]
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekPhotoOrderView(APIView):
    permission_classes = [CatalogWrite]

    @extend_schema(
        request=PhotoOrderSerializer, responses={200: PhotoSerializer(many=True), **error_responses(400, 401, 403, 404)}
    )
    def put(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = PhotoOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.trek_reorder_photos(actor=request.user, trek=trek, photo_ids=data.validated_data["order"])
        return Response(PhotoSerializer(photos, many=True).data)


@extend_schema(tags=["catalog"], parameters=[SLUG, PHOTO_ID])
class TrekPhotoDetailView(APIView):
    permission_classes = [CatalogWrite]

    @extend_schema(request=None, responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request: Request, slug: str, photo_id: Any) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        photo = TrekPhoto.objects.filter(trek=trek, pk=photo_id).first()
        if photo is None:
            raise NotFound("No such photo.")
        services.trek_remove_photo(actor=request.user, photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- batches ------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekBatchesView(APIView):
    permission_classes = [ReadOr(BatchesManage)]

    @extend_schema(
        parameters=[
            OpenApiParameter("month", OpenApiTypes.INT, description="1-12"),
            OpenApiParameter("include_full", OpenApiTypes.BOOL, description="Also list full batches"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: BatchSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            params = _validated_filter(
                BatchFilter(request.query_params, queryset=Batch.objects.none())
            ).form.cleaned_data
            trek = selectors.trek_get(user=request.user, slug=slug, fields=("id", "slug", "name"))
            batches = selectors.trek_batches(
                trek=trek,
                today=services.local_today(),
                month=params.get("month"),
                include_full=bool(params.get("include_full")),
            )
            return _paginate(request, self, batches, BatchSerializer)

        return cached_catalog_response(request, build)

    @extend_schema(
        request=BatchWriteSerializer, responses={201: StaffBatchSerializer, **error_responses(400, 401, 403, 404)}
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = BatchWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_create(actor=request.user, trek=trek, **data.validated_data)
        return Response(StaffBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[BATCH_ID])
class BatchDetailView(APIView):
    permission_classes = [ReadOr(BatchesManage)]

    @extend_schema(responses={200: BatchSerializer, **error_responses(404)})
    def get(self, request: Request, batch_id: Any) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: Response(BatchSerializer(selectors.batch_get(user=request.user, batch_id=batch_id)).data)
        )

    @extend_schema(
        request=BatchWriteSerializer(partial=True),
        responses={200: StaffBatchSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, batch_id: Any) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        data = BatchWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        batch = services.batch_update(actor=request.user, batch=batch, changes=dict(data.validated_data))
        return Response(StaffBatchSerializer(selectors.batch_get(user=request.user, batch_id=batch.pk)).data)

    @extend_schema(request=None, responses={204: None, **error_responses(401, 403, 404, 409)})
    def delete(self, request: Request, batch_id: Any) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        services.batch_delete(actor=request.user, batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["catalog"], parameters=[BATCH_ID])
class BatchCancelView(APIView):
    permission_classes = [BatchesManage]

    @extend_schema(
        request=BatchCancelSerializer, responses={200: StaffBatchSerializer, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        batch = selectors.batch_get(user=request.user, batch_id=batch_id)
        data = BatchCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.batch_cancel(actor=request.user, batch=batch, reason=data.validated_data["reason"])
        return Response(StaffBatchSerializer(selectors.batch_get(user=request.user, batch_id=batch.pk)).data)


# --- guides -------------------------------------------------------------------------------------


def _guide_serializer(request: Request) -> type[GuideSerializer]:
    return StaffGuideSerializer if selectors.can_see_drafts(request.user) else GuideSerializer


@extend_schema(tags=["catalog"])
class GuideListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        parameters=[OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT)],
        responses={200: GuideSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: _paginate(request, self, selectors.guide_list(user=request.user), _guide_serializer(request)),
        )

    @extend_schema(
        request=GuideWriteSerializer, responses={201: StaffGuideSerializer, **error_responses(400, 401, 403, 409)}
    )
    def post(self, request: Request) -> Response:
        data = GuideWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guide = services.guide_create(actor=request.user, **data.validated_data)
        return Response(
            StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide.pk)).data, status=201
        )


@extend_schema(tags=["catalog"], parameters=[GUIDE_ID])
class GuideDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(responses={200: GuideSerializer, **error_responses(404)})
    def get(self, request: Request, guide_id: Any) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: Response(
                _guide_serializer(request)(selectors.guide_get(user=request.user, guide_id=guide_id)).data
            ),
        )

    @extend_schema(
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
        services.guide_update(actor=request.user, guide=guide, changes=changes)
        return Response(StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide_id)).data)


@extend_schema(tags=["catalog"], parameters=[GUIDE_ID])
class GuidePhotoView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: StaffGuideSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, guide_id: Any) -> Response:
        guide = selectors.guide_get(user=request.user, guide_id=guide_id)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.guide_set_photo(actor=request.user, guide=guide, upload=data.validated_data["file"])
        return Response(StaffGuideSerializer(selectors.guide_get(user=request.user, guide_id=guide_id)).data)
