"""Build the benchmark catalog (`make bench`): regions, treks with itineraries, guides and batches.

Runs only under ``config.settings.bench`` (its own database): it replaces the whole catalog. Deterministic
(seeded), and skipped when the database already holds a bench catalog of the requested size with enough
upcoming departures. Only the bench treks (slugs ``bench-*``) and their batches are counted: the booking
benchmarks book on a draft trek of their own (``config.bench.bench_booking_batch``), so any number of runs
leaves the check true. A rebuild empties the catalog tables with ``TRUNCATE ... CASCADE``, which takes the
bench bookings and everything else hanging off the catalog with them (``PROTECT`` keys would refuse a delete).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from apps.treks.models import Batch, Guide, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.treks.services import catalog_version_bump, trek_refresh_search
from apps.users.models import User
from apps.users.roles import StaffRole

REGION_NAMES = [
    "Garhwal", "Kumaon", "Kullu", "Lahaul", "Spiti", "Kinnaur", "Chamba", "Kangra", "Kashmir", "Ladakh",
    "Zanskar", "Sikkim", "Darjeeling", "Tawang", "Khumbu", "Annapurna", "Langtang", "Paro", "Uttarkashi", "Pangi",
]  # fmt: skip
WORDS = ["Pass", "Lake", "Valley", "Ridge", "Meadows", "Top", "Glacier", "Circuit", "Trail", "Kund"]
PLACES = [
    "Bhrigu", "Chandra", "Dayara", "Kuari", "Pangarchulla", "Rupin", "Buran", "Saurkundi", "Beas", "Deoriatal",
    "Tarsar", "Nag", "Kalindi", "Bali", "Phulara", "Gaumukh", "Dzongri", "Singalila", "Chadar", "Lamkhaga",
]  # fmt: skip
THEMES = ["snow", "lakes", "meadows", "summit", "forest", "pass", "river", "villages", "glacier", "winter"]
BENCH_EMAIL_DOMAIN = "bench.obsexperiences.in"
BENCH_SLUG_PREFIX = "bench-"


class Command(BaseCommand):
    help = "Replace the catalog with a benchmark catalog (bench settings only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--regions", type=int, default=20)
        parser.add_argument("--treks", type=int, default=200)
        parser.add_argument("--batches", type=int, default=2000)
        parser.add_argument("--force", action="store_true", help="Rebuild even when the catalog looks right.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "BENCH_FLOOR_ENABLED", False):
            raise CommandError("build_bench_catalog replaces the catalog; it runs only with config.settings.bench.")
        regions, treks, batches = options["regions"], options["treks"], options["batches"]
        today = timezone.localdate()
        bench_batches = Batch.objects.filter(trek__slug__startswith=BENCH_SLUG_PREFIX)
        if (
            not options["force"]
            and Region.objects.count() == regions
            and Trek.objects.filter(slug__startswith=BENCH_SLUG_PREFIX).count() == treks
            and bench_batches.filter(start_date__gt=today + timedelta(days=30)).count() >= batches // 2
            and bench_batches.count() == batches
        ):
            self.stdout.write("bench catalog already in place")
            return
        with transaction.atomic():
            self._build(regions, treks, batches, today)
        catalog_version_bump()
        self.stdout.write(f"bench catalog: {regions} regions, {treks} treks, {batches} batches")

    def _build(self, n_regions: int, n_treks: int, n_batches: int, today: Any) -> None:
        rng = random.Random(20260101)  # noqa: S311 - deterministic test data, not security
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (Batch, TrekItineraryDay, TrekPhoto, Trek, Guide, Region)
        )
        with connection.cursor() as cursor:  # the bench database only (checked above)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses tables with deferred checks pending
            cursor.execute(f"TRUNCATE {tables} CASCADE")
        User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}", staff_role=StaffRole.GUIDE).delete()

        regions = Region.objects.bulk_create(
            [
                Region(name=name, slug=name.lower(), description=f"The {name} Himalaya.")
                for name in (REGION_NAMES * (n_regions // len(REGION_NAMES) + 1))[:n_regions]
            ]
        )
        guides = []
        for i in range(20):
            user = User.objects.create_user(
                email=f"guide{i}@{BENCH_EMAIL_DOMAIN}",
                password=None,
                first_name=f"Guide{i}",
                last_name="Bench",
                staff_role=StaffRole.GUIDE,
            )
            guides.append(Guide.objects.create(user=user, bio="Bench guide.", years_exp=rng.randint(2, 20)))

        treks = []
        for i in range(n_treks):
            name = f"{PLACES[i % len(PLACES)]} {WORDS[(i // len(PLACES)) % len(WORDS)]} {i // 100 + 1}"
            duration = rng.randint(4, 12)
            treks.append(
                Trek(
                    name=name,
                    slug=f"{BENCH_SLUG_PREFIX}{i:03d}",
                    region=regions[i % len(regions)],
                    description=(
                        f"{name} climbs through oak and rhododendron forest to high meadows and a "
                        f"{rng.choice(WORDS).lower()} with views of the main Himalayan range. " * 3
                    ),
                    max_altitude=rng.randint(2800, 5600),
                    total_distance=Decimal(rng.randint(180, 900)) / 10,
                    duration_days=duration,
                    difficulty=rng.choice(Trek.Difficulty.values),
                    max_group_size=20,
                    themes=rng.sample(THEMES, 3),
                    best_months=sorted(rng.sample(range(1, 13), 5)),
                    inclusions=["Meals on the trek", "Tents", "Permits", "Trek leader"],
                    exclusions=["Travel to the base", "Insurance"],
                    packing_list=["Boots", "Down jacket", "Headlamp", "Trekking pole"],
                    fitness_prep="Run 5 km in 40 minutes.",
                    faqs=[{"question": "Can I offload?", "answer": "Yes, up to 10 kg."}],
                    status=Trek.Status.ACTIVE,
                )
            )
        treks = Trek.objects.bulk_create(treks)
        TrekItineraryDay.objects.bulk_create(
            [
                TrekItineraryDay(
                    trek=trek,
                    day_number=day,
                    title=f"Day {day}",
                    camp_name=f"Camp {day}",
                    altitude=min(trek.max_altitude, 2000 + day * 250),
                    distance_km=Decimal(rng.randint(30, 140)) / 10,
                    description="Walk, lunch on the trail, camp by evening.",
                    meal_plan="B, L, D",
                )
                for trek in treks
                for day in range(1, trek.duration_days + 1)
            ]
        )
        per_trek = n_batches // n_treks
        batches = []
        busy: dict[Guide, list[tuple[date, date]]] = {}  # a guide is on one departure at a time
        for trek in treks:
            start = today + timedelta(days=rng.randint(2, 14))
            for _ in range(per_trek):
                total = rng.randint(10, 20)
                taken = total if rng.random() < 0.15 else rng.randint(0, total - 1)
                pick, end = rng.choice(guides), start + timedelta(days=trek.duration_days - 1)
                taken_days = busy.setdefault(pick, [])
                free = not any(first <= end and start <= last for first, last in taken_days)
                if free:
                    taken_days.append((start, end))
                batches.append(
                    Batch(
                        trek=trek,
                        guide=pick if free else None,
                        start_date=start,
                        end_date=end,
                        total_seats=total,
                        seats_taken=taken,
                        price=Decimal(rng.randint(90, 300) * 100),
                        status=Batch.Status.FULL if taken >= total else Batch.Status.OPEN,
                    )
                )
                start += timedelta(days=rng.randint(10, 21))
        Batch.objects.bulk_create(batches)
        trek_refresh_search(trek_ids=[trek.pk for trek in treks])
        with connection.cursor() as cursor:  # fresh planner statistics for the new rows
            for model in (Region, Trek, TrekItineraryDay, Batch, Guide):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
