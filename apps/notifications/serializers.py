from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.notifications.models import Category, Channel, Device, Notification
from apps.notifications.policy import CONFIGURABLE_CHANNELS


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ("id", "category", "template", "title", "body", "data", "is_read", "read_at", "created_at")
        read_only_fields = fields


class UnreadQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllResponseSerializer(serializers.Serializer):
    updated = serializers.IntegerField()


# The channels a person may switch on or off per category (the inbox is always on).
PREFERENCE_CHANNELS = [(c, Channel(c).label) for c in CONFIGURABLE_CHANNELS]


class PreferenceChangeSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=PREFERENCE_CHANNELS)
    enabled = serializers.BooleanField()


class PreferencesUpdateSerializer(serializers.Serializer):
    preferences = serializers.ListField(child=PreferenceChangeSerializer(), allow_empty=False, max_length=50)


class CategoryPreferenceSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    name = serializers.CharField()
    locked = serializers.BooleanField(help_text="Security and emergency messages cannot be switched off.")
    channels = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "properties": {channel: {"type": "boolean"} for channel in CONFIGURABLE_CHANNELS},
            "required": list(CONFIGURABLE_CHANNELS),
        }
    )
    def get_channels(self, obj: dict[str, Any]) -> dict[str, bool]:
        return dict(obj["channels"])


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ("id", "platform", "last_seen_at", "created_at")
        read_only_fields = fields


class DeviceRegisterSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=512, trim_whitespace=True)
    platform = serializers.ChoiceField(choices=Device.Platform.choices)


class UnsubscribeSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=2000)


class UnsubscribeResponseSerializer(serializers.Serializer):
    category = serializers.CharField()
    channel = serializers.CharField()
    enabled = serializers.BooleanField()
