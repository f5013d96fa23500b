"""Input and output of the staff back-office API: customers, bookings taken for them, money recorded by hand.

What a customer page shows is decided by capability (``docs/api.md``, "Customers"): every holder of
``users.view`` sees names, loyalty, booking summaries; full phone and e-mail only with ``bookings.manage``
(whoever calls the customer or books for them), masked otherwise; incident summaries only with
``incidents.manage`` (no location, message or notes here: the incident's own page has them). Date of birth,
photo, bio, emergency contacts and sign-in data are never shown here.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import Booking, BookingSource, OfflineMethod, Payment, Refund
from apps.bookings.models.bookings import STAFF_SOURCE_CHOICES
from apps.bookings.serializers import BookingSerializer, ParticipantsField, PaymentSerializer
from apps.emergency.models import Incident
from apps.users.models import PointsTransaction, User
from apps.users.phones import PhoneNumberField, mask_phone


def mask_email(email: str | None) -> str | None:
    """``a***@example.com``: enough to tell two customers apart, not to write to them."""
    if not email:
        return None
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


class CustomerCreateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = PhoneNumberField(mobile=True, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["phone"] and not attrs["email"]:
            raise serializers.ValidationError({"phone": ["Give a phone number, an e-mail address or both."]})
        return attrs


class CustomerSerializer(serializers.ModelSerializer):
    """``context["contact"]``: the caller may see full phone and e-mail (``bookings.manage``)."""

    name = serializers.CharField(source="get_full_name")
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    bookings_count = serializers.IntegerField(required=False)

    class Meta:
        model = User
        fields = [
            "id", "name", "email", "email_verified", "phone", "phone_verified", "tribe_tier", "obs_points",
            "bookings_count", "is_active", "date_joined",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_email(self, user: User) -> str | None:
        return user.email if self.context.get("contact") else mask_email(user.email)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, user: User) -> str | None:
        if not user.phone:
            return None
        return user.phone if self.context.get("contact") else mask_phone(user.phone)


class CustomerBookingSerializer(serializers.ModelSerializer):
    trek_name = serializers.CharField(source="batch.trek.name")
    start_date = serializers.DateField(source="batch.start_date")
    balance_due = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id", "reference", "status", "source", "trek_name", "start_date", "seats", "final_amount",
            "amount_paid", "amount_refunded", "balance_due", "created_by", "agent_name", "created_at",
        ]  # fmt: skip


class PointsLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsTransaction
        fields = ["amount", "reason", "reference", "balance_after", "created_at"]


class CustomerIncidentSerializer(serializers.ModelSerializer):
    trek_name = serializers.CharField(source="batch.trek.name", allow_null=True, default=None)

    class Meta:
        model = Incident
        fields = ["id", "kind", "severity", "status", "received_at", "resolved_at", "trek_name"]


class CustomerDetailSerializer(serializers.Serializer):
    customer = serializers.SerializerMethodField()
    bookings = CustomerBookingSerializer(many=True)
    points = PointsLineSerializer(many=True, help_text="The latest 20 lines of the points ledger.")
    incidents = serializers.SerializerMethodField(help_text="Null unless the caller holds `incidents.manage`.")

    @extend_schema_field(CustomerSerializer)
    def get_customer(self, data: dict[str, Any]) -> dict[str, Any]:
        return CustomerSerializer(data["customer"], context=self.context).data

    @extend_schema_field(CustomerIncidentSerializer(many=True, allow_null=True))
    def get_incidents(self, data: dict[str, Any]) -> list[Any] | None:
        if not self.context.get("incidents"):
            return None
        return CustomerIncidentSerializer(data["incidents"], many=True).data  # type: ignore[return-value]


class StaffBookingCreateSerializer(serializers.Serializer):
    batch = serializers.UUIDField()
    participants = ParticipantsField(help_text="1 to 6 people; the first is the customer (the lead trekker).")
    coupon_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=STAFF_SOURCE_CHOICES)  # type: ignore[assignment]
    agent_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    agent_reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["source"] == BookingSource.AGENT and not attrs["agent_name"].strip():
            raise serializers.ValidationError({"agent_name": ["Name the agent who booked."]})
        return attrs


class OfflinePaymentSerializer(serializers.Serializer):
    amount_paise = serializers.IntegerField(min_value=1, max_value=10**12)
    method = serializers.ChoiceField(choices=OfflineMethod.choices)
    payment_reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", help_text="The UPI reference or bank UTR."
    )
    receipt_reference = serializers.CharField(max_length=64, help_text="The number of the receipt handed over.")


class OfflinePaymentRecordSerializer(PaymentSerializer):
    recorded_by = serializers.UUIDField(source="recorded_by_id", allow_null=True)

    class Meta(PaymentSerializer.Meta):
        model = Payment
        fields = [
            *PaymentSerializer.Meta.fields, "gateway", "payment_reference", "receipt_reference", "recorded_by",
            "captured_at",
        ]  # fmt: skip


class OfflinePaymentResultSerializer(serializers.Serializer):
    payment = OfflinePaymentRecordSerializer()
    booking = BookingSerializer()


class ManualRefundSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=OfflineMethod.choices)
    receipt_reference = serializers.CharField(
        max_length=64, help_text="The receipt given, or the UPI reference / UTR of the transfer back."
    )


class ManualRefundResultSerializer(serializers.ModelSerializer):
    booking = serializers.UUIDField(source="booking_id")
    settled_by = serializers.UUIDField(source="settled_by_id", allow_null=True)

    class Meta:
        model = Refund
        fields = [
            "id", "booking", "amount_paise", "status", "reason", "manual_method", "receipt_reference",
            "settled_by", "processed_at", "created_at",
        ]  # fmt: skip
