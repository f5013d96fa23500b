"""Coupons API shapes: the write serializer (shapes and bounds; the rules are ``coupon_check``'s, shared with the
admin's form) and the coupon as staff read it, with its usage."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.bookings.domain import coupon_state
from apps.bookings.models import Coupon

MAX_TOTAL_USES = 2_147_483_647  # PositiveIntegerField
MAX_PER_USER = 32_767  # PositiveSmallIntegerField


class CouponWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text="Stored upper-case; unique whatever the case.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=Coupon.Kind.choices)
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Percent (at most 100) or INR, more than 0."
    )
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(help_text="After valid_from; the coupon is refused from then on.")
    max_uses = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TOTAL_USES,
        allow_null=True,
        required=False,
        default=None,
        help_text="Null: no limit.",
    )
    per_user_limit = serializers.IntegerField(min_value=1, max_value=MAX_PER_USER, required=False, default=1)
    is_active = serializers.BooleanField(required=False, default=True)


class CouponSerializer(serializers.ModelSerializer):
    redemptions_total = serializers.IntegerField(
        read_only=True, help_text="Bookings that took the coupon, including those given back."
    )
    redemptions_released = serializers.IntegerField(
        read_only=True, help_text="Uses given back (a hold lapsed, or an unpaid booking was cancelled)."
    )
    remaining = serializers.SerializerMethodField(help_text="Uses left under max_uses; null: no limit.")
    state = serializers.SerializerMethodField(help_text="active, scheduled, expired, used_up or inactive.")

    class Meta:
        model = Coupon
        fields = (
            "id",
            "code",
            "description",
            "kind",
            "value",
            "valid_from",
            "valid_until",
            "max_uses",
            "per_user_limit",
            "is_active",
            "uses",
            "redemptions_total",
            "redemptions_released",
            "remaining",
            "state",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_remaining(self, coupon: Coupon) -> int | None:
        return None if coupon.max_uses is None else max(coupon.max_uses - coupon.uses, 0)

    def get_state(self, coupon: Coupon) -> str:
        return coupon_state(coupon, timezone.now())
