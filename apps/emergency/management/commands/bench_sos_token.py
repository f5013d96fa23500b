"""`make bench` (SOS scenario): the bench trekker (two emergency contacts) and responders; prints an access token.

Runs only under ``config.settings.bench`` (its own database). Idempotent: the users are created once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.emergency.models import Incident
from apps.notifications.models import Category, Delivery, Notification
from apps.users.models import EmergencyContact, User
from apps.users.roles import StaffRole
from apps.users.services import token_pair_for

TREKKER = "sos-trekker@bench.obsexperiences.in"
RESPONDERS = [
    ("sos-ops@bench.obsexperiences.in", StaffRole.OPS_MANAGER, "+919700000001"),
    ("sos-cs@bench.obsexperiences.in", StaffRole.CUSTOMER_SUCCESS, "+919700000002"),
]


class Command(BaseCommand):
    help = "Create the SOS bench users and print an access token for the bench trekker."

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "BENCH_FLOOR_ENABLED", False):
            raise CommandError("bench_sos_token runs only under config.settings.bench")
        trekker, created = User.objects.get_or_create(
            email=TREKKER, defaults={"first_name": "Bench", "last_name": "Trekker", "phone": "+919700000009"}
        )
        if created:
            EmergencyContact.objects.create(
                user=trekker, name="Asha", relationship="parent", phone="+919700000010", is_primary=True
            )
            EmergencyContact.objects.create(user=trekker, name="Ravi", relationship="sibling", phone="+919700000011")
        # Each run starts from an empty emergency history (the bench database is the bench's own).
        Delivery.objects.filter(category=Category.EMERGENCY).delete()
        Notification.objects.filter(category=Category.EMERGENCY).delete()
        Incident.objects.filter(trekker=trekker).delete()
        for email, role, phone in RESPONDERS:
            User.objects.get_or_create(email=email, defaults={"staff_role": role, "phone": phone})
        self.stdout.write(token_pair_for(trekker)["access"])
