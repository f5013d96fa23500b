"""Regions and treks: the list and detail shapes (read from annotations) and the inputs that write them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.common.serializers import FieldsBuiltOnce
from apps.treks.domain import named_guide
from apps.treks.models import MAX_ALTITUDE_M, Batch, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.treks.serializers.common import (
    DIFFICULTY_LABELS,
    TENTH,
    DifficultySerializer,
    GuideBriefSerializer,
    NextBatchSerializer,
    RegionBriefSerializer,
    file_url,
    money,
    next_batch_of,
)


def _guide_brief(row: dict[str, Any]) -> dict[str, Any] | None:
    """A detail batch row's guide in the shape of :class:`GuideBriefSerializer` (None without a guide)."""
    if not row["guide_id"]:
        return None
    return {
        "id": str(uuid.UUID(row["guide_id"])),
        "name": named_guide(row["guide_first_name"], row["guide_last_name"], row["guide_tribe_handle"]),
        "years_exp": row["guide_years_exp"],
        "photo": default_storage.url(row["guide_photo"]) if row["guide_photo"] else None,
    }


# --- regions ------------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    active_treks = serializers.IntegerField(read_only=True, help_text="Number of active treks in the region.")

    class Meta:
        model = Region
        fields = ["slug", "name", "description", "active_treks"]


class RegionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")


# --- treks --------------------------------------------------------------------------------------


