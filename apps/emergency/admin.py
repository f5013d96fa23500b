"""Incidents in the admin: read-only records with their timeline (handling goes through the API's services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.common.audit_admin import AuditTrailMixin
from apps.emergency.models import Incident, IncidentUpdate, LocationPing
from apps.users.admin import CapabilityAdmin
from apps.users.roles import Capability


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # shown only inside IncidentAdmin, which checks incidents.manage


class IncidentUpdateInline(ReadOnlyInline):
    model = IncidentUpdate
    fields = ("created_at", "kind", "author", "from_status", "to_status", "note", "latitude", "longitude")
    readonly_fields = fields
    ordering = ("created_at",)


class LocationPingInline(ReadOnlyInline):
    model = LocationPing
    fields = ("recorded_at", "latitude", "longitude", "accuracy_m", "altitude_m", "battery_pct")
    readonly_fields = fields
    ordering = ("-recorded_at",)
    max_num = 0


@admin.register(Incident)
class IncidentAdmin(AuditTrailMixin, CapabilityAdmin):
    view_capability = Capability.INCIDENTS_MANAGE
    list_display = ("received_at", "trekker", "kind", "severity", "status", "source", "delayed", "escalation_count")
    list_filter = ("status", "kind", "severity", "source", "delayed")
    search_fields = ("trekker__email", "trekker__phone", "trekker__first_name", "trekker__last_name", "message")
    list_select_related = ("trekker",)
    date_hierarchy = "received_at"
    inlines = (IncidentUpdateInline, LocationPingInline)
    readonly_fields = tuple(field.name for field in Incident._meta.fields)
    fields = readonly_fields
