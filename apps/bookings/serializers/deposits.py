"""Deposits and balances: a booking's payment terms, its payment links, and the local payment page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.deposits import deposit_amount
from apps.bookings.models import Booking, BookingStatus, PaymentLink
from apps.bookings.pricing import format_inr, from_paise
from apps.treks.domain import local_today


class PaymentTermsSerializer(serializers.ModelSerializer):
    """What confirms the booking and when its balance is due (INR amounts in rupees)."""

    deposit_amount = serializers.SerializerMethodField(
        help_text="A pending booking whose trek takes a deposit: what confirms its seats today (INR). Null: pay "
        "in full."
    )
    balance_overdue = serializers.SerializerMethodField(help_text="Confirmed, balance unpaid after its due date.")

    class Meta:
        model = Booking
        fields = ["deposit_amount", "balance_due_date", "balance_overdue", "balance_overdue_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_deposit_amount(self, booking: Booking) -> str | None:
        return payment_terms_data(booking)["deposit_amount"]

    @extend_schema_field(serializers.BooleanField())
    def get_balance_overdue(self, booking: Booking) -> bool:
        return booking.balance_overdue_at is not None


def payment_terms_data(booking: Booking) -> dict[str, Any]:
    """What ``PaymentTermsSerializer(booking).data`` gives, for the create response's fast path."""
    deposit = deposit_amount(booking, today=local_today()) if booking.status == BookingStatus.PENDING else None
    return {
        "deposit_amount": None if deposit is None else f"{deposit:.2f}",
        "balance_due_date": booking.balance_due_date.isoformat() if booking.balance_due_date else None,
        "balance_overdue": booking.balance_overdue_at is not None,
        "balance_overdue_at": _WHEN.to_representation(booking.balance_overdue_at)
        if booking.balance_overdue_at
        else None,
    }


_WHEN = serializers.DateTimeField()


class PaymentLinkSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="INR (the gateway's `amount_paise` in rupees)."
    )
    status = serializers.CharField(source="payment.status", help_text="The link's payment: created, captured ...")

    class Meta:
        model = PaymentLink
        fields = [
            "id",
            "gateway_link_id",
            "url",
            "amount_paise",
            "amount",
            "status",
            "expires_at",
            "times_sent",
            "last_sent_at",
            "created_at",
        ]
        read_only_fields = fields


class PaymentLinkPageSerializer(serializers.ModelSerializer):
    """What the local payment page shows (no personal data: the link may be forwarded)."""

    booking_reference = serializers.CharField(source="booking.reference")
    trek_name = serializers.CharField(source="booking.batch.trek.name")
    start_date = serializers.DateField(source="booking.batch.start_date")
    amount_text = serializers.SerializerMethodField(help_text='The amount as people read it, e.g. "₹14,647.50".')
    status = serializers.CharField(source="payment.status")

    class Meta:
        model = PaymentLink
        fields = ["booking_reference", "trek_name", "start_date", "amount_paise", "amount_text", "status", "expires_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_amount_text(self, link: PaymentLink) -> str:
        return format_inr(from_paise(link.amount_paise))


class PaymentOrderQuerySerializer(serializers.Serializer):
    pay = serializers.ChoiceField(choices=["balance", "deposit"], default="balance", required=False)
