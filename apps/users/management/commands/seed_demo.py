"""Idempotent demo data: one user per role (and a trekker) with documented passwords.

Other apps extend the demo through ``DEMO_SEEDERS``: callables run in order after the users exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from apps.users.models import User
from apps.users.roles import StaffRole

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "Trek-Tribe-2026"  # documented in README.md; demo data only
DEMO_USERS: list[dict[str, Any]] = [
    {
        "email": "admin@demo.obsexperiences.in",
        "first_name": "Asha",
        "last_name": "Rawat",
        "staff_role": StaffRole.SUPER_ADMIN,
    },
    {
        "email": "ops@demo.obsexperiences.in",
        "first_name": "Vikram",
        "last_name": "Negi",
        "staff_role": StaffRole.OPS_MANAGER,
    },
    {
        "email": "cs@demo.obsexperiences.in",
        "first_name": "Meera",
        "last_name": "Iyer",
        "staff_role": StaffRole.CUSTOMER_SUCCESS,
    },
    {
        "email": "finance@demo.obsexperiences.in",
        "first_name": "Rohan",
        "last_name": "Shah",
        "staff_role": StaffRole.FINANCE,
    },
    {
        "email": "content@demo.obsexperiences.in",
        "first_name": "Zoya",
        "last_name": "Khan",
        "staff_role": StaffRole.CONTENT,
    },
    {
        "email": "guide@demo.obsexperiences.in",
        "first_name": "Tenzing",
        "last_name": "Bhutia",
        "staff_role": StaffRole.GUIDE,
    },
    {"email": "trekker@demo.obsexperiences.in", "first_name": "Priya", "last_name": "Sharma", "staff_role": None},
]

# Later domains append (name, callable(stdout_writer)) here from their AppConfig.ready().
DEMO_SEEDERS: list[tuple[str, Callable[[Callable[[str], None]], None]]] = []


def seed_users() -> list[User]:
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(password=DEMO_PASSWORD, email_verified=True, **spec)
        users.append(user)
    return users


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
            for name, seeder in DEMO_SEEDERS:
                seeder(self.stdout.write)
                self.stdout.write(f"  demo {name}: ok")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(users)} demo users (password {DEMO_PASSWORD})."))
