"""The guide's day at the departure: who turned up at the base, and where the group camps each night."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import BookingParticipant
from apps.common.models import BaseModel


class BaseCheckIn(BaseModel):
    """One participant's arrival at the base (the start of the trek), marked by the guide; one per participant,
    changed in place (each change is audited)."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        LATE = "late", "Late"
        NO_SHOW = "no_show", "No-show"

    participant = models.OneToOneField(BookingParticipant, on_delete=models.PROTECT, related_name="base_check_in")
    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="base_check_ins")
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField()

    class Meta:
        ordering = ["batch", "marked_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["present", "late", "no_show"]), name="basecheckin_status"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.status}"


class CampCheckIn(BaseModel):
    """The guide's word that the group reached a camp (``day``: the local date it was posted for)."""

    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="camp_check_ins")
    camp = models.CharField(max_length=120)
    day = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["batch", "posted_at", "id"]
        indexes = [models.Index(fields=["batch", "day"], name="campcheckin_batch_day_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="campcheckin_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camp} ({self.day})"
