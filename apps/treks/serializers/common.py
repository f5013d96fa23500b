"""What the catalog shapes share: money and file URLs, guide names, the small nested shapes."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django.db.models.fields.files import FieldFile
from rest_framework import serializers

from apps.treks.domain import guide_name
from apps.treks.models import Batch, Guide, Trek

DIFFICULTY_LABELS = dict(Trek.Difficulty.choices)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def file_url(field: FieldFile | None) -> str | None:
    return field.url if field else None


def money(value: Any) -> str | None:
    return None if value is None else str(Decimal(str(value)).quantize(CENT))


# --- small nested shapes ------------------------------------------------------------------------


class RegionBriefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class DifficultySerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=Trek.Difficulty.choices)
    label = serializers.CharField()  # type: ignore[assignment]


class NextBatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    seats_left = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Batch.Status.choices)


def next_batch_of(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``next_batch_data`` annotation (a JSON object built in SQL) in its public shape."""
    if not data:
        return None
    return {
        "id": str(uuid.UUID(str(data["id"]))),
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "price": money(data["price"]),
        "seats_left": max(0, int(data["seats_left"])),
        "status": data["status"],
    }


class GuideBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    years_exp = serializers.IntegerField()
    photo = serializers.URLField(allow_null=True)

    def to_representation(self, guide: Guide) -> dict[str, Any]:
        return {
            "id": str(guide.pk),
            "name": guide_name(guide),
            "years_exp": guide.years_exp,
            "photo": file_url(guide.photo),
        }