# Built by hand from the annotated row: this is the hottest endpoint.
@extend_schema_serializer(component_name="TrekCard")
class TrekListSerializer(serializers.Serializer):
    """One trek of the catalog, as a card: name, region, difficulty, altitude, duration, themes, cover image, the
    lowest price of an upcoming open departure (rupees, null when none) and the next departure."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Trek.Status.choices)
    region = RegionBriefSerializer()
    difficulty = DifficultySerializer()
    max_altitude = serializers.IntegerField()
    duration_days = serializers.IntegerField()
    total_distance = serializers.DecimalField(max_digits=6, decimal_places=1)
    themes = serializers.ListField(child=serializers.CharField())
    cover_image = serializers.URLField(allow_null=True)
    price_from = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    next_batch = NextBatchSerializer(allow_null=True)

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        """``row`` is a ``selectors.trek_cards`` row (a dict), not a model instance."""
        difficulty = row["difficulty"]
        cover = row["cover_image"]
        return {
            "slug": row["slug"],
            "name": row["name"],
            "status": row["status"],
            "region": {"slug": row["region__slug"], "name": row["region__name"]},
            "difficulty": {"value": difficulty, "label": DIFFICULTY_LABELS.get(difficulty, difficulty)},
            "max_altitude": row["max_altitude"],
            "duration_days": row["duration_days"],
            "total_distance": str(row["total_distance"]),
            "themes": row["themes"],
            "cover_image": default_storage.url(cover) if cover else None,
            "price_from": money(row["price_from"]),
            "next_batch": next_batch_of(row["next_batch_data"]),
        }


class ItineraryDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = TrekItineraryDay
        fields = [
            "day_number",
            "title",
            "camp_name",
            "altitude",
            "distance_km",
            "description",
            "meal_plan",
            "evacuation_notes",
            "nearest_medical_point",
        ]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TrekPhoto
        fields = ["id", "url", "caption", "position"]

    @extend_schema_field(serializers.URLField())
    def get_url(self, photo: TrekPhoto) -> str | None:
        return file_url(photo.image)


class BatchSerializer(serializers.ModelSerializer):
    trek = serializers.SerializerMethodField()
    seats_left = serializers.IntegerField(read_only=True)
    guide = GuideBriefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "trek",
            "start_date",
            "end_date",
            "price",
            "total_seats",
            "seats_left",
            "status",
            "guide",
        ]

    @extend_schema_field(RegionBriefSerializer)
    def get_trek(self, batch: Batch) -> dict[str, str]:
        return {"slug": batch.trek.slug, "name": batch.trek.name}


class StaffBatchSerializer(BatchSerializer):
    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "seats_taken", "satellite_phone", "created_at", "updated_at"]


class RouteSerializer(serializers.Serializer):
    distance_km = serializers.FloatField()
    elevation_gain_m = serializers.IntegerField()
    elevation_loss_m = serializers.IntegerField()
    min_altitude_m = serializers.IntegerField(allow_null=True)
    max_altitude_m = serializers.IntegerField(allow_null=True)
    bounds = serializers.DictField(child=serializers.FloatField())
    points = serializers.IntegerField()
    profile = serializers.ListField(child=serializers.DictField(child=serializers.FloatField()))
    geojson_url = serializers.CharField()
    gpx_url = serializers.CharField(allow_null=True)


class TrekDetailSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    region = RegionBriefSerializer(read_only=True)
    difficulty = serializers.SerializerMethodField()
    cover_image = serializers.SerializerMethodField()
    gallery = serializers.SerializerMethodField()
    itinerary = serializers.SerializerMethodField()
    batches = serializers.SerializerMethodField()
    guides = serializers.SerializerMethodField()
    route = serializers.SerializerMethodField()
    price_from = serializers.SerializerMethodField()
    next_batch = serializers.SerializerMethodField()

    class Meta:
        model = Trek
        fields = [
            "id",
            "slug",
            "name",
            "status",
            "region",
            "description",
            "max_altitude",
            "total_distance",
            "duration_days",
            "difficulty",
            "max_group_size",
            "themes",
            "best_months",
            "inclusions",
            "exclusions",
            "packing_list",
            "fitness_prep",
            "faqs",
            "cover_image",
            "gallery",
            "itinerary",
            "price_from",
            "next_batch",
            "batches",
            "guides",
            "route",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(DifficultySerializer)
    def get_difficulty(self, trek: Trek) -> dict[str, str]:
        return {"value": trek.difficulty, "label": DIFFICULTY_LABELS.get(trek.difficulty, trek.difficulty)}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover_image(self, trek: Trek) -> str | None:
        return file_url(trek.cover_image)

    # The lists come from ``selectors.trek_detail`` as rows of JSON built in SQL (``*_rows``).

    @extend_schema_field(PhotoSerializer(many=True))
    def get_gallery(self, trek: Trek) -> list[dict[str, Any]]:
        return [
            {
                "id": str(uuid.UUID(row["id"])),
                "url": default_storage.url(row["image"]) if row["image"] else None,
                "caption": row["caption"],
                "position": row["position"],
            }
            for row in trek.photo_rows  # type: ignore[attr-defined]
        ]

    @extend_schema_field(ItineraryDaySerializer(many=True))
    def get_itinerary(self, trek: Trek) -> list[dict[str, Any]]:
        return [
            {**row, "distance_km": str(Decimal(str(row["distance_km"])).quantize(TENTH))}
            for row in trek.itinerary_rows  # type: ignore[attr-defined]
        ]

    @extend_schema_field(BatchSerializer(many=True))
    def get_batches(self, trek: Trek) -> list[dict[str, Any]]:
        return [
            {
                "id": str(uuid.UUID(row["id"])),
                "trek": {"slug": trek.slug, "name": trek.name},
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "price": money(row["price"]),
                "total_seats": row["total_seats"],
                "seats_left": max(0, int(row["seats_left"])),
                "status": row["status"],
                "guide": _guide_brief(row),
            }
            for row in trek.batch_rows  # type: ignore[attr-defined]
        ]

    @extend_schema_field(GuideBriefSerializer(many=True))
    def get_guides(self, trek: Trek) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for row in trek.batch_rows:  # type: ignore[attr-defined]
            guide = _guide_brief(row)
            if guide is not None and row["guide_active"]:
                seen.setdefault(guide["id"], guide)
        return list(seen.values())

    @extend_schema_field(RouteSerializer(allow_null=True))
    def get_route(self, trek: Trek) -> dict[str, Any] | None:
        if not trek.route_stats:
            return None
        return {
            **trek.route_stats,
            "geojson_url": f"/api/v1/treks/{trek.slug}/route.geojson",
            "gpx_url": file_url(trek.gpx_file),
        }

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_price_from(self, trek: Trek) -> str | None:
        return money(getattr(trek, "price_from", None))

    @extend_schema_field(NextBatchSerializer(allow_null=True))
    def get_next_batch(self, trek: Trek) -> dict[str, Any] | None:
        return next_batch_of(getattr(trek, "next_batch_data", None))


class FAQSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=500)
    answer = serializers.CharField(max_length=5000)


class TrekWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    region = serializers.SlugRelatedField(slug_field="slug", queryset=Region.objects.all())
    description = serializers.CharField()
    max_altitude = serializers.IntegerField(min_value=0, max_value=MAX_ALTITUDE_M)
    total_distance = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0"))
    duration_days = serializers.IntegerField(min_value=1, max_value=60)
    difficulty = serializers.ChoiceField(choices=Trek.Difficulty.choices)
    max_group_size = serializers.IntegerField(min_value=1, max_value=100, default=20)
    themes = serializers.ListField(child=serializers.SlugField(max_length=40), max_length=20, default=list)
    best_months = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=12), max_length=12, default=list
    )
    inclusions = serializers.ListField(child=serializers.CharField(max_length=300), max_length=50, default=list)
    exclusions = serializers.ListField(child=serializers.CharField(max_length=300), max_length=50, default=list)
    packing_list = serializers.ListField(child=serializers.CharField(max_length=200), max_length=100, default=list)
    fitness_prep = serializers.CharField(allow_blank=True, default="")
    faqs = FAQSerializer(many=True, default=list)
    status = serializers.ChoiceField(choices=Trek.Status.choices, default=Trek.Status.DRAFT)
    deposit_kind = serializers.ChoiceField(
        choices=Trek.DepositKind.choices,
        default=Trek.DepositKind.NONE,
        help_text="`percent` of the price or `fixed` INR per participant confirms a booking; `none`: pay in full.",
    )
    deposit_value = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("1000000"), default=Decimal("0")
    )
    balance_due_days = serializers.IntegerField(
        min_value=0, max_value=365, default=30, help_text="The balance is due this many days before the start."
    )

    def validate_best_months(self, value: list[int]) -> list[int]:
        return sorted(set(value))

    def validate_faqs(self, value: list[dict[str, str]]) -> list[dict[str, str]]:
        return [dict(item) for item in value]


class ItineraryDayInSerializer(serializers.Serializer):
    day_number = serializers.IntegerField(min_value=1, required=False)
    title = serializers.CharField(max_length=200)
    camp_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    altitude = serializers.IntegerField(min_value=0, max_value=MAX_ALTITUDE_M)
    distance_km = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=Decimal("0"), default=Decimal(0))
    description = serializers.CharField(allow_blank=True, default="")
    meal_plan = serializers.CharField(max_length=100, allow_blank=True, default="")
    evacuation_notes = serializers.CharField(max_length=2000, allow_blank=True, default="")
    nearest_medical_point = serializers.CharField(max_length=300, allow_blank=True, default="")


class ItineraryWriteSerializer(serializers.Serializer):
    days = ItineraryDayInSerializer(many=True, allow_empty=False)


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    caption = serializers.CharField(max_length=200, allow_blank=True, default="")


class PhotoOrderSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.UUIDField(), allow_empty=True)
