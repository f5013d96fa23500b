"""Input and output shapes of booking changes: participants added, edited or cancelled, transfers, their quotes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from apps.bookings.serializers.paperwork import ParticipantInputSerializer
from apps.bookings.services.change_quotes import ChangeKind
from apps.treks.models import EXPERIENCE_LEVELS


def _money(help_text: str | None = None) -> serializers.DecimalField:
    """An amount in rupees (a decimal string with 2 places)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, help_text=help_text)


class ParticipantsAddSerializer(serializers.Serializer):
    participants = serializers.ListField(
        child=ParticipantInputSerializer(),
        min_length=1,
        max_length=settings.BOOKINGS_MAX_PARTICIPANTS - 1,
        help_text="The people to add (a booking holds at most 6 in all).",
    )


class ParticipantsAddQuoteQuerySerializer(serializers.Serializer):
    count = serializers.IntegerField(
        min_value=1, max_value=settings.BOOKINGS_MAX_PARTICIPANTS - 1, help_text="How many people to add."
    )


class ParticipantUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    age = serializers.IntegerField(min_value=1, max_value=100, required=False)
    phone = serializers.RegexField(r"^\+[1-9]\d{7,14}$", required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    experience_level = serializers.ChoiceField(choices=EXPERIENCE_LEVELS, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Give at least one of name, age, phone, email, experience_level.")
        return attrs


class ChangeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class TransferSerializer(ChangeReasonSerializer):
    batch = serializers.UUIDField(help_text="The departure to move to (this trek's or another's).")


class TransferQuoteQuerySerializer(serializers.Serializer):
    batch = serializers.UUIDField(help_text="The departure to move to.")


class QuotePricingSerializer(serializers.Serializer):
    """The people on the booking after the change, priced like a booking (before ``change_fees``)."""

    unit_price = _money()
    seats = serializers.IntegerField()
    base_amount = _money()
    tier_discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    tier_discount = _money()
    coupon_discount = _money()
    taxable_amount = _money()
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    tax_amount = _money()
    final_amount = _money()


class ChangeQuoteSerializer(serializers.Serializer):
    """What a change would do to the booking's price and money (rupees), changing nothing."""

    kind = serializers.ChoiceField(
        choices=[ChangeKind.ADD_PARTICIPANTS, ChangeKind.CANCEL_PARTICIPANT, ChangeKind.TRANSFER]
    )
    days_before_start = serializers.IntegerField()
    batch_from = serializers.UUIDField()
    batch_to = serializers.UUIDField()
    seats_before = serializers.IntegerField()
    seats_after = serializers.IntegerField()
    pricing = QuotePricingSerializer()
    change_fees_after = _money("Transfer fees and cancellation charges kept.")
    final_amount_before = _money()
    final_amount_after = _money("pricing.final_amount + change_fees_after")
    fee = _money("This change's transfer fee, or the part of the cancelled participant's share kept.")
    refund_percent = serializers.IntegerField(
        allow_null=True, help_text="Policy percentage of the cancelled participant's paid share refunded."
    )
    refund_amount = _money()
    net_paid_before = _money("Paid less refunded, before the change.")
    balance_due_after = _money()
