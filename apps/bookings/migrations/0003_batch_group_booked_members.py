"""Mark the batch group members who hold a confirmed or completed booking of the batch (messaging's ``booked``)."""

from typing import Any

from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_booked(apps: Any, schema_editor: Any) -> None:
    booking = apps.get_model("bookings", "Booking")
    participant = apps.get_model("messaging", "ConversationParticipant")
    held = booking.objects.filter(
        batch_id=OuterRef("conversation__batch_id"), user_id=OuterRef("user_id"), status__in=("confirmed", "completed")
    )
    participant.objects.filter(Exists(held), conversation__kind="batch").update(booked=True)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0002_money_rows_never_deleted"),
        ("messaging", "0002_participant_booked"),
    ]

    operations = [migrations.RunPython(mark_booked, migrations.RunPython.noop)]
