"""Input validation and output shapes of the emergency API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from apps.common.fields import FiniteFloatField
from apps.common.serializers import FieldsBuiltOnce
from apps.emergency.models import (
    CheckIn,
    Incident,
    IncidentKind,
    IncidentSeverity,
    IncidentSource,
    IncidentStatus,
    IncidentUpdate,
    LocationPing,
)
from apps.emergency.services import IncidentReport, Ping
from apps.emergency.services.intake import MESSAGE_MAX

MAX_PINGS = 500
# What a device or a guide may report; an ``overdue`` incident is opened only by a missed check-in.
REPORTED_KINDS = [(value, label) for value, label in IncidentKind.choices if value != IncidentKind.OVERDUE]


class ReportInputSerializer(FieldsBuiltOnce, serializers.Serializer):
    """Every field is optional: an SOS is never refused for a missing optional field."""

    latitude = FiniteFloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = FiniteFloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    accuracy_m = FiniteFloatField(required=False, allow_null=True, min_value=0, max_value=1_000_000)
    altitude_m = FiniteFloatField(required=False, allow_null=True, min_value=-500, max_value=10_000)
    battery_pct = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    message = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text=f"Kept up to {MESSAGE_MAX} characters"
    )
    kind = serializers.ChoiceField(choices=REPORTED_KINDS, required=False, default=IncidentKind.SOS)
    client_created_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the device raised it (an SOS may arrive hours late)"
    )

    def to_report(self) -> IncidentReport:
        data: dict[str, Any] = self.validated_data
        return IncidentReport(
            kind=data.get("kind") or IncidentKind.SOS,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"),
            altitude_m=data.get("altitude_m"),
            battery_pct=data.get("battery_pct"),
            message=data.get("message") or "",
            client_created_at=data.get("client_created_at"),
            severity=data.get("severity"),
        )


@extend_schema_serializer(component_name="SOS")
class SOSRequestSerializer(ReportInputSerializer):
    pass


class GuideReportSerializer(ReportInputSerializer):
    trekker = serializers.UUIDField(help_text="The trekker (of one of your batches) the incident is about")
    kind = serializers.ChoiceField(choices=REPORTED_KINDS)
    severity = serializers.ChoiceField(choices=IncidentSeverity.choices, required=False)


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_name(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.tribe_handle or obj.email or "")


class TrekkerSerializer(PersonSerializer):
    phone = serializers.CharField(allow_null=True)


class IncidentBatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    trek_name = serializers.CharField(source="trek.name")
    trek_slug = serializers.CharField(source="trek.slug")
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class LocationSerializer(serializers.Serializer):
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    accuracy_m = serializers.FloatField(allow_null=True)
    altitude_m = serializers.FloatField(allow_null=True)
    recorded_at = serializers.DateTimeField(source="location_at", allow_null=True)
    maps_url = serializers.CharField()


class IncidentSerializer(serializers.ModelSerializer):
    trekker = TrekkerSerializer(read_only=True)
    batch = IncidentBatchSerializer(read_only=True, allow_null=True)
    reported_by = PersonSerializer(read_only=True, allow_null=True)
    acknowledged_by = PersonSerializer(read_only=True, allow_null=True)
    resolved_by = PersonSerializer(read_only=True, allow_null=True)
    location = serializers.SerializerMethodField(help_text="The latest known location")

    class Meta:
        model = Incident
        fields = [
            "id",
            "status",
            "kind",
            "severity",
            "source",
            "trekker",
            "batch",
            "reported_by",
            "device_time",
            "received_at",
            "delayed",
            "location",
            "battery_pct",
            "message",
            "acknowledged_by",
            "acknowledged_at",
            "resolved_by",
            "resolved_at",
            "resolution_notes",
            "escalation_count",
            "next_escalation_at",
        ]
        read_only_fields = fields

    @extend_schema_field(LocationSerializer(allow_null=True))
    def get_location(self, obj: Incident) -> dict[str, Any] | None:
        if obj.latitude is None:
            return None
        return dict(LocationSerializer(obj).data)


# The fields ``incident_data`` formats values with: the ones ``IncidentSerializer`` builds, built once.
_UUID = serializers.UUIDField()
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()
_CHAR = serializers.CharField()
_INT = serializers.IntegerField()
_FLOAT = serializers.FloatField()
_BOOL = serializers.BooleanField()
_DECIMAL = serializers.DecimalField(max_digits=9, decimal_places=6)
_CHOICES = {
    "status": serializers.ChoiceField(choices=IncidentStatus.choices),
    "kind": serializers.ChoiceField(choices=IncidentKind.choices),
    "severity": serializers.ChoiceField(choices=IncidentSeverity.choices),
    "source": serializers.ChoiceField(choices=IncidentSource.choices),
}


def _or_none(field: serializers.Field, value: Any) -> Any:
    return None if value is None else field.to_representation(value)


def _person(user: Any, *, phone: bool = False) -> dict[str, Any] | None:
    if user is None:
        return None
    data = {
        "id": _UUID.to_representation(user.pk),
        "name": str(user.get_full_name() or user.tribe_handle or user.email or ""),
    }
    if phone:
        data["phone"] = _or_none(_CHAR, user.phone)
    return data


def incident_data(incident: Incident) -> dict[str, Any]:
    """What ``IncidentSerializer(incident).data`` gives, without DRF building a serializer's fields per call (an
    SOS answers with it). ``test_incident_data_is_what_the_serializer_gives`` holds the two equal."""
    batch = incident.batch
    location = None
    if incident.latitude is not None:
        location = {
            "latitude": _or_none(_DECIMAL, incident.latitude),
            "longitude": _or_none(_DECIMAL, incident.longitude),
            "accuracy_m": _or_none(_FLOAT, incident.accuracy_m),
            "altitude_m": _or_none(_FLOAT, incident.altitude_m),
            "recorded_at": _or_none(_DATETIME, incident.location_at),
            "maps_url": _CHAR.to_representation(incident.maps_url),
        }
    return {
        "id": _UUID.to_representation(incident.pk),
        **{name: _or_none(field, getattr(incident, name)) for name, field in _CHOICES.items()},
        "trekker": _person(incident.trekker, phone=True),
        "batch": None
        if batch is None
        else {
            "id": _UUID.to_representation(batch.pk),
            "trek_name": _or_none(_CHAR, batch.trek.name),
            "trek_slug": _or_none(_CHAR, batch.trek.slug),
            "start_date": _or_none(_DATE, batch.start_date),
            "end_date": _or_none(_DATE, batch.end_date),
        },
        "reported_by": _person(incident.reported_by),
        "device_time": _or_none(_DATETIME, incident.device_time),
        "received_at": _or_none(_DATETIME, incident.received_at),
        "delayed": _or_none(_BOOL, incident.delayed),
        "location": location,
        "battery_pct": _or_none(_INT, incident.battery_pct),
        "message": _or_none(_CHAR, incident.message),
        "acknowledged_by": _person(incident.acknowledged_by),
        "acknowledged_at": _or_none(_DATETIME, incident.acknowledged_at),
        "resolved_by": _person(incident.resolved_by),
        "resolved_at": _or_none(_DATETIME, incident.resolved_at),
        "resolution_notes": _or_none(_CHAR, incident.resolution_notes),
        "escalation_count": _or_none(_INT, incident.escalation_count),
        "next_escalation_at": _or_none(_DATETIME, incident.next_escalation_at),
    }


class IncidentUpdateSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True, allow_null=True)
    # Only status changes carry statuses; other entries answer null (not an empty string outside the enum).
    from_status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True, allow_null=True)
    to_status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True, allow_null=True)

    class Meta:
        model = IncidentUpdate
        fields = ["id", "kind", "author", "note", "from_status", "to_status", "latitude", "longitude", "created_at"]
        read_only_fields = fields

    def to_representation(self, instance: IncidentUpdate) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["from_status"] = data["from_status"] or None
        data["to_status"] = data["to_status"] or None
        return data


class LocationPingSerializer(serializers.ModelSerializer):
    class Meta:
        model = LocationPing
        fields = ["recorded_at", "latitude", "longitude", "accuracy_m", "altitude_m", "battery_pct"]
        read_only_fields = fields


class AlertSerializer(serializers.Serializer):
    occasion = serializers.SerializerMethodField(help_text="alert, escalation:<n> or safe")
    channel = serializers.CharField()
    recipient = serializers.SerializerMethodField(help_text="Phone numbers show their last four digits only")
    status = serializers.CharField(help_text="queued, sending, sent, failed or cancelled")
    attempts = serializers.IntegerField()
    sent_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()

    @extend_schema_field(serializers.CharField())
    def get_occasion(self, obj: Any) -> str:
        return str(obj.dedupe_key).split(":", 2)[-1]

    @extend_schema_field(serializers.CharField())
    def get_recipient(self, obj: Any) -> str:
        recipient = str(obj.recipient)
        if recipient.startswith("+"):
            return f"{recipient[:3]}{'*' * max(len(recipient) - 7, 0)}{recipient[-4:]}"
        if recipient.startswith("device:") and obj.user_id:
            return f"push device of {obj.user_id}"
        return recipient


class IncidentDetailSerializer(IncidentSerializer):
    timeline = IncidentUpdateSerializer(source="updates", many=True, read_only=True)
    breadcrumb = LocationPingSerializer(source="pings", many=True, read_only=True)
    alerts = serializers.SerializerMethodField(
        help_text="Every alert about this incident and its delivery state (staff and the batch's guide; "
        "null for the trekker). A contact message that failed with an unknown outcome is not resent: call them."
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "timeline", "breadcrumb", "alerts"]
        read_only_fields = fields

    @extend_schema_field(AlertSerializer(many=True, allow_null=True))
    def get_alerts(self, obj: Incident) -> list[dict[str, Any]] | None:
        alerts = self.context.get("alerts")
        if alerts is None:
            return None
        return list(AlertSerializer(alerts, many=True).data)


class IncidentNoteSerializer(serializers.Serializer):
    """A timeline entry: a note, a status change (with an optional note), or both."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("status") and not attrs.get("note", "").strip():
            raise serializers.ValidationError({"note": ["Give a note, a status, or both."]})
        return attrs


