"""Guides: the public and staff shapes, and the input that creates or changes one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.treks.models import Guide, Region
from apps.treks.serializers.common import E164, RegionBriefSerializer, file_url, guide_name
from apps.users.models import User

# --- guides -------------------------------------------------------------------------------------


class GuideSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    photo = serializers.SerializerMethodField()
    regions = RegionBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Guide
        fields = ["id", "name", "bio", "photo", "years_exp", "regions", "certifications"]

    @extend_schema_field(serializers.CharField())
    def get_name(self, guide: Guide) -> str:
        return guide_name(guide)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo(self, guide: Guide) -> str | None:
        return file_url(guide.photo)


class StaffGuideSerializer(GuideSerializer):
    user = serializers.UUIDField(source="user_id", read_only=True)

    class Meta(GuideSerializer.Meta):
        fields = [*GuideSerializer.Meta.fields, "user", "satellite_phone", "is_active"]


class GuideWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    bio = serializers.CharField(allow_blank=True, default="")
    years_exp = serializers.IntegerField(min_value=0, max_value=80, default=0)
    regions = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Region.objects.all(),
        many=True,
        default=list,  # type: ignore[arg-type]
    )
    certifications = serializers.ListField(child=serializers.CharField(max_length=200), max_length=30, default=list)
    satellite_phone = serializers.CharField(max_length=20, allow_blank=True, default="")
    is_active = serializers.BooleanField(default=True)

    def validate_satellite_phone(self, value: str) -> str:
        if value and not E164.match(value):
            raise serializers.ValidationError("Use the international format, e.g. +881631234567.")
        return value
