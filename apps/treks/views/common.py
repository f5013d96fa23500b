"""Helpers shared by the catalog views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import PageNumberPagination

PAGING_PARAMS = frozenset({"page", "page_size"})
SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH)
BATCH_ID = OpenApiParameter("batch_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
GUIDE_ID = OpenApiParameter("guide_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PHOTO_ID = OpenApiParameter("photo_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def paginate(
    request: Request, view: APIView, queryset: Any, serializer_class: type[serializers.Serializer]
) -> Response:
    paginator = (getattr(view, "pagination_class", None) or PageNumberPagination)()
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def validated_filter(filterset: Any) -> Any:
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset


# The end of the description of every cached catalog read (cached_catalog_response).
CATALOG_ETAG = " Answers an `ETag`: send it back in `If-None-Match` and an unchanged catalog answers 304 with no body."
