"""Pieces that exist only under ``config.settings.bench``: the floor endpoint, a query counter, the naive list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import PageNumberPagination
from apps.treks.models import Batch, Region, Trek

FLOOR_BODY = {"status": "ok", "service": "obs-experiences", "version": 1}


class FloorView(APIView):
    """The cheapest possible API answer through the same middleware, authentication and renderer."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(FLOOR_BODY)


@dataclass
class StatementCount:
    count: int = 0


@contextmanager
def count_statements() -> Iterator[StatementCount]:
    """Counts the SQL statements sent on the default connection inside the block."""
    counted = StatementCount()

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counted.count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield counted


class QueryCountMiddleware:
    """Adds ``X-Query-Count``: the SQL statements the request ran."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with count_statements() as statements:
            response = self.get_response(request)
        response["X-Query-Count"] = str(statements.count)
        return response


# --- the naive list: seed 000's TrekListSerializer and TrekViewSet list, as the tutorial wrote them -----------
# Kept only to measure how far the real list is from it. Per trek: the next batch is fetched twice and its
# booked seats counted (3 queries), on top of the page, the count and the itinerary prefetch.


class NaiveRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name", "slug"]


class NaiveTrekListSerializer(serializers.ModelSerializer):
    region = NaiveRegionSerializer(read_only=True)
    difficulty = serializers.CharField(source="get_difficulty_display")
    next_batch = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()

    class Meta:
        model = Trek
        fields = [
            "id", "name", "slug", "region", "difficulty", "max_altitude", "duration_days", "themes", "next_batch",
            "seats_left",
        ]  # fmt: skip

    @staticmethod
    def _active_batches(obj: Trek) -> QuerySet[Batch]:  # the tutorial's Trek.active_batches
        return obj.batches.filter(start_date__gte=timezone.now().date(), status=Batch.Status.OPEN).order_by(
            "start_date"
        )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_next_batch(self, obj: Trek) -> dict[str, Any] | None:
        batch = self._active_batches(obj).first()
        if batch:
            return {"start_date": batch.start_date, "price": batch.price}
        return None

    @extend_schema_field(OpenApiTypes.INT)
    def get_seats_left(self, obj: Trek) -> int:
        batch = self._active_batches(obj).first()  # the tutorial's Batch.available_seats
        return batch.total_seats - batch.bookings.filter(status__in=["confirmed", "pending"]).count() if batch else 0


class NaiveTrekListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = NaiveTrekListSerializer
    pagination_class = PageNumberPagination

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Trek]:
        qs = Trek.objects.select_related("region").prefetch_related("itinerary")
        return qs.filter(status="active").order_by("name")


# --- batches for the booking benchmarks -------------------------------------------------------------------
BOOKING_TREK_SLUG = "storm-bookings"  # a draft trek: never in the catalog, never counted by its builder


def retire_bench_batches() -> int:
    """Cancel the departures earlier runs left open or full on the booking benchmarks' trek; how many.

    Called as a benchmark starts, so the trek it books has only that run's departures however many runs came
    before: the card trigger rebuilds a trek's departures at every seat change, so their number shows in every
    booking. One seat change (pgbench, one client) cost 0.52 ms on a trek with 1 departure, 0.60 ms with 10 (a
    bench catalog trek) and 0.76 ms with the 31 that ten runs had left. A queryset update, not the cancellation
    service: these are bench departures of a draft trek, and nobody is to be told.
    """
    bookable = (Batch.Status.OPEN, Batch.Status.FULL)
    return Batch.objects.filter(trek__slug=BOOKING_TREK_SLUG, status__in=bookable).update(status=Batch.Status.CANCELLED)


def bench_booking_batch(*, seats: int, taken: int = 0) -> Batch:
    """A new open (or, with every seat taken, full) batch 60 days out on the booking benchmarks' own trek.

    The trek is a draft of a catalog region, so the catalog the list and detail are measured on, and the
    check that keeps ``build_bench_catalog`` from rebuilding it, are the same however many runs added batches.
    """
    region = Region.objects.order_by("slug").first()
    if region is None:
        raise RuntimeError("no region: run build_bench_catalog first")
    trek, _ = Trek.objects.get_or_create(
        slug=BOOKING_TREK_SLUG,
        defaults={
            "name": "Storm Bookings",
            "region": region,
            "description": "Bookings benchmark only.",
            "max_altitude": 3000,
            "total_distance": Decimal("10.0"),
            "duration_days": 4,
            "difficulty": Trek.Difficulty.EASY,
            "max_group_size": 20,
            "status": Trek.Status.DRAFT,
        },
    )
    start = timezone.localdate() + timedelta(days=60)
    return Batch.objects.create(
        trek=trek,
        start_date=start,
        end_date=start + timedelta(days=trek.duration_days - 1),
        total_seats=seats,
        seats_taken=taken,
        price=Decimal("9999.00"),
        status=Batch.Status.FULL if taken >= seats else Batch.Status.OPEN,
    )
