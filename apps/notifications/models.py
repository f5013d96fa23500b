"""Inbox notifications, outgoing deliveries (one per channel and recipient), preferences and push devices."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from apps.common.i18n import DEFAULT_LANGUAGE, Language
from apps.common.models import BaseModel, index_where_set


class Category(models.TextChoices):
    BOOKING = "booking", "Bookings"
    PAYMENT = "payment", "Payments"
    REMINDER = "reminder", "Trek reminders"
    COMMUNITY = "community", "Community"
    MESSAGE = "message", "Messages"
    MARKETING = "marketing", "Offers and news"
    SECURITY = "security", "Account security"
    EMERGENCY = "emergency", "Emergency"


class Channel(models.TextChoices):
    INBOX = "inbox", "In-app inbox"
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"
    PUSH = "push", "Push"


class Notification(BaseModel):
    """One row of a user's in-app inbox."""

    # no index of its own: the inbox indexes below lead with it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    template = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    read_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notif_user_created_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notif_user_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=Q(dedupe_key__isnull=False), name="notif_unique_dedupe_key"
            ),
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="notif_dedupe_key_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Device(BaseModel):
    """A push token of one app installation. A token belongs to at most one user at a time."""

    class Platform(models.TextChoices):
        ANDROID = "android", "Android"
        IOS = "ios", "iOS"
        WEB = "web", "Web"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    token = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=10, choices=Platform.choices)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [models.CheckConstraint(condition=~Q(token=""), name="device_token_not_blank")]

    def __str__(self) -> str:
        return f"{self.platform} device of {self.user_id}"


class NotificationPreference(BaseModel):
    """A user's choice for one (category, channel); absent rows fall back to the defaults in ``policy.py``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="notifpref_unique_user_category_channel"
            ),
            # Security and emergency messages cannot be switched off.
            models.CheckConstraint(
                condition=~Q(category__in=["security", "emergency"]), name="notifpref_not_locked_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.category}/{self.channel}={'on' if self.enabled else 'off'}"


class Delivery(BaseModel):
    """One message on one channel to one recipient, sent by a task and never twice.

    ``queued`` -> ``sending`` (claimed and committed before the provider is called) -> ``sent`` | ``queued``
    (retry later) | ``failed``. ``cancelled`` when there is nothing left to send to (device gone).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # keys a delivery to a phone number or an address leaves NULL: indexed where set (see Meta)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_index=False,
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries", db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    template = models.CharField(max_length=100)
    recipient = models.CharField(max_length=320, help_text="E-mail address, E.164 phone or device:<id>")
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    sensitive = models.BooleanField(default=False)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    language = models.CharField(
        max_length=5, choices=Language.choices, default=DEFAULT_LANGUAGE, help_text="The recipient's language"
    )
    sms_segments = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="SMS: the parts the text was sent in (GSM-7 or UCS-2, see sms_length)"
    )
    sms_encoding = models.CharField(max_length=5, blank=True, help_text="SMS: gsm7 or ucs2")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(help_text="When a queued delivery is due (the sweeper's clock)")
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due_idx"),
            models.Index(fields=["channel", "status"], name="delivery_channel_status_idx"),
            index_where_set("notification", "delivery_notification_idx"),
            index_where_set("user", "delivery_user_idx"),
            index_where_set("device", "delivery_device_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "channel", "recipient"],
                condition=Q(dedupe_key__isnull=False),
                name="delivery_unique_dedupe_key",
            ),
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="delivery_dedupe_key_not_blank"),
            models.CheckConstraint(condition=~Q(channel="inbox"), name="delivery_not_inbox"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="delivery_sent_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.template} [{self.status}]"

    @property
    def is_final(self) -> bool:
        return self.status in {self.Status.SENT, self.Status.FAILED, self.Status.CANCELLED}
