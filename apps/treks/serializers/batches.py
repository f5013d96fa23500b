"""The input that creates or changes a batch (its output shapes are part of the trek detail)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.treks.models import Guide
from apps.treks.serializers.common import E164

# --- batches ------------------------------------------------------------------------------------


class BatchWriteSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False)
    total_seats = serializers.IntegerField(min_value=1, max_value=100)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    guide = serializers.PrimaryKeyRelatedField(
        queryset=Guide.objects.all(), allow_null=True, required=False, default=None
    )
    satellite_phone = serializers.CharField(
        max_length=16, allow_blank=True, required=False, help_text="The group's satellite phone (E.164)."
    )

    def validate_satellite_phone(self, value: str) -> str:
        if value and not E164.match(value):
            raise serializers.ValidationError("Use the international format, e.g. +881631234567.")
        return value
