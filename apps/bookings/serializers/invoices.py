"""GST tax invoices and credit notes, and the booking's billing details they are made out to."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from apps.bookings.gst import STATE_CHOICES
from apps.bookings.models import Booking, TaxDocument
from apps.bookings.services.tax_documents import place_of_supply


class BillingInputSerializer(serializers.Serializer):
    billing_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Empty: the lead trekker's name"
    )
    billing_gstin = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="A registered buyer's GSTIN (15 characters, check character verified); empty for none",
    )
    billing_state = serializers.RegexField(
        r"^[0-9]{2}$",
        required=False,
        allow_blank=True,
        default="",
        help_text="GST state code of the buyer, two digits: "
        + ", ".join(f"`{code}` {name}" for code, name in STATE_CHOICES)
        + ". With a GSTIN it must be the GSTIN's (its first two digits) or empty",
    )


class BillingSerializer(serializers.ModelSerializer):
    place_of_supply = serializers.SerializerMethodField(help_text="GST state code the next invoices are billed to")
    supply_type = serializers.SerializerMethodField(help_text="`intra_state` (CGST + SGST) or `inter_state` (IGST)")

    class Meta:
        model = Booking
        fields = ["billing_name", "billing_gstin", "billing_state", "place_of_supply", "supply_type"]
        read_only_fields = fields

    def get_place_of_supply(self, booking: Booking) -> str:
        return place_of_supply(booking)

    def get_supply_type(self, booking: Booking) -> str:
        return "intra_state" if place_of_supply(booking) == settings.OBS_COMPANY_STATE else "inter_state"


class TaxDocumentSerializer(serializers.ModelSerializer):
    tax_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    original_number = serializers.SerializerMethodField(help_text="A credit note: the invoice it reduces")
    pdf_url = serializers.SerializerMethodField(help_text="The PDF (same access as this JSON)")

    class Meta:
        model = TaxDocument
        fields = [
            "id",
            "kind",
            "number",
            "financial_year",
            "issued_at",
            "booking",
            "payment",
            "refund",
            "credit_grant",
            "original_number",
            "place_of_supply",
            "inter_state",
            "taxable_amount",
            "cgst_amount",
            "sgst_amount",
            "igst_amount",
            "tax_amount",
            "total_amount",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_original_number(self, document: TaxDocument) -> str | None:
        return document.data.get("original_invoice")

    def get_pdf_url(self, document: TaxDocument) -> str:
        return reverse("tax-document-pdf", kwargs={"document_id": document.pk})


class TaxDocumentDetailSerializer(TaxDocumentSerializer):
    data = serializers.JSONField(  # type: ignore[assignment]  # declared fields leave the class: .data stands
        read_only=True,
        help_text="The document as issued: seller, buyer, place of supply, SAC, lines with their CGST/SGST or IGST, "
        "totals and the amount in words (amounts are strings of rupees)",
    )

    class Meta(TaxDocumentSerializer.Meta):
        fields = [*TaxDocumentSerializer.Meta.fields, "data"]
        read_only_fields = fields
