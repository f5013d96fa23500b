"""Regions and treks: public reads (cached, with ETags) and staff writes (catalog.write, audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import NotFound
from apps.common.pagination import PageNumberPagination, WindowCountPagination
from apps.common.schema import error_responses
from apps.treks import selectors, services
from apps.treks.catalog_cache.responses import cached_catalog_response
from apps.treks.catalog_sql import trek_list_response
from apps.treks.domain import local_today
from apps.treks.filters import TrekFilter
from apps.treks.models import TrekPhoto
from apps.treks.permissions import CatalogWrite, ReadOr
from apps.treks.serializers import (
    FileUploadSerializer,
    ItineraryDaySerializer,
    ItineraryWriteSerializer,
    PhotoOrderSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RegionSerializer,
    RegionWriteSerializer,
    TrekDetailSerializer,
    TrekListSerializer,
    TrekWriteSerializer,
)
from apps.treks.views.common import (
    PHOTO_ID,
    SLUG,
    paginate,
)
from apps.users.current import authenticated_user

# --- regions ------------------------------------------------------------------------------------


class RegionListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["catalog"], responses={200: RegionSerializer(many=True), **error_responses(400, 404)})
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: paginate(request, self, selectors.region_list(), RegionSerializer)
        )

    @extend_schema(
        tags=["catalog"],
        request=RegionWriteSerializer,
        responses={201: RegionSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request: Request) -> Response:
        data = RegionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = services.region_create(actor=authenticated_user(request), **data.validated_data)
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
        services.region_update(actor=authenticated_user(request), region=region, changes=dict(data.validated_data))
        return Response(RegionSerializer(selectors.region_get(slug=slug)).data)


# --- treks --------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class TrekListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]
    pagination_class = WindowCountPagination
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
        responses={200: TrekListSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(request, lambda: trek_list_response(request, self))

    @extend_schema(request=TrekWriteSerializer, responses={201: TrekDetailSerializer, **error_responses(400, 401, 403)})
    def post(self, request: Request) -> Response:
        data = TrekWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trek = services.trek_create(actor=authenticated_user(request), **data.validated_data)
        detail = selectors.trek_detail(user=request.user, slug=trek.slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(responses={200: TrekDetailSerializer, **error_responses(404)})
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            trek = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
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
        services.trek_update(actor=authenticated_user(request), trek=trek, changes=dict(data.validated_data))
        detail = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekArchiveView(APIView):
    permission_classes = [CatalogWrite]

    @extend_schema(request=None, responses={200: TrekDetailSerializer, **error_responses(401, 403, 404)})
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        services.trek_archive(actor=authenticated_user(request), trek=trek)
        detail = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
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
            actor=authenticated_user(request), trek=trek, days=[dict(d) for d in data.validated_data["days"]]
        )
        return Response(ItineraryDaySerializer(days, many=True).data)


# Upload one file onto a trek through ``attach`` (a catalog service) and answer the updated detail.
class _TrekFileView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]
    attach: Callable[..., Any]

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: TrekDetailSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.attach(actor=authenticated_user(request), trek=trek, upload=data.validated_data["file"])
        detail = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
@extend_schema_view(post=extend_schema(operation_id="trekGpxUpload"))
class TrekGPXView(_TrekFileView):
    attach = staticmethod(services.trek_attach_gpx)


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
@extend_schema_view(post=extend_schema(operation_id="trekCoverUpload"))
class TrekCoverView(_TrekFileView):
    attach = staticmethod(services.trek_set_cover)


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
            actor=authenticated_user(request),
            trek=trek,
            upload=data.validated_data["file"],
            caption=data.validated_data["caption"],
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
        photos = services.trek_reorder_photos(
            actor=authenticated_user(request), trek=trek, photo_ids=data.validated_data["order"]
        )
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
        services.trek_remove_photo(actor=authenticated_user(request), photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)
