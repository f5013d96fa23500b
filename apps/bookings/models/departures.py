"""What is kept per departure rather than per booking: its waitlist and its bulk cancellations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.bookings.models.bookings import Booking
from apps.common.models import BaseModel


class WaitlistEntry(BaseModel):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered a hold"
        LEFT = "left", "Left the waitlist"
        DONE = "done", "Offer taken or lapsed"

    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="waitlist")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries")
    seats = models.PositiveSmallIntegerField(default=1)
    participants = models.JSONField(default=list, help_text="As for a booking; the first is the member.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    offered_at = models.DateTimeField(null=True, blank=True)
    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, null=True, blank=True, related_name="waitlist_entry"
    )

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ["batch", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "user"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_active_per_user_batch",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1, seats__lte=6), name="waitlist_seats_1_to_6"),
        ]


class BatchCancellation(BaseModel):
    """A bulk cancellation of a departure, run by a Celery task that records its progress here."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="bulk_cancellations")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    refunded_paise = models.PositiveBigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]


class DepartureAnnouncement(BaseModel):
    """One announcement sent to everyone booked on a departure (inbox and push; SMS too when urgent).

    ``message_id`` is the copy posted in the departure's group chat (a messaging row, not a foreign key: the chat
    app sits below bookings and keeps its own tombstones).
    """

    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="announcements")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="departure_announcements"
    )
    body = models.TextField(max_length=1000)
    urgent = models.BooleanField(default=False)
    recipients = models.PositiveIntegerField(default=0)
    message_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["batch", "-created_at"], name="announcement_batch_idx")]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="announcement_body_not_blank")]

    def __str__(self) -> str:
        return f"announcement {self.pk} on {self.batch_id}"