class ResolveSerializer(serializers.Serializer):
    resolution_notes = serializers.CharField(max_length=5000)


class FalseAlarmSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class PingInputSerializer(serializers.Serializer):
    recorded_at = serializers.DateTimeField(help_text="Device time of the fix; a time already sent is skipped")
    latitude = FiniteFloatField(min_value=-90, max_value=90)
    longitude = FiniteFloatField(min_value=-180, max_value=180)
    accuracy_m = FiniteFloatField(required=False, allow_null=True, min_value=0, max_value=1_000_000)
    altitude_m = FiniteFloatField(required=False, allow_null=True, min_value=-500, max_value=10_000)
    battery_pct = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)


class PingBatchSerializer(serializers.Serializer):
    pings = serializers.ListField(child=PingInputSerializer(), allow_empty=False, max_length=MAX_PINGS)

    def to_pings(self) -> list[Ping]:
        return [Ping(**row) for row in self.validated_data["pings"]]


class PingResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="New pings stored")
    duplicates = serializers.IntegerField(help_text="Pings whose device time was already stored")
    ignored = serializers.IntegerField(help_text="Pings recorded after the incident was closed")
    incident = IncidentSerializer()


class GeoJSONGeometrySerializer(serializers.Serializer):
    type = serializers.CharField()
    coordinates = serializers.ListField(child=serializers.FloatField())


class GeoJSONFeatureSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.UUIDField()
    geometry = GeoJSONGeometrySerializer()
    properties = serializers.DictField()


class GeoJSONFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = GeoJSONFeatureSerializer(many=True)


class CheckInArmSerializer(serializers.Serializer):
    place = serializers.CharField(max_length=120, help_text='Where you expect to be, e.g. "Juda ka Talab"')
    expected_at = serializers.DateTimeField(help_text="When you expect to check in there")
    latitude = FiniteFloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = FiniteFloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    alert_contacts = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also alert my emergency contacts if I am overdue (ops and the guide always are)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs.get("latitude") is None) != (attrs.get("longitude") is None):
            raise serializers.ValidationError({"longitude": ["Give both latitude and longitude, or neither."]})
        return attrs


class CheckInSerializer(serializers.ModelSerializer):
    user = PersonSerializer(read_only=True)
    batch = IncidentBatchSerializer(read_only=True)
    incident = serializers.UUIDField(source="incident_id", allow_null=True, read_only=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "status",
            "user",
            "batch",
            "place",
            "expected_at",
            "due_at",
            "latitude",
            "longitude",
            "alert_contacts",
            "checked_in_at",
            "incident",
            "created_at",
        ]
        read_only_fields = fields
