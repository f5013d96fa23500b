from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.audit_admin import AuditTrailMixin
from apps.common.exceptions import ApplicationError
from apps.notifications.models import Delivery, Device, Notification
from apps.notifications.services import delivery_retry
from apps.users.admin import CapabilityAdmin
from apps.users.current import authenticated_user
from apps.users.roles import Capability


@admin.register(Delivery)
class DeliveryAdmin(AuditTrailMixin, CapabilityAdmin):
    view_capability = Capability.NOTIFICATIONS_MANAGE
    change_capability = Capability.NOTIFICATIONS_MANAGE
    list_display = (
        "created_at",
        "channel",
        "category",
        "template",
        "masked_recipient",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("status", "channel", "category")
    search_fields = ("template", "dedupe_key", "user__email", "=id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    actions = ["retry_deliveries"]
    exclude = ("context",)  # may hold personal data; never shown
    readonly_fields = (
        "channel",
        "category",
        "template",
        "masked_recipient",
        "user",
        "device",
        "notification",
        "dedupe_key",
        "sensitive",
        "status",
        "attempts",
        "next_attempt_at",
        "sending_started_at",
        "sent_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="recipient")
    def masked_recipient(self, obj: Delivery) -> str:
        if obj.channel == "sms" and len(obj.recipient) > 7:
            return f"{obj.recipient[:3]}******{obj.recipient[-4:]}"
        return obj.recipient

    @admin.action(description="Retry the selected failed or cancelled deliveries")
    def retry_deliveries(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        retried, refused = 0, 0
        for delivery in queryset:
            try:
                delivery_retry(actor=authenticated_user(request), delivery=delivery)
                retried += 1
            except ApplicationError:
                refused += 1
        if retried:
            self.message_user(request, f"{retried} deliveries queued again.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} deliveries were not retried (not failed, or sensitive content gone).",
                messages.WARNING,
            )


@admin.register(Notification)
class NotificationAdmin(CapabilityAdmin):
    view_capability = Capability.NOTIFICATIONS_MANAGE
    list_display = ("created_at", "user", "category", "title", "read_at")
    list_filter = ("category",)
    search_fields = ("user__email", "title", "=id")
    list_select_related = ("user",)
    readonly_fields = ("user", "category", "template", "title", "body", "data", "read_at", "dedupe_key", "created_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(CapabilityAdmin):
    view_capability = Capability.NOTIFICATIONS_MANAGE
    change_capability = Capability.NOTIFICATIONS_MANAGE
    allow_delete = True
    list_display = ("user", "platform", "last_seen_at", "created_at")
    list_filter = ("platform",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    exclude = ("token",)
    readonly_fields = ("user", "platform", "last_seen_at", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
