"""The booking storm of `make bench`: prepare a fresh small batch and N trekkers with tokens, or check the result.

Runs only under ``config.settings.bench`` (its own database).

- ``prepare --clients 200 --seats 20 --out FILE``: a new open batch with ``--seats`` seats (on the draft trek of
  ``config.bench.bench_booking_batch``, outside the bench catalog) and ``--clients`` bench trekkers; writes
  ``{"batch": id, "seats": n, "tokens": [access tokens]}`` to FILE.
- ``check BATCH_ID``: prints ``{"seats_taken", "total_seats", "status", "bookings"}`` as one JSON line.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.bookings.models import Booking
from apps.treks.models import Batch
from apps.users.models import User
from apps.users.services import token_pair_for
from config.bench import bench_booking_batch, retire_bench_batches

STORM_EMAIL_DOMAIN = "storm.bench.obsexperiences.in"


class Command(BaseCommand):
    help = "Prepare or check the booking storm of `make bench` (bench settings only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["prepare", "check"])
        parser.add_argument("batch", nargs="?")
        parser.add_argument("--clients", type=int, default=200)
        parser.add_argument("--seats", type=int, default=20)
        parser.add_argument("--out", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "BENCH_FLOOR_ENABLED", False):
            raise CommandError("bench_booking_storm runs only with config.settings.bench.")
        if options["action"] == "check":
            batch = Batch.objects.get(pk=options["batch"])
            result = {
                "seats_taken": batch.seats_taken,
                "total_seats": batch.total_seats,
                "status": batch.status,
                "bookings": Booking.objects.filter(batch=batch, status="pending").count(),
            }
            self.stdout.write(json.dumps(result))
            return
        if not options["out"]:
            raise CommandError("prepare needs --out")
        try:
            retire_bench_batches()
            batch = bench_booking_batch(seats=options["seats"])
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        password = make_password(None)
        run = uuid.uuid4().hex[:8]
        users = User.objects.bulk_create(
            [
                User(email=f"storm-{run}-{i}@{STORM_EMAIL_DOMAIN}", first_name=f"Storm {i}", password=password)
                for i in range(options["clients"])
            ]
        )
        tokens = [token_pair_for(user)["access"] for user in users]
        options["out"].write_text(json.dumps({"batch": str(batch.pk), "seats": batch.total_seats, "tokens": tokens}))
        self.stdout.write(f"storm batch {batch.pk}: {batch.total_seats} seats, {len(tokens)} clients")
