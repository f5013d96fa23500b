"""The revenue report: its query and its rows (money, and the GST of the tax documents issued)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers


class RevenueQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=["trek", "month"], default="month")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        if (attrs["date_to"] - attrs["date_from"]).days > settings.BOOKINGS_REPORT_MAX_DAYS:
            raise serializers.ValidationError({"date_to": [f"At most {settings.BOOKINGS_REPORT_MAX_DAYS} days."]})
        return attrs


class RevenueRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Trek slug, or the first day of the month")
    label = serializers.CharField()  # type: ignore[assignment]
    bookings = serializers.IntegerField()
    payments = serializers.IntegerField()
    gross_paise = serializers.IntegerField()
    refunded_paise = serializers.IntegerField()
    net_paise = serializers.IntegerField()
    taxable_paise = serializers.IntegerField(
        help_text="Taxable value of the tax invoices issued in the range, less that of the credit notes"
    )
    cgst_paise = serializers.IntegerField(help_text="CGST invoiced less CGST credited (same-state supplies)")
    sgst_paise = serializers.IntegerField(help_text="SGST invoiced less SGST credited (same-state supplies)")
    igst_paise = serializers.IntegerField(help_text="IGST invoiced less IGST credited (supplies to other states)")
    gst_paise = serializers.IntegerField(help_text="cgst_paise + sgst_paise + igst_paise")
