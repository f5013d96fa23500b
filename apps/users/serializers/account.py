"""Input and output shapes of sign-in, profile, contacts, loyalty and staff endpoints."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.common.i18n import Language
from apps.users.models import TRIBE_HANDLE_PATTERN, EmergencyContact, PointsTransaction, User
from apps.users.phones import PhoneNumberField
from apps.users.roles import StaffRole
from apps.users.serializers.auth import TokenPairSerializer, UserSerializer


def _password(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"}, **kwargs)


class AccountMessageSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SignInResponseSerializer(TokenPairSerializer):
    user = UserSerializer()
    is_new_user = serializers.BooleanField()


class GoogleSignInSerializer(serializers.Serializer):
    id_token = serializers.CharField(max_length=8192, trim_whitespace=True)


class AppleSignInSerializer(serializers.Serializer):
    id_token = serializers.CharField(
        max_length=8192, trim_whitespace=True, help_text="The identity token Apple gave the app (a JWT)."
    )
    nonce = serializers.CharField(
        max_length=256,
        trim_whitespace=False,
        help_text="The raw nonce the app generated; the app gave Apple its SHA-256 (lower-case hex).",
    )
    first_name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="The given name Apple gave the app; Apple gives it on the first sign-in only.",
    )
    last_name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="The family name Apple gave the app; Apple gives it on the first sign-in only.",
    )


class OTPSendSerializer(serializers.Serializer):
    phone = PhoneNumberField(mobile=True, help_text="Mobile number; national numbers are read as Indian (+91).")


class OTPSendResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")
    resend_after = serializers.IntegerField(help_text="Seconds before another code can be requested.")


class OTPVerifySerializer(serializers.Serializer):
    phone = PhoneNumberField(mobile=True)
    code = serializers.CharField(max_length=12, trim_whitespace=True)


class EmailVerifySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


@extend_schema_serializer(component_name="PasswordReset")
class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = _password()


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password()
    new_password = _password()


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = _password(required=False, allow_blank=True, default="")


class AccountDeleteSerializer(serializers.Serializer):
    """Proof that the caller can sign in to the account now: the password, or for an account without one a
    fresh sign-in code for its verified phone (``otp``), a Google ID token of its Google account, or an Apple
    identity token of its Apple ID with the raw ``nonce``."""

    password = _password(required=False, allow_blank=True, default="", help_text="Accounts with a password.")
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text="Accounts without a password: a code from `auth/otp/send/` for the account's verified phone.",
    )
    id_token = serializers.CharField(
        max_length=8192,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Accounts without a password: a Google ID token of the Google account linked to it, or an Apple "
            "identity token of the linked Apple ID (with `nonce`)."
        ),
    )
    nonce = serializers.CharField(
        max_length=256,
        required=False,
        allow_blank=True,
        default="",
        help_text="With an Apple identity token: the raw nonce whose SHA-256 the app gave Apple.",
    )


class PhoneChangeSerializer(serializers.Serializer):
    phone = PhoneNumberField(mobile=True)


class PhoneChangeConfirmSerializer(serializers.Serializer):
    phone = PhoneNumberField(mobile=True)
    code = serializers.CharField(max_length=12, trim_whitespace=True)


class ProfileUpdateSerializer(serializers.Serializer):
    """The fields a user may edit. Anything else sent (points, tier, role, e-mail, phone...) is ignored."""

    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    tribe_handle = serializers.CharField(
        max_length=30, required=False, allow_null=True, allow_blank=True, help_text="3 to 30 of a-z, 0-9 and _."
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    experience_level = serializers.ChoiceField(choices=User.ExperienceLevel.choices, required=False)
    language = serializers.ChoiceField(
        choices=Language.choices, required=False, help_text="The language of the messages you receive (en, hi)."
    )

    def validate_tribe_handle(self, value: str | None) -> str | None:
        if not value:
            return None
        value = value.strip().lower()
        if not re.fullmatch(TRIBE_HANDLE_PATTERN, value):
            raise serializers.ValidationError("Use 3 to 30 lower-case letters, digits or underscores.")
        return value

    def validate_date_of_birth(self, value: datetime.date | None) -> datetime.date | None:
        if value is None:
            return None
        today = timezone.localdate()
        if value >= today or value.year < 1900:
            raise serializers.ValidationError("Enter a real date of birth.")
        return value


class ProfilePhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField(help_text="JPEG, PNG or WebP, at most 5 MB.")


class EmergencyContactSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField()

    class Meta:
        model = EmergencyContact
        fields = ["id", "name", "relationship", "phone", "email", "is_primary", "language", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "email": {"required": False},
            "is_primary": {"required": False},
            "language": {"required": False, "help_text": "The language of the SOS texts (en, hi); default: yours."},
        }


class PointsTransactionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsTransaction
        fields = ["id", "amount", "reason", "reference", "balance_after", "created_at"]
        read_only_fields = fields


class PointsLedgerPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PointsTransactionSerializer(many=True)


class PointsSummarySerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    tier = serializers.ChoiceField(choices=User.TribeTier.choices)
    tier_name = serializers.CharField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    perks = serializers.CharField()
    next_tier = serializers.ChoiceField(choices=User.TribeTier.choices, allow_null=True)
    next_tier_name = serializers.CharField(allow_null=True)
    next_tier_min_points = serializers.IntegerField(allow_null=True)
    points_to_next_tier = serializers.IntegerField(allow_null=True)
    ledger = PointsLedgerPageSerializer()


class StaffMemberSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "full_name",
            "staff_role",
            "is_active",
            "last_login",
        ]
        read_only_fields = fields


class RoleAssignSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=StaffRole.choices, allow_null=True, help_text="null removes the role.")
