"""`make bench`: the in-process figures (``config.bench_inprocess``), as one JSON line or into ``--out``.

Runs only under ``config.settings.bench`` (its own database, after ``build_bench_catalog``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Median time and statements per request of list, detail, bookings and SOS, in-process (bench only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iterations", type=int, default=240)
        parser.add_argument("--page-size", type=int, default=20)
        parser.add_argument("--out", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "BENCH_FLOOR_ENABLED", False):
            raise CommandError("bench_inprocess runs only with config.settings.bench.")
        from config.bench_inprocess import measure  # late: exists for config.settings.bench only

        try:
            result = measure(iterations=options["iterations"], page_size=options["page_size"])
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(result)
        if options["out"]:
            options["out"].write_text(text + "\n")
        self.stdout.write(text)
