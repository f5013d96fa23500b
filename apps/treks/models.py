"""The trek catalog: regions, treks with itineraries and routes, guides and dated departures (batches).

Seats are a counter on the batch (``seats_taken``), moved only by the conditional updates in
``apps.treks.services.batches``; the database refuses a counter outside ``0..total_seats``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from apps.common.models import BaseModel

MAX_ALTITUDE_M = 9000  # nothing on Earth is higher (Everest: 8,849 m)

# A trekker's experience, least first (the same codes as the trekker profile's ``User.ExperienceLevel``).
EXPERIENCE_LEVELS = [
    ("never", "Never trekked before"),
    ("beginner", "1-2 treks completed"),
    ("intermediate", "3-10 treks completed"),
    ("expert", "I live in the high mountains"),
]
EXPERIENCE_ORDER = [code for code, _ in EXPERIENCE_LEVELS]


class Region(BaseModel):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(slug=""), name="region_slug_not_blank")]

    def __str__(self) -> str:
        return self.name


class TrekDifficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MODERATE = "moderate", "Moderate"
    DIFFICULT = "difficult", "Difficult"
    VERY_DIFFICULT = "very_difficult", "Very Difficult"


class TrekStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class BatchStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULL = "full", "Fully booked"
    ONGOING = "ongoing", "On trek"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class DepositKind(models.TextChoices):
    NONE = "none", "No deposit (pay in full)"
    PERCENT = "percent", "Percent of the price"
    FIXED = "fixed", "Fixed amount per participant (INR)"


class Trek(BaseModel):
    Difficulty = TrekDifficulty
    Status = TrekStatus
    DepositKind = DepositKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="treks")
    description = models.TextField()

    max_altitude = models.PositiveIntegerField(help_text="Metres above sea level")
    total_distance = models.DecimalField(max_digits=6, decimal_places=1, help_text="Kilometres")
    duration_days = models.PositiveSmallIntegerField()
    difficulty = models.CharField(max_length=20, choices=TrekDifficulty.choices)
    max_group_size = models.PositiveSmallIntegerField(default=20)
    # who may come: every participant's age within [min_age, max_age] (empty: no limit) and experience at least
    # min_experience_level (the trekker profile's levels, in order); checked at booking and on participant changes
    min_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Youngest age accepted (years).")
    max_age = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Oldest age accepted (years).")
    min_experience_level = models.CharField(
        max_length=20, choices=EXPERIENCE_LEVELS, default="never", help_text="Least trekking experience accepted."
    )

    themes = models.JSONField(default=list, blank=True)
    best_months = models.JSONField(default=list, blank=True)
    inclusions = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    packing_list = models.JSONField(default=list, blank=True)
    fitness_prep = models.TextField(blank=True)
    faqs = models.JSONField(default=list, blank=True)

    cover_image = models.ImageField(upload_to="treks/covers/", blank=True, max_length=255)
    gpx_file = models.FileField(upload_to="treks/gpx/", blank=True, max_length=255)
    # Computed from the GPX: distance, gain/loss, extremes, bounds and a <= 200-point profile.
    route_stats = models.JSONField(null=True, blank=True)
    # The track as a GeoJSON Feature (served at treks/{slug}/route.geojson; never loaded in lists).
    route_geojson = models.JSONField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=TrekStatus.choices, default=TrekStatus.DRAFT, db_index=True)
    # Weighted full-text document (name A, region + themes B, description C); PostgreSQL only, with a
    # GIN index (trek_search_gin) created by migration 0001 on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)

    # Payment terms: a deposit confirms the seats, the balance is due ``balance_due_days`` before the start.
    # A booking made on or after that day pays in full.
    deposit_kind = models.CharField(max_length=10, choices=DepositKind.choices, default=DepositKind.NONE)
    deposit_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), help_text="Percent, or INR per participant"
    )
    balance_due_days = models.PositiveSmallIntegerField(default=30, help_text="Days before the start")

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"], name="trek_status_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="trek_slug_not_blank"),
            models.CheckConstraint(
                condition=Q(max_altitude__gte=0, max_altitude__lte=MAX_ALTITUDE_M), name="trek_altitude_range"
            ),
            models.CheckConstraint(condition=Q(total_distance__gte=0), name="trek_distance_not_negative"),
            models.CheckConstraint(condition=Q(duration_days__gte=1), name="trek_duration_positive"),
            models.CheckConstraint(condition=Q(max_group_size__gte=1), name="trek_group_size_positive"),
            models.CheckConstraint(condition=Q(difficulty__in=TrekDifficulty.values), name="trek_difficulty_valid"),
            models.CheckConstraint(condition=Q(status__in=TrekStatus.values), name="trek_status_valid"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="trek_age_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_experience_level__in=EXPERIENCE_ORDER), name="trek_min_experience_valid"
            ),
            models.CheckConstraint(condition=Q(deposit_kind__in=DepositKind.values), name="trek_deposit_kind_valid"),
            models.CheckConstraint(
                condition=Q(deposit_kind="none") | Q(deposit_value__gt=0), name="trek_deposit_value_positive"
            ),
            models.CheckConstraint(
                condition=~Q(deposit_kind="percent") | Q(deposit_value__lt=100), name="trek_deposit_percent_below_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrekPhoto(BaseModel):
    """One picture of a trek's gallery; ``position`` orders the gallery (0 first)."""

    trek = models.ForeignKey(Trek, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="treks/gallery/", max_length=255)
    caption = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["trek", "position"]
        constraints = [
            models.UniqueConstraint(fields=["trek", "position"], name="trek_photo_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.trek_id} #{self.position}"


class TrekItineraryDay(BaseModel):
    trek = models.ForeignKey(Trek, on_delete=models.CASCADE, related_name="itinerary")
    day_number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    camp_name = models.CharField(max_length=200, blank=True)
    altitude = models.PositiveIntegerField(help_text="Altitude of the night's camp, metres")
    distance_km = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    description = models.TextField(blank=True)
    meal_plan = models.CharField(max_length=100, blank=True)
    # Field safety, carried offline in a booking's trip pack: how to get someone out from this camp, and where
    # the nearest medical help is (name, distance or hours, phone). Both optional.
    evacuation_notes = models.TextField(blank=True, max_length=2000)
    nearest_medical_point = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["trek", "day_number"]
        constraints = [
            models.UniqueConstraint(fields=["trek", "day_number"], name="itinerary_day_unique"),
            models.CheckConstraint(condition=Q(day_number__gte=1), name="itinerary_day_positive"),
            models.CheckConstraint(
                condition=Q(altitude__gte=0, altitude__lte=MAX_ALTITUDE_M), name="itinerary_altitude_range"
            ),
            models.CheckConstraint(condition=Q(distance_km__gte=0), name="itinerary_distance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Day {self.day_number}: {self.title}"


class Guide(BaseModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guide_profile")
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="guides/", blank=True, max_length=255)
    years_exp = models.PositiveSmallIntegerField(default=0)
    regions = models.ManyToManyField(Region, blank=True, related_name="guides")
    certifications = models.JSONField(default=list, blank=True)
    satellite_phone = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-years_exp", "id"]
        constraints = [models.CheckConstraint(condition=Q(years_exp__lte=80), name="guide_years_exp_range")]

    def __str__(self) -> str:
        return f"Guide: {self.user.get_full_name() or self.user_id}"


class Batch(BaseModel):
    Status = BatchStatus

    trek = models.ForeignKey(Trek, on_delete=models.PROTECT, related_name="batches")
    guide = models.ForeignKey(Guide, on_delete=models.SET_NULL, null=True, blank=True, related_name="batches")
    start_date = models.DateField()
    end_date = models.DateField()
    total_seats = models.PositiveSmallIntegerField()
    seats_taken = models.PositiveSmallIntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="Per person, INR")
    status = models.CharField(max_length=20, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    # The group's satellite phone on this departure (E.164); the guide's own is the fallback.
    satellite_phone = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name_plural = "batches"
        indexes = [
            models.Index(fields=["trek", "status", "start_date"], name="batch_trek_status_start_idx"),
            models.Index(fields=["trek", "start_date"], name="batch_trek_start_idx"),
            models.Index(fields=["status", "start_date"], name="batch_status_start_idx"),
            models.Index(fields=["status", "end_date"], name="batch_status_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(seats_taken__gte=0), name="batch_seats_taken_not_negative"),
            models.CheckConstraint(condition=Q(seats_taken__lte=F("total_seats")), name="batch_seats_within_total"),
            models.CheckConstraint(condition=Q(total_seats__gte=1), name="batch_total_seats_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="batch_end_after_start"),
            models.CheckConstraint(condition=Q(price__gt=0), name="batch_price_positive"),
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_valid"),
            # open and full follow the seat counter exactly
            models.CheckConstraint(
                condition=~Q(status="full") | Q(seats_taken=F("total_seats")), name="batch_full_has_no_seats_left"
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(seats_taken__lt=F("total_seats")), name="batch_open_has_seats_left"
            ),
        ]

    def __str__(self) -> str:
        # The trek's name when it is already loaded (select_related): a label never costs a query of its own.
        trek = self._state.fields_cache.get("trek")
        return f"{trek.name if trek is not None else self.trek_id} · {self.start_date:%d %b %Y}"

    @property
    def seats_left(self) -> int:
        return max(0, self.total_seats - self.seats_taken)


class TrekCard(models.Model):
    """What a catalog card and the detail need of a trek's departures, kept by the database itself.

    ``departures``: the trek's open and full batches as JSON objects (``id``, ``start_date``,
    ``end_date``, ``price``, ``status``; dates, id and price as text), ordered by start date then id.
    On PostgreSQL the statement triggers of migration 0004 rewrite it in the statement that inserts,
    deletes or changes a batch in any of those (services, hourly sync, admin, bulk loads), so it is true
    in the same transaction. Seats are not stored (migration 0015): a seat taken or given back leaves the
    card alone unless the batch's status flips, and readers take a departure's seats from its batch row.
    It holds nothing that depends on today's date: readers drop the departures no longer ahead
    (``apps.treks.selectors.CardPick``).

    Two more columns, generated by PostgreSQL from ``departures`` and unknown to the ORM (migrations 0013,
    0015): ``starts`` (the start dates) and ``tail_heads`` (per departure, the end of the list's card JSON up
    to its seats when it is the first one ahead), which the list picks and completes for today with
    ``apps.treks.selectors.CardTail``.
    """

    trek = models.OneToOneField(Trek, on_delete=models.CASCADE, primary_key=True, related_name="card")
    departures = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"card of {self.trek_id}"


class CatalogVersion(models.Model):
    """The catalog version: one row that every catalog write or seat change moves forward after commit.

    Cached catalog responses are valid for exactly one version (``apps.treks.catalog_cache``). It lives in
    the database the catalog lives in, so a deployment has its own whatever Redis it shares, and a bump
    cannot be lost to a Redis outage.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalog_version_single_row")]

    def __str__(self) -> str:
        return f"catalog version {self.value}"
