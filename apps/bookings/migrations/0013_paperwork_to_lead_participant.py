"""Paperwork given per booking before it was per participant becomes the lead participant's: the health
declaration, the waiver acceptance and every uploaded document; the lead's experience is the booker's profile's."""

from typing import Any

from django.db import migrations


def to_lead(apps: Any, schema_editor: Any) -> None:
    BookingParticipant = apps.get_model("bookings", "BookingParticipant")
    BookingDocument = apps.get_model("bookings", "BookingDocument")
    leads = BookingParticipant.objects.filter(is_lead=True).select_related("booking__user")
    for lead in leads.iterator(chunk_size=500):
        booking = lead.booking
        lead.health_declaration = booking.health_declaration
        lead.health_declared_at = booking.health_declared_at
        lead.waiver_version = booking.waiver_version
        lead.waiver_accepted_at = booking.waiver_accepted_at
        lead.waiver_ip = booking.waiver_ip
        lead.waiver_user_agent = booking.waiver_user_agent
        lead.experience_level = booking.user.experience_level or "never"
        lead.save(
            update_fields=[
                "health_declaration",
                "health_declared_at",
                "waiver_version",
                "waiver_accepted_at",
                "waiver_ip",
                "waiver_user_agent",
                "experience_level",
            ]
        )
        BookingDocument.objects.filter(booking_id=booking.pk, participant__isnull=True).update(participant=lead)


def back(apps: Any, schema_editor: Any) -> None:
    """Nothing to undo: the booking-level fields, kept for the record, were never changed."""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0012_participant_paperwork"),
    ]

    operations = [migrations.RunPython(to_lead, back)]
