from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.users.models import User


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2048)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """The signed-in user's own account."""

    full_name = serializers.CharField(source="get_full_name", read_only=True)
    profile_photo = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "email_verified",
            "phone",
            "phone_verified",
            "first_name",
            "last_name",
            "full_name",
            "bio",
            "profile_photo",
            "tribe_handle",
            "date_of_birth",
            "experience_level",
            "language",
            "tribe_tier",
            "obs_points",
            "staff_role",
            "date_joined",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_profile_photo(self, obj: User) -> str | None:
        return obj.profile_photo.url if obj.profile_photo else None


class RegisterResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()
