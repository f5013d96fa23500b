"""Trek credit: the account and its ledger, paying with credit, the credit-or-refund choice of a cancelled
departure."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from apps.bookings.models import CreditOffer, CreditTransaction


class CreditTransactionSerializer(serializers.ModelSerializer):
    booking_reference = serializers.CharField(source="booking.reference", allow_null=True, default=None)

    class Meta:
        model = CreditTransaction
        fields = ["id", "amount", "reason", "booking_reference", "expires_at", "balance_after", "created_at"]


class CreditGrantSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="What is left of this grant.")
    expires_at = serializers.DateTimeField()


class CreditAccountSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Spendable now (rupees).")
    grants = CreditGrantSerializer(many=True, help_text="Credit left, soonest to expire first.")
    transactions = CreditTransactionSerializer(many=True, help_text="The latest 100 ledger lines, newest first.")


class CreditPaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Rupees to pay with credit; empty: as much of the balance due as the credit covers.",
    )


class CreditPaymentResultSerializer(serializers.Serializer):
    payment_id = serializers.UUIDField(source="payment.pk")
    amount_paise = serializers.IntegerField(source="payment.amount_paise")
    booking_status = serializers.CharField(source="booking.status")
    amount_paid = serializers.DecimalField(source="booking.amount_paid", max_digits=12, decimal_places=2)
    balance_due = serializers.DecimalField(source="booking.balance_due", max_digits=12, decimal_places=2)
    credit_balance = serializers.DecimalField(max_digits=12, decimal_places=2)


class CreditOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditOffer
        fields = [
            "refund_amount",
            "credit_amount",
            "credit_percent",
            "decide_by",
            "choice",
            "decided_at",
            "defaulted",
        ]


class CreditOfferChooseSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=[CreditOffer.Choice.CREDIT, CreditOffer.Choice.REFUND])
