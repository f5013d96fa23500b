"""The input that creates or changes a batch (its output shapes are part of the trek detail)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.treks.models import Guide

# --- batches ------------------------------------------------------------------------------------


class BatchWriteSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False)
    total_seats = serializers.IntegerField(min_value=1, max_value=100)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    guide = serializers.PrimaryKeyRelatedField(
        queryset=Guide.objects.all(), allow_null=True, required=False, default=None
    )
