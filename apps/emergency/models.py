"""Incidents (an SOS or a guide's report), their timeline and the trekker's location breadcrumbs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.common.models import BaseModel, index_where_set


class IncidentKind(models.TextChoices):
    SOS = "sos", "SOS"
    INJURY = "injury", "Injury"
    ALTITUDE_SICKNESS = "altitude_sickness", "Altitude sickness"
    WEATHER = "weather", "Weather"
    LOST = "lost", "Lost"
    OVERDUE = "overdue", "Overdue check-in"
    OTHER = "other", "Other"


class IncidentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESPONDING = "responding", "Responding"
    RESOLVED = "resolved", "Resolved"
    FALSE_ALARM = "false_alarm", "False alarm"


ACTIVE_STATUSES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESPONDING)
CLOSED_STATUSES = (IncidentStatus.RESOLVED, IncidentStatus.FALSE_ALARM)


class IncidentSource(models.TextChoices):
    APP = "app", "Trekker's app"
    GUIDE = "guide", "Guide"
    CHECK_IN = "check_in", "Overdue check-in"


class Incident(BaseModel):
    """One emergency. ``latitude``/``longitude``... hold the latest known location (from the SOS or a ping)."""

    # trekker and batch lead composite indexes below; so do incident on the timeline and the breadcrumb.
    trekker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    batch = models.ForeignKey(
        "treks.Batch", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents", db_index=False
    )
    # who reported, acknowledged, resolved: NULL on most rows when written, indexed where set (see Meta)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=IncidentKind.choices, default=IncidentKind.SOS)
    severity = models.CharField(max_length=10, choices=IncidentSeverity.choices, default=IncidentSeverity.CRITICAL)
    status = models.CharField(max_length=15, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    source = models.CharField(max_length=10, choices=IncidentSource.choices, default=IncidentSource.APP)

    client_key = models.UUIDField(null=True, blank=True, help_text="The client's Idempotency-Key")
    payload_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the normalised request")
    device_time = models.DateTimeField(null=True, blank=True, help_text="When the device says it was raised")
    received_at = models.DateTimeField(help_text="When the server received it")
    delayed = models.BooleanField(default=False, help_text="The device time is well before the received time")

    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    altitude_m = models.FloatField(null=True, blank=True)
    location_at = models.DateTimeField(null=True, blank=True, help_text="Device time of the latest location")
    battery_pct = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_notes = models.TextField(blank=True)

    escalation_count = models.PositiveIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["trekker", "-received_at"], name="incident_trekker_recv_idx"),
            models.Index(fields=["batch", "-received_at"], name="incident_batch_recv_idx"),
            models.Index(fields=["status", "-received_at"], name="incident_status_recv_idx"),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(next_escalation_at__isnull=False),
                name="incident_escalation_due_idx",
            ),
            index_where_set("reported_by", "incident_reported_by_idx"),
            index_where_set("acknowledged_by", "incident_acknowledged_by_idx"),
            index_where_set("resolved_by", "incident_resolved_by_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trekker", "client_key"],
                condition=Q(client_key__isnull=False),
                name="incident_unique_client_key",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="incident_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="incident_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_lat_lon_together",
            ),
            models.CheckConstraint(
                condition=Q(battery_pct__isnull=True) | Q(battery_pct__lte=100), name="incident_battery_range"
            ),
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0), name="incident_accuracy_positive"
            ),
            # Escalation is only ever pending for an incident nobody has acknowledged.
            models.CheckConstraint(
                condition=Q(next_escalation_at__isnull=True) | Q(status="open"),
                name="incident_escalation_only_open",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "false_alarm"]) | Q(resolved_at__isnull=False),
                name="incident_closed_has_resolved_at",
            ),
        ]

    def __str__(self) -> str:
        trekker = self.trekker
        who = trekker.get_full_name() or trekker.email or trekker.phone or str(self.trekker_id)
        return f"{self.get_kind_display()} · {who} [{self.get_status_display()}]"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def maps_url(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        return f"https://maps.google.com/?q={self.latitude},{self.longitude}"


class IncidentUpdate(BaseModel):
    """One entry of an incident's timeline."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATUS_CHANGE = "status_change", "Status change"
        LOCATION = "location", "Location"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=15, choices=Kind.choices)
    note = models.TextField(blank=True)
    from_status = models.CharField(max_length=15, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=IncidentStatus.choices, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="incupdate_incident_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="status_change") | ~Q(to_status=""), name="incupdate_status_change_has_status"
            ),
            models.CheckConstraint(
                condition=~Q(kind="location") | Q(latitude__isnull=False, longitude__isnull=False),
                name="incupdate_location_has_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.incident_id}"


class LocationPing(BaseModel):
    """One breadcrumb from the trekker's device; at most one per incident and device time."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="pings", db_index=False)
    recorded_at = models.DateTimeField(help_text="Device time of the fix")
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    accuracy_m = models.FloatField(null=True, blank=True)
    altitude_m = models.FloatField(null=True, blank=True)
    battery_pct = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "recorded_at"], name="locationping_unique_incident_time"),
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="locationping_lat_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="locationping_lon_range"),
            models.CheckConstraint(
                condition=Q(battery_pct__isnull=True) | Q(battery_pct__lte=100), name="locationping_battery_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.latitude},{self.longitude} at {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class CheckIn(BaseModel):
    """An armed check-in: "we expect to reach <place> by <expected_at>". Checking in disarms it; past its time
    plus the grace (``EMERGENCY_CHECKIN_GRACE_SECONDS``) the beat task opens an ``overdue`` incident with it.

    ``user`` is a trekker on a confirmed current booking or the batch's guide; ``alert_contacts`` is the
    trekker's choice whether their emergency contacts hear of an alarm (ops and the guide always do).
    """

    class Status(models.TextChoices):
        ARMED = "armed", "Armed"
        CHECKED_IN = "checked_in", "Checked in"
        OVERDUE = "overdue", "Overdue (alarm raised)"
        CHECKED_IN_LATE = "checked_in_late", "Checked in after the alarm"

    # user leads the composite index below
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins", db_index=False
    )
    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="check_ins")
    place = models.CharField(max_length=120)
    expected_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="expected_at plus the grace: the alarm goes off after this")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    alert_contacts = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ARMED)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    incident = models.OneToOneField(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="check_in")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="armed"), name="checkin_armed_due_idx"),
            models.Index(fields=["user", "-created_at"], name="checkin_user_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="armed"), name="checkin_one_armed_per_user"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="checkin_coordinates",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["overdue", "checked_in_late"]) | Q(incident__isnull=False),
                name="checkin_overdue_has_incident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} by {self.expected_at:%d %b %H:%M} [{self.status}]"


class MissedCampCheckIn(BaseModel):
    """A departure day whose camp check-in did not come by the day's hour: ops were alerted once for it."""

    batch = models.ForeignKey("treks.Batch", on_delete=models.PROTECT, related_name="missed_camp_check_ins")
    day = models.DateField()

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["batch", "day"], name="missedcamp_one_per_batch_day")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.day}"
