"""Trek credit: a per-user ledger of credit taken instead of a refund, spent on later bookings, and expiring;
and the choice offered when a departure is cancelled (credit at a bonus or a full refund).

The ledger is append-only: a user's credit balance is the sum of their lines. Positive lines are grants
(each with its ``expires_at``), negative lines are redemptions (a booking paid with credit) and expiries.
Grants are spent earliest-expiring first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import Booking
from apps.bookings.models.payments import Payment
from apps.common.models import BaseModel

CREDIT_GATEWAY = "credit"


class CreditTransaction(BaseModel):
    """One line of a user's trek-credit ledger (INR, signed). Never updated nor deleted."""

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", "Taken instead of a cancellation refund"
        BATCH_CANCELLED = "batch_cancelled", "Taken when the departure was cancelled"
        RETURNED = "returned", "A payment made with credit, given back"
        REDEMPTION = "redemption", "Paid a booking"
        EXPIRY = "expiry", "Expired"

    GRANTS = (Reason.CANCELLATION, Reason.BATCH_CANCELLED, Reason.RETURNED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_transactions")
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Signed: positive for grants.")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_transactions"
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_transaction"
    )
    idempotency_key = models.CharField(max_length=160, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Grants only.")
    balance_after = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="credit_user_created_idx"),
            models.Index(fields=["expires_at"], name="credit_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_amount_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="credit_balance_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(
                        amount__gt=0,
                        expires_at__isnull=False,
                        reason__in=["cancellation", "batch_cancelled", "returned"],
                    )
                )
                | Q(amount__lt=0, expires_at__isnull=True, reason__in=["redemption", "expiry"]),
                name="credit_grant_expires_debit_not",
            ),
            models.CheckConstraint(
                condition=~Q(reason="redemption") | Q(payment__isnull=False), name="credit_redemption_has_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+} {self.reason} ({self.user_id})"


class CreditOffer(BaseModel):
    """A cancelled departure's booking: the trekker chooses credit at a bonus or a full refund until
    ``decide_by``; after that the default (``TREK_CREDIT_OFFER_DEFAULT``) is applied."""

    class Choice(models.TextChoices):
        PENDING = "pending", "Not chosen yet"
        CREDIT = "credit", "Trek credit"
        REFUND = "refund", "Refund"

    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="credit_offer")
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2)
    credit_amount = models.DecimalField(max_digits=12, decimal_places=2)
    credit_percent = models.PositiveSmallIntegerField()
    decide_by = models.DateTimeField()
    choice = models.CharField(max_length=10, choices=Choice.choices, default=Choice.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    defaulted = models.BooleanField(default=False, help_text="Settled by the default: nobody chose in time.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["choice", "decide_by"], name="credit_offer_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_amount__gt=0, credit_amount__gt=0), name="credit_offer_amounts_positive"
            ),
            models.CheckConstraint(condition=Q(choice__in=["pending", "credit", "refund"]), name="credit_offer_choice"),
            models.CheckConstraint(
                condition=Q(choice="pending", decided_at__isnull=True)
                | (~Q(choice="pending") & Q(decided_at__isnull=False)),
                name="credit_offer_decided_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.choice}"
