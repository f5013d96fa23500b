"""The guide's day: my departures with their readiness, the roster, base and camp check-ins."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import BaseCheckIn, CampCheckIn
from apps.common.fields import FiniteFloatField
from apps.common.geo import to_coordinate


class ReadinessSerializer(serializers.Serializer):
    bookings = serializers.IntegerField(help_text="Confirmed bookings")
    participants = serializers.IntegerField()
    documents_complete = serializers.IntegerField(help_text="Bookings with nothing missing on the checklist")
    contact_present = serializers.IntegerField(help_text="Bookings with an emergency contact on file")
    paid = serializers.IntegerField(help_text="Bookings paid in full")


class DepartureSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    trek_name = serializers.CharField(source="trek.name")
    trek_slug = serializers.CharField(source="trek.slug")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    status = serializers.CharField()
    total_seats = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    current = serializers.BooleanField(help_text="On the mountain today")
    readiness = ReadinessSerializer()


class RosterContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    relation = serializers.CharField()
    phone = serializers.CharField()


class BaseCheckInSerializer(serializers.Serializer):
    status = serializers.CharField()
    note = serializers.CharField()
    marked_at = serializers.DateTimeField()
    marked_by = serializers.CharField(allow_null=True)


class RosterRowSerializer(serializers.Serializer):
    participant_id = serializers.UUIDField()
    booking_reference = serializers.CharField()
    position = serializers.IntegerField()
    is_lead = serializers.BooleanField()
    name = serializers.CharField()
    age = serializers.IntegerField()
    phone = serializers.CharField()
    missing_documents = serializers.ListField(child=serializers.CharField())
    fitness_status = serializers.CharField()
    health_flags = serializers.ListField(child=serializers.CharField(), help_text="From this participant's declaration")
    emergency_contact = RosterContactSerializer(allow_null=True)
    paid = serializers.BooleanField()
    add_ons = serializers.CharField(help_text="The booking's add-ons (offloading, rental sizes...), on its lead's row")
    base_check_in = BaseCheckInSerializer(allow_null=True)


class BaseCheckInInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=BaseCheckIn.Status.choices)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CampCheckInInputSerializer(serializers.Serializer):
    camp = serializers.CharField(max_length=120)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    latitude = FiniteFloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = FiniteFloatField(required=False, allow_null=True, min_value=-180, max_value=180)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError({"longitude": ["Give both latitude and longitude, or neither."]})
        for name in ("latitude", "longitude"):
            attrs[name] = to_coordinate(attrs.get(name))
        return attrs


class CampCheckInSerializer(serializers.ModelSerializer):
    posted_by = serializers.SerializerMethodField()

    class Meta:
        model = CampCheckIn
        fields = ["id", "camp", "day", "note", "latitude", "longitude", "posted_by", "posted_at"]

    @extend_schema_field(serializers.CharField())
    def get_posted_by(self, obj: CampCheckIn) -> str:
        return str(obj.posted_by.get_full_name() or obj.posted_by.email or "")
