"""Demo booking changes for ``manage.py seed_demo``: a paid group of three where one friend drops out, then the
group moves to another trek's departure (a transfer fee, the fare difference settled).

Idempotent: nothing is added when the demo group leader already has a booking.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from apps.bookings.services.changes import booking_transfer, participant_cancel
from apps.demo.bookings import demo_paid
from apps.treks.models import Batch
from apps.users.models import EmergencyContact, User

DEMO_GROUP_EMAIL = "tribe.group@tribe.demo.obsexperiences.in"


def seed_booking_changes(write: Callable[[str], None]) -> None:
    leader, _ = User.objects.get_or_create(
        email=DEMO_GROUP_EMAIL, defaults={"first_name": "Meera", "last_name": "Iyer"}
    )
    if Booking.objects.filter(user=leader).exists():
        return
    if not EmergencyContact.objects.filter(user=leader).exists():  # no booking is paid without someone to call
        EmergencyContact.objects.create(
            user=leader, name="Ravi Iyer", relationship="father", phone="+919810000011", is_primary=True
        )
    today = timezone.localdate()
    open_batches = Batch.objects.filter(status=Batch.Status.OPEN, start_date__gt=today + timedelta(days=35))
    first = open_batches.filter(total_seats__gte=3).select_related("trek").order_by("-start_date").first()
    if first is None:
        write("  demo booking changes: no open departure far enough ahead, skipped")
        return
    second = (
        open_batches.exclude(trek=first.trek_id)
        .filter(total_seats__gte=F("seats_taken") + 2)
        .order_by("-start_date")
        .first()
    )
    if second is None:
        write("  demo booking changes: no second trek with seats, skipped")
        return
    people = [{"name": "Meera Iyer", "age": 32}, {"name": "Arjun Iyer", "age": 35}, {"name": "Nisha Menon", "age": 30}]
    with transaction.atomic():
        booking = demo_paid(services.booking_create(user=leader, batch_id=first.pk, participants=people))
        booking = participant_cancel(booking=booking, actor=leader, position=2, reason="Could not get leave")
        booking = booking_transfer(booking=booking, actor=leader, batch_id=second.pk, reason="Moved to other dates")
        booking.refresh_from_db()
        if booking.balance_due > 0:
            demo_paid(booking)
    write(f"  demo booking changes: {DEMO_GROUP_EMAIL} cancelled one of three, then moved to {second.trek.name}")
