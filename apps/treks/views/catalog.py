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
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import NotFound
from apps.common.pagination import PageNumberPagination, WindowCountPagination
from apps.common.renderers import GeoJSONRenderer
from apps.common.schema import error_responses
from apps.treks import selectors, services
from apps.treks.catalog_cache.responses import cached_catalog_response
from apps.treks.catalog_sql import trek_list_response
from apps.treks.domain import local_today
from apps.treks.errors import FileTooLarge, InvalidUpload, RegionExists, RouteNotFound
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
from apps.treks.views import examples
from apps.treks.views.common import (
    CATALOG_ETAG,
    PHOTO_ID,
    SLUG,
    paginate,
)
from apps.users.current import authenticated_user

# --- regions ------------------------------------------------------------------------------------


class RegionListView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=["catalog"],
        summary="List regions",
        description="Every region with its number of active treks, by name. Public, no sign-in." + CATALOG_ETAG,
        responses={200: RegionSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: paginate(request, self, selectors.region_list(), RegionSerializer)
        )

    @extend_schema(
        tags=["catalog"],
        summary="Create a region",
        description="Staff with `catalog.write`. The slug is made from the name; a name or slug that exists is "
        "409 `region_exists`. Audited.",
        request=RegionWriteSerializer,
        responses={201: RegionSerializer, **error_responses(400, 401, 403, RegionExists)},
    )
    def post(self, request: Request) -> Response:
        data = RegionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = services.region_create(actor=authenticated_user(request), **data.validated_data)
        return Response(RegionSerializer(selectors.region_get(slug=region.slug)).data, status=status.HTTP_201_CREATED)


class RegionDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        tags=["catalog"],
        summary="Get a region",
        description="One region by slug. Public." + CATALOG_ETAG,
        parameters=[SLUG],
        responses={200: RegionSerializer, **error_responses(404)},
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        return cached_catalog_response(
            request, lambda: Response(RegionSerializer(selectors.region_get(slug=slug)).data)
        )

    @extend_schema(
        tags=["catalog"],
        summary="Update a region",
        description="Staff with `catalog.write`: name, description. The slug never changes. Audited.",
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
        summary="List treks (the catalog)",
        description="Trek cards, public: active treks for everyone, drafts and archived ones too for staff with "
        "`catalog.write` or `batches.manage`. Filters take one value or several (`a,b` or repeated keys); the "
        "batch filters (`price_*`, `month`, `start_*`) must all hold for one upcoming open batch. `search` ranks "
        "by relevance unless `ordering` is given. A value that does not parse is 400 `validation_error` naming "
        "the parameter. Page-number pagination." + CATALOG_ETAG,
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
        examples=examples.TREK_LIST,
    )
    def get(self, request: Request) -> HttpResponseBase:
        return cached_catalog_response(request, lambda: trek_list_response(request, self))

    @extend_schema(
        summary="Create a trek",
        description="Staff with `catalog.write`. The slug is made from the name and made unique (`-2`, `-3`...); "
        "it never changes. A new trek is a draft until its status is set to active. Audited.",
        request=TrekWriteSerializer,
        responses={201: TrekDetailSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        data = TrekWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trek = services.trek_create(actor=authenticated_user(request), **data.validated_data)
        detail = selectors.trek_detail(user=request.user, slug=trek.slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekDetailView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        summary="Get a trek",
        description="Every field of a trek: itinerary, gallery, upcoming batches, guides, route. Public for an "
        "active trek; a draft or archived one is 404 but for staff with `catalog.write` or `batches.manage`."
        + CATALOG_ETAG,
        responses={200: TrekDetailSerializer, **error_responses(404)},
        examples=examples.TREK_DETAIL,
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            trek = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
            return Response(TrekDetailSerializer(trek).data)

        return cached_catalog_response(request, build)

    @extend_schema(
        summary="Update a trek",
        description="Staff with `catalog.write`: any field of the trek, the status included (draft, active, "
        "archived). Audited.",
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

    @extend_schema(
        summary="Archive a trek",
        description="Staff with `catalog.write`: hides the trek from the public catalog (its batches stay). Audited.",
        request=None,
        responses={200: TrekDetailSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        services.trek_archive(actor=authenticated_user(request), trek=trek)
        detail = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekItineraryView(APIView):
    permission_classes = [ReadOr(CatalogWrite)]

    @extend_schema(
        summary="Get a trek's itinerary",
        description="The days of the trek in order. Public for an active trek." + CATALOG_ETAG,
        responses={200: ItineraryDaySerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        def build() -> Response:
            trek = selectors.trek_get(user=request.user, slug=slug, fields=("id",))
            return Response(ItineraryDaySerializer(trek.itinerary.order_by("day_number"), many=True).data)

        return cached_catalog_response(request, build)

    @extend_schema(
        summary="Replace a trek's itinerary",
        description="Staff with `catalog.write`: the whole itinerary, one item per day of the trek, in order. Audited.",
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
        summary="Upload a file to a trek",
        description="Staff with `catalog.write`, multipart `file`.",
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: TrekDetailSerializer, **error_responses(400, InvalidUpload, 401, 403, 404, FileTooLarge)},
    )
    def post(self, request: Request, slug: str) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        data = FileUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.attach(actor=authenticated_user(request), trek=trek, upload=data.validated_data["file"])
        detail = selectors.trek_detail(user=request.user, slug=slug, today=local_today())
        return Response(TrekDetailSerializer(detail).data)


@extend_schema(tags=["catalog"], parameters=[SLUG])
@extend_schema_view(
    post=extend_schema(
        operation_id="trekGpxUpload",
        summary="Upload a trek's GPX route",
        description="Staff with `catalog.write`, multipart `file`: a GPX track of at most 5 MB. It becomes the "
        "trek's route (distance and elevation computed). Not GPX, broken XML, or a non-finite elevation or "
        "coordinate: 400 `invalid_upload`, nothing stored. Audited.",
    )
)
class TrekGPXView(_TrekFileView):
    attach = staticmethod(services.trek_attach_gpx)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekRouteGeoJSONView(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]  # Accept: application/geo+json is served, not refused

    @extend_schema(
        summary="Get a trek's route as GeoJSON",
        description="A GeoJSON `Feature` (`application/geo+json`) with the trek's track as a `LineString`, from "
        "its GPX. Public. A trek without a GPX is 404 `route_not_found`; errors are JSON envelopes." + CATALOG_ETAG,
        responses={(200, "application/geo+json"): OpenApiTypes.OBJECT, **error_responses(404, RouteNotFound)},
    )
    def get(self, request: Request, slug: str) -> HttpResponseBase:
        return cached_catalog_response(
            request,
            lambda: Response(selectors.trek_route(user=request.user, slug=slug)),
            content_type="application/geo+json",
        )


@extend_schema(tags=["catalog"], parameters=[SLUG])
@extend_schema_view(
    post=extend_schema(
        operation_id="trekCoverUpload",
        summary="Upload a trek's cover image",
        description="Staff with `catalog.write`, multipart `file`: JPEG, PNG or WebP up to 8 MB, re-encoded to "
        "JPEG without EXIF. Not an image: 400 `invalid_upload`. Audited.",
    )
)
class TrekCoverView(_TrekFileView):
    attach = staticmethod(services.trek_set_cover)


@extend_schema(tags=["catalog"], parameters=[SLUG])
class TrekPhotosView(APIView):
    permission_classes = [CatalogWrite]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Add a photo to a trek's gallery",
        description="Staff with `catalog.write`, multipart `file` and `caption`: JPEG, PNG or WebP up to 8 MB, "
        "re-encoded to JPEG without EXIF, appended to the gallery. Audited.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, **error_responses(400, InvalidUpload, 401, 403, 404, FileTooLarge)},
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
        summary="Reorder a trek's gallery",
        description="Staff with `catalog.write`: `order` lists every photo id of the trek once, in the new order.",
        request=PhotoOrderSerializer,
        responses={200: PhotoSerializer(many=True), **error_responses(400, 401, 403, 404)},
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

    @extend_schema(
        summary="Remove a photo from a trek's gallery",
        description="Staff with `catalog.write`. Audited.",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, slug: str, photo_id: Any) -> Response:
        trek = selectors.trek_get(user=request.user, slug=slug)
        photo = TrekPhoto.objects.filter(trek=trek, pk=photo_id).first()
        if photo is None:
            raise NotFound("No such photo.")
        services.trek_remove_photo(actor=authenticated_user(request), photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)
