"""The booking storm of `make bench`: prepare a fresh small batch and N trekkers with tokens, or check the result.

Runs only under ``config.settings.bench`` (its own database).

- ``prepare --clients 200 --seats 20 --out FILE``: a new open batch with ``--seats`` seats and ``--clients``
  bench trekkers; writes ``{"batch": id, "seats": n, "tokens": [access tokens]}`` to FILE.
- ``check BATCH_ID``: prints ``{"seats_taken", "total_seats", "status", "bookings"}`` as one JSON line.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.bookings.models import Booking
from apps.treks.models import Batch, Trek
from apps.users.models import User
from apps.users.services import token_pair_for

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
        trek = Trek.objects.filter(status=Trek.Status.ACTIVE, max_group_size__gte=options["seats"]).first()
        if trek is None:
            raise CommandError("no active trek with a group size that large; run build_bench_catalog first")
        start = timezone.localdate() + timedelta(days=60)
        batch = Batch.objects.create(
            trek=trek,
            start_date=start,
            end_date=start + timedelta(days=trek.duration_days - 1),
            total_seats=options["seats"],
            price=Decimal("9999.00"),
        )
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
