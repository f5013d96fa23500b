"""Money through the gateway: payments, the webhook events that report them, refunds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import Booking
from apps.common.models import BaseModel


class PaymentStatus(models.TextChoices):
    CREATED = "created", "Order created"
    FAILED = "failed", "Failed"
    AUTHORIZED = "authorized", "Authorized"
    CAPTURED = "captured", "Captured"


OFFLINE_GATEWAY = "offline"


class OfflineMethod(models.TextChoices):
    """Money taken outside the gateway and recorded by staff (``Payment.gateway == "offline"``)."""

    CASH = "cash", "Cash"
    UPI = "upi", "UPI (with its reference)"
    BANK_TRANSFER = "bank_transfer", "Bank transfer (with its UTR)"


class Payment(BaseModel):
    """One gateway order for (part of) a booking's balance, and the payment that settled it; or money staff
    took outside the gateway (``gateway == "offline"``: cash, UPI, bank transfer), recorded already captured."""

    Status = PaymentStatus

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=20)
    gateway_order_id = models.CharField(max_length=64, unique=True)
    gateway_payment_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    amount_paise = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, default="INR")
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED)
    method = models.CharField(max_length=30, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # the gateway reported something that does not match the order: finance looks, nothing is confirmed
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    # offline payments: the UPI reference or bank UTR, the receipt handed over, who recorded it, and the
    # client's Idempotency-Key with a digest of what it was sent with (a replay answers the same payment)
    payment_reference = models.CharField(max_length=64, blank=True)
    receipt_reference = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)
    request_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_created_idx"),
            models.Index(fields=["captured_at"], name="payment_captured_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_paise__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"),
            models.CheckConstraint(condition=~Q(gateway_payment_id=""), name="payment_gateway_payment_id_not_blank"),
            models.CheckConstraint(
                condition=~Q(gateway=OFFLINE_GATEWAY) | (~Q(receipt_reference="") & Q(recorded_by__isnull=False)),
                name="payment_offline_has_receipt",
            ),
            models.UniqueConstraint(
                fields=["receipt_reference"],
                condition=Q(gateway=OFFLINE_GATEWAY),
                name="payment_offline_receipt_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.gateway_order_id

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_paise) / 100


class PaymentEvent(BaseModel):
    """A webhook delivery, recorded once per gateway event id."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=60)
    payload = models.JSONField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class Refund(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", "Cancelled by the trekker or staff"
        BATCH_CANCELLED = "batch_cancelled", "Departure cancelled"
        LATE_PAYMENT = "late_payment", "Paid after the hold lapsed, no seats left"
        OVERPAYMENT = "overpayment", "Paid for a booking that was no longer payable"
        PARTICIPANT_CANCELLED = "participant_cancelled", "One participant cancelled"
        TRANSFER = "transfer", "Moved to a cheaper departure"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_paise = models.PositiveBigIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    gateway_refund_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # paid back outside the gateway (cash, UPI, bank transfer) and marked so by finance
    manual_method = models.CharField(max_length=20, choices=OfflineMethod.choices, blank=True)
    receipt_reference = models.CharField(max_length=64, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_paise__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=~Q(gateway_refund_id=""), name="refund_gateway_id_not_blank"),
        ]

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_paise) / 100
