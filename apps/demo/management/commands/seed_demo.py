"""Idempotent demo data: one user per role (and a trekker) with documented passwords, then each area's data.

The areas run in ``SEEDERS`` order after the users exist; each one skips what is already there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.demo.accounts import DEMO_PASSWORD, seed_accounts, seed_users
from apps.demo.addons import seed_add_ons
from apps.demo.bookings import seed_bookings
from apps.demo.catalog import seed_catalog
from apps.demo.changes import seed_booking_changes
from apps.demo.community import seed_community
from apps.demo.credit import seed_credit
from apps.demo.deposits import seed_deposits
from apps.demo.emergency import seed_emergency
from apps.demo.messaging import seed_messaging
from apps.demo.notifications import seed_notifications
from apps.demo.paperwork import seed_eligibility, seed_paperwork
from apps.demo.routes import seed_routes
from apps.users.models import User

logger = logging.getLogger(__name__)

# (name, callable(stdout_writer)), in the order they run: later areas build on the earlier ones' data.
SEEDERS: list[tuple[str, Callable[[Callable[[str], None]], None]]] = [
    ("accounts", seed_accounts),
    ("trek catalog", seed_catalog),
    ("routes and field safety", seed_routes),
    ("notifications", seed_notifications),
    ("messaging", seed_messaging),
    ("emergency", seed_emergency),
    ("bookings", seed_bookings),
    ("booking changes", seed_booking_changes),
    ("add-ons", seed_add_ons),
    ("trek credit", seed_credit),
    ("eligibility", seed_eligibility),
    ("paperwork", seed_paperwork),
    ("deposits and balances", seed_deposits),
    ("community", seed_community),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent). With --if-empty, only when the database has no users yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any user exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            self.stdout.write("Database already has data; demo data not loaded.")
            return
        with transaction.atomic():
            users = seed_users()
            for name, seeder in SEEDERS:
                seeder(self.stdout.write)
                self.stdout.write(f"  demo {name}: ok")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(users)} demo users (password {DEMO_PASSWORD})."))
