"""Participants and their paperwork: the participant input (with experience), each participant's checklist,
document uploads and staff review."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import Booking, BookingDocument, BookingParticipant
from apps.bookings.paperwork import fitness_state, participant_missing
from apps.bookings.services.documents import document_download_token
from apps.treks.models import EXPERIENCE_LEVELS

CHECKLIST_KINDS = [
    ("health_declaration", "Health declaration"),
    ("waiver", "Waiver"),
    ("id_document", "Photo ID"),
    ("fitness_proof", "Fitness proof"),
]
FITNESS_STATES = ["missing", *BookingDocument.Status.values]


class ParticipantInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    age = serializers.IntegerField(min_value=1, max_value=100)
    phone = serializers.RegexField(r"^\+[1-9]\d{7,14}$", required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    experience_level = serializers.ChoiceField(
        choices=EXPERIENCE_LEVELS,
        required=False,
        help_text="Trekking experience, checked against the trek's least level; the lead's defaults to the "
        "booker's profile, anyone else's to `never`.",
    )


class ParticipantsField(serializers.ListField):
    child = ParticipantInputSerializer()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=1, max_length=6, **kwargs)


def participant_data(booking: Booking, person: BookingParticipant) -> dict[str, Any]:
    """One participant as :class:`BookingParticipantSerializer` gives it (``booking_data`` builds on this)."""
    return {
        "position": person.position,
        "is_lead": person.is_lead,
        "name": person.name,
        "age": person.age,
        "phone": person.phone,
        "email": person.email,
        "experience_level": person.experience_level,
        "missing_documents": participant_missing(booking, person),
        "fitness_status": fitness_state(booking, person),
    }


class BookingParticipantSerializer(serializers.ModelSerializer):
    missing_documents = serializers.SerializerMethodField(
        help_text="Checklist items this person still owes (a photo ID or fitness proof counts once approved)."
    )
    fitness_status = serializers.SerializerMethodField()

    class Meta:
        model = BookingParticipant
        fields = ["position", "is_lead", "name", "age", "phone", "email", "experience_level"]
        fields += ["missing_documents", "fitness_status"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=CHECKLIST_KINDS)))
    def get_missing_documents(self, person: BookingParticipant) -> list[str]:
        return participant_missing(person.booking, person)

    @extend_schema_field(serializers.ChoiceField(choices=FITNESS_STATES))
    def get_fitness_status(self, person: BookingParticipant) -> str:
        return fitness_state(person.booking, person)


class BookingDocumentSerializer(serializers.ModelSerializer):
    participant = serializers.SerializerMethodField(help_text="The position of the participant it belongs to.")

    class Meta:
        model = BookingDocument
        fields = ["id", "kind", "participant", "content_type", "size", "status", "reviewed_at", "review_note"]
        fields += ["created_at"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_participant(self, document: BookingDocument) -> int | None:
        if document.participant_id is None:
            return None
        person = next((p for p in document.booking.participants.all() if p.pk == document.participant_id), None)
        return None if person is None else person.position


class DocumentSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CHECKLIST_KINDS)
    participant = serializers.IntegerField(
        min_value=0, max_value=5, required=False, default=0, help_text="Whose: a participant's `position` (0: lead)."
    )
    answers = serializers.DictField(required=False, help_text="health_declaration: the questionnaire answers.")
    waiver_version = serializers.CharField(required=False, max_length=20, help_text="waiver: the version accepted.")
    file = serializers.FileField(required=False, help_text="id_document / fitness_proof: PDF, JPEG or PNG, <= 10 MB.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = attrs["kind"]
        needed = {"health_declaration": "answers", "waiver": "waiver_version"}.get(kind, "file")
        if attrs.get(needed) in (None, "", {}):
            raise serializers.ValidationError({needed: ["This field is required for this kind."]})
        if kind == "health_declaration" and len(str(attrs["answers"])) > 5000:
            raise serializers.ValidationError({"answers": ["Too long."]})
        return attrs


class DocumentLinkSerializer(BookingDocumentSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta(BookingDocumentSerializer.Meta):
        fields = [*BookingDocumentSerializer.Meta.fields, "download_url"]

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, document: BookingDocument) -> str:
        request = self.context["request"]
        token = document_download_token(document=document, user=request.user)
        return request.build_absolute_uri(reverse("booking-document-download") + f"?token={token}")


class ParticipantChecklistSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    name = serializers.CharField()
    is_lead = serializers.BooleanField()
    health_declared_at = serializers.DateTimeField(allow_null=True)
    waiver_version = serializers.CharField()
    waiver_accepted_at = serializers.DateTimeField(allow_null=True)
    missing_documents = serializers.SerializerMethodField()
    fitness_status = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=CHECKLIST_KINDS)))
    def get_missing_documents(self, person: BookingParticipant) -> list[str]:
        return participant_missing(person.booking, person)

    @extend_schema_field(serializers.ChoiceField(choices=FITNESS_STATES))
    def get_fitness_status(self, person: BookingParticipant) -> str:
        return fitness_state(person.booking, person)


class ChecklistSerializer(serializers.Serializer):
    waiver_version_current = serializers.SerializerMethodField()
    health_declared_at = serializers.DateTimeField(allow_null=True, help_text="The lead's declaration.")
    waiver_version = serializers.CharField(help_text="The lead's acceptance.")
    waiver_accepted_at = serializers.DateTimeField(allow_null=True, help_text="The lead's acceptance.")
    missing_documents = serializers.ListField(
        child=serializers.CharField(), help_text="Items some participant still owes (see `participants`)."
    )
    participants = ParticipantChecklistSerializer(many=True, help_text="Each participant's own checklist.")
    documents = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_waiver_version_current(self, booking: Booking) -> str:
        return str(settings.BOOKINGS_WAIVER_VERSION)

    @extend_schema_field(DocumentLinkSerializer(many=True))
    def get_documents(self, booking: Booking) -> list[dict[str, Any]]:
        return DocumentLinkSerializer(booking.documents.all(), many=True, context=self.context).data  # type: ignore[return-value]


class DocumentReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to reject: sent to the booker.",
    )
