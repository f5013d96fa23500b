"""Add-ons API shapes: the catalog as trekkers read it and staff write it, the add-ons chosen for a booking
and a booking's add-on lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import AddOn, AddOnKind, BookingAddOn

MAX_PRICE = Decimal("10000000")  # INR 1 crore per unit: far above any add-on
MAX_GST_RATE = Decimal("0.28")


class AddOnChoiceSerializer(serializers.Serializer):
    add_on = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=20, required=False, default=1)
    size = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class AddOnChoicesField(serializers.ListField):
    child = AddOnChoiceSerializer()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)


class BookingAddOnsAddSerializer(serializers.Serializer):
    add_ons = AddOnChoicesField(min_length=1, help_text="The trek's add-ons to add (see `trekAddOnsList`).")


class AddOnAvailabilitySerializer(serializers.Serializer):
    size = serializers.CharField(help_text="Empty for an add-on without sizes")
    left = serializers.IntegerField(help_text="Units left on the departure")


class AddOnSerializer(serializers.ModelSerializer):
    stocked = serializers.SerializerMethodField(help_text="Limited units per departure")
    availability = serializers.SerializerMethodField(
        help_text="With `?batch=`: units left per size on that departure (stocked add-ons); else null"
    )
    sizes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = AddOn
        fields = [
            "id", "kind", "name", "description", "price", "gst_rate", "sizes", "stock_per_departure",
            "max_per_booking", "cutoff_days", "position", "is_active", "stocked", "availability",
        ]  # fmt: skip

    def get_stocked(self, add_on: AddOn) -> bool:
        return add_on.stock_per_departure is not None

    @extend_schema_field(AddOnAvailabilitySerializer(many=True, allow_null=True))
    def get_availability(self, add_on: AddOn) -> list[dict[str, Any]] | None:
        left = self.context.get("left")
        if left is None or add_on.stock_per_departure is None:
            return None
        return [{"size": size, "left": left.get((add_on.pk, size), 0)} for size in add_on.sizes or [""]]


def add_ons_text(lines: list[BookingAddOn]) -> str:
    """A booking's add-ons as the manifest and the guide read them: "Backpack offloading x1; Down jacket (M) x2"."""
    return "; ".join(f"{line.name}{f' ({line.size})' if line.size else ''} x{line.quantity}" for line in lines)


def _sizes(value: list[str]) -> list[str]:
    sizes = [size.strip() for size in value]
    if any(not size for size in sizes) or len(set(sizes)) != len(sizes):
        raise serializers.ValidationError("Sizes must be distinct and not blank.")
    return sizes


class AddOnWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AddOnKind.choices)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"), max_value=MAX_PRICE)
    gst_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=Decimal("0"), max_value=MAX_GST_RATE, help_text="0.1800 is 18 %"
    )
    sizes = serializers.ListField(
        child=serializers.CharField(max_length=20), max_length=20, required=False, default=list, validators=[]
    )
    stock_per_departure = serializers.IntegerField(
        min_value=0, max_value=100_000, required=False, allow_null=True, default=None
    )
    max_per_booking = serializers.IntegerField(min_value=1, max_value=20, required=False, default=6)
    cutoff_days = serializers.IntegerField(min_value=0, max_value=365, required=False, default=3)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    is_active = serializers.BooleanField(required=False, default=True)

    def validate_sizes(self, value: list[str]) -> list[str]:
        return _sizes(value)


class BookingAddOnSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookingAddOn
        fields = [
            "id", "add_on", "name", "kind", "size", "quantity", "unit_price", "gst_rate", "amount", "tax_amount",
            "total", "created_at",
        ]  # fmt: skip


class BookingAddOnsSerializer(serializers.Serializer):
    lines = BookingAddOnSerializer(many=True)
    add_ons_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    final_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance_due = serializers.DecimalField(max_digits=12, decimal_places=2)
