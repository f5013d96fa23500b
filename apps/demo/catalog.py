"""Demo catalog for ``manage.py seed_demo``: the treks of ``himalayan_treks``, their guides and batches.

Idempotent: treks are matched by slug, itineraries written once, batches only added when a trek has no
upcoming departure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from apps.demo.accounts import DEMO_PASSWORD
from apps.demo.himalayan_treks import COMMON_EXCLUSIONS, COMMON_INCLUSIONS, PACKING, REGIONS, TREKS
from apps.treks import services
from apps.treks.models import Batch, Guide, Region, Trek
from apps.treks.services.assignments import guide_overlapping_batches
from apps.users.models import User
from apps.users.roles import StaffRole

GUIDES: list[dict[str, Any]] = [
    {
        "email": "guide@demo.obsexperiences.in",
        "bio": "Grew up in Yuksom; has led Goechala and Sandakphu groups for over a decade.",
        "years_exp": 12,
        "regions": ["sikkim", "darjeeling"],
        "certifications": ["Basic Mountaineering Course, HMI Darjeeling", "Wilderness First Responder"],
        "satellite_phone": "+881631234501",
    },
    {
        "email": "deepak.rawat@guides.demo.obsexperiences.in",
        "first_name": "Deepak",
        "last_name": "Rawat",
        "bio": "From Lohajung; knows every bugyal between Roopkund and Brahmatal.",
        "years_exp": 9,
        "regions": ["uttarakhand"],
        "certifications": ["Advanced Mountaineering Course, NIM Uttarkashi", "Wilderness First Aid"],
        "satellite_phone": "+881631234502",
    },
    {
        "email": "kavita.thakur@guides.demo.obsexperiences.in",
        "first_name": "Kavita",
        "last_name": "Thakur",
        "bio": "Manali-based; leads Hampta Pass and Lahaul crossings every summer.",
        "years_exp": 7,
        "regions": ["himachal-pradesh", "ladakh"],
        "certifications": ["Basic Mountaineering Course, ABVIMAS Manali", "Wilderness First Responder"],
        "satellite_phone": "+881631234503",
    },
    {
        "email": "bilal.mir@guides.demo.obsexperiences.in",
        "first_name": "Bilal",
        "last_name": "Mir",
        "bio": "Sonamarg shepherd family; has walked the Great Lakes route since childhood.",
        "years_exp": 10,
        "regions": ["kashmir"],
        "certifications": ["Basic Mountaineering Course, JIM&WS Pahalgam"],
        "satellite_phone": "+881631234504",
    },
]


def _guides() -> dict[str, list[Guide]]:
    by_region: dict[str, list[Guide]] = {}
    for spec in GUIDES:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(
                email=spec["email"],
                password=DEMO_PASSWORD,
                first_name=spec.get("first_name", ""),
                last_name=spec.get("last_name", ""),
                staff_role=StaffRole.GUIDE,
                email_verified=True,
            )
        guide = Guide.objects.filter(user=user).first()
        if guide is None:
            guide = services.guide_create(
                actor=None,
                user=user,
                regions=list(Region.objects.filter(slug__in=spec["regions"])),
                bio=spec["bio"],
                years_exp=spec["years_exp"],
                certifications=spec["certifications"],
                satellite_phone=spec["satellite_phone"],
            )
        for slug in spec["regions"]:
            by_region.setdefault(slug, []).append(guide)
    return by_region


def _free_guide(candidates: list[Guide], start: date, duration_days: int) -> Guide | None:
    """The first of the region's guides who is on no other departure over these dates (a guide is on one at a
    time); None when they are all taken, and the departure waits for one."""
    end = start + timedelta(days=duration_days - 1)
    for guide in candidates:
        if not guide_overlapping_batches(guide=guide, start_date=start, end_date=end):
            return guide
    return None


def departure_dates(
    best_months: list[int], today: date, *, horizon_days: int = 182, every_days: int = 14
) -> list[date]:
    """Saturdays in the trek's best months over the next six months, two weeks apart."""
    day = today + timedelta(days=7)
    day += timedelta(days=(5 - day.weekday()) % 7)
    dates: list[date] = []
    while day <= today + timedelta(days=horizon_days):
        if day.month in best_months:
            dates.append(day)
            day += timedelta(days=every_days)
        else:
            day += timedelta(days=7)
    return dates


def seed_catalog(write: Callable[[str], None]) -> None:
    for slug, (name, description) in REGIONS.items():
        if not Region.objects.filter(slug=slug).exists():
            services.region_create(actor=None, name=name, slug=slug, description=description)
    guides = _guides()
    today = services.local_today()
    for spec in TREKS:
        trek = Trek.objects.filter(slug=slugify(spec["name"])).first()
        if trek is None:
            trek = services.trek_create(
                actor=None,
                name=spec["name"],
                region=Region.objects.get(slug=spec["region"]),
                description=spec["description"],
                max_altitude=spec["max_altitude"],
                total_distance=Decimal(spec["total_distance"]),
                duration_days=spec["duration_days"],
                difficulty=spec["difficulty"],
                max_group_size=18,
                themes=spec["themes"],
                best_months=sorted(spec["best_months"]),
                inclusions=COMMON_INCLUSIONS,
                exclusions=COMMON_EXCLUSIONS,
                packing_list=PACKING,
                fitness_prep=(
                    f"Be able to jog 5 km in under {40 if spec['difficulty'] == Trek.Difficulty.MODERATE else 35} "
                    "minutes before the trek; climb stairs with a 10 kg backpack twice a week."
                ),
                faqs=[
                    {
                        "question": "Can I offload my backpack?",
                        "answer": "Yes, book offloading up to 10 days before the start; 10 kg at most.",
                    },
                    {
                        "question": "What happens if the weather turns?",
                        "answer": "The trek leader decides on the day; safety comes before the summit.",
                    },
                ],
                status=Trek.Status.ACTIVE,
            )
        if not trek.itinerary.exists():
            services.trek_set_itinerary(actor=None, trek=trek, days=spec["itinerary"])
        if not Batch.objects.filter(trek=trek, start_date__gt=today).exists():
            for start in departure_dates(spec["best_months"], today):
                services.batch_create(
                    actor=None,
                    trek=trek,
                    start_date=start,
                    total_seats=16,
                    price=Decimal(spec["price"]),
                    guide=_free_guide(guides.get(spec["region"], []), start, trek.duration_days),
                    today=today,
                )
    write(f"    {Trek.objects.count()} treks, {Batch.objects.filter(start_date__gt=today).count()} upcoming batches")
