"""GST tax documents: a tax invoice for every captured payment, a credit note for every refund and for every grant
of trek credit given instead of a refund, numbered without gaps per series and financial year.

A :class:`TaxDocument` is written once, in the transaction that records its payment or refund, and never changed:
``data`` is the whole document as issued (seller, buyer, lines, tax split, words), so its JSON and its PDF read
the same tomorrow whatever happens to the booking, the trek or the settings. The number comes from the
:class:`TaxDocumentCounter` row of its series and year, locked in that same transaction: a rolled-back payment
takes no number, two payments at once take consecutive ones.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import Booking
from apps.bookings.models.credit import CreditTransaction
from apps.bookings.models.payments import Payment, Refund
from apps.common.models import BaseModel


class TaxDocumentKind(models.TextChoices):
    INVOICE = "invoice", "Tax invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class TaxDocumentCounter(models.Model):
    """The last number issued in one series (``OBS``) of one financial year (``2026-27``)."""

    series = models.CharField(max_length=10)
    financial_year = models.CharField(max_length=7)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "financial_year"], name="tax_counter_series_year_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series}/{self.financial_year}: {self.last_number}"


class TaxDocument(BaseModel):
    Kind = TaxDocumentKind

    kind = models.CharField(max_length=12, choices=TaxDocumentKind.choices)
    number = models.CharField(max_length=30, unique=True)
    series = models.CharField(max_length=10)
    financial_year = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="tax_documents")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="tax_invoice")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note")
    # a credit note for trek credit given instead of a refund (the ledger's grant), in place of ``refund``
    credit_grant = models.OneToOneField(
        CreditTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    # a credit note names the invoice it reduces (None for a payment captured before invoices were issued)
    original = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes")
    place_of_supply = models.CharField(max_length=2)
    inter_state = models.BooleanField()
    # INR, the document's totals (lines and everything else are in ``data``)
    taxable_amount = models.DecimalField(max_digits=12, decimal_places=2)
    cgst_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    sgst_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    igst_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    data = models.JSONField()

    class Meta:
        ordering = ["-issued_at", "-sequence"]
        indexes = [models.Index(fields=["issued_at"], name="taxdoc_issued_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "financial_year", "sequence"], name="taxdoc_series_year_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=TaxDocumentKind.values), name="taxdoc_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="invoice", payment__isnull=False, refund__isnull=True, credit_grant__isnull=True)
                | Q(kind="credit_note", payment__isnull=True, refund__isnull=False, credit_grant__isnull=True)
                | Q(kind="credit_note", payment__isnull=True, refund__isnull=True, credit_grant__isnull=False),
                name="taxdoc_invoice_payment_note_refund_or_grant",
            ),
            models.CheckConstraint(
                condition=Q(
                    taxable_amount__gte=0,
                    cgst_amount__gte=0,
                    sgst_amount__gte=0,
                    igst_amount__gte=0,
                    total_amount__gt=0,
                ),
                name="taxdoc_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(inter_state=True, cgst_amount=0, sgst_amount=0) | Q(inter_state=False, igst_amount=0),
                name="taxdoc_igst_or_cgst_sgst",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def tax_amount(self) -> Decimal:
        return self.cgst_amount + self.sgst_amount + self.igst_amount
