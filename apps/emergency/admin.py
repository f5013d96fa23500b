"""Incidents in the admin, as the people on call run them: the list opens on active incidents (the most severe,
unacknowledged and oldest first) and reloads itself; an incident's page says who and where, maps the
breadcrumb (Leaflet served by the app, OpenStreetMap tiles), shows the timeline, the trekker's contacts and
batch, and has buttons to acknowledge, post an update, resolve and mark a false alarm, each calling the
emergency service the API calls with the staff member as actor. Nothing on an incident is edited as a form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from rest_framework import serializers

from apps.common.audit_admin import AuditTrailMixin
from apps.emergency import services
from apps.emergency.models import ACTIVE_STATUSES, CLOSED_STATUSES, Incident, IncidentUpdate, LocationPing
from apps.emergency.selectors import PRIORITY_ORDER, incidents_by_priority
from apps.emergency.serializers import FalseAlarmSerializer, IncidentNoteSerializer, ResolveSerializer
from apps.users.admin import CapabilityAdmin, ReadOnlyInline
from apps.users.models import EmergencyContact, User
from apps.users.roles import Capability

BREADCRUMB_POINTS = 500


def incident_title(incident: Incident) -> str:
    """Who and where: ``SOS · Asha Rao (+919800000001) · Hampta Pass, 12 Dec 2026 · 32.318200, 77.187400``."""
    trekker = incident.trekker
    who = trekker.get_full_name() or trekker.email or trekker.phone or "unknown trekker"
    if trekker.phone:
        who = f"{who} ({trekker.phone})"
    parts = [incident.get_kind_display(), who]
    batch = incident.batch
    if batch is not None:
        parts.append(f"{batch.trek.name}, {batch.start_date:%d %b %Y}")
    if incident.latitude is not None and incident.longitude is not None:
        parts.append(f"{incident.latitude}, {incident.longitude}")
    return " · ".join(parts)


class IncidentUpdateInline(ReadOnlyInline):
    model = IncidentUpdate
    verbose_name_plural = "timeline"
    fields = ("created_at", "kind", "author", "from_status", "to_status", "note", "latitude", "longitude")
    readonly_fields = fields
    ordering = ("created_at",)


class LocationPingInline(ReadOnlyInline):
    model = LocationPing
    fields = ("recorded_at", "latitude", "longitude", "accuracy_m", "altitude_m", "battery_pct")
    readonly_fields = fields
    ordering = ("-recorded_at",)
    max_num = 0


class StateFilter(admin.SimpleListFilter):
    """Active incidents unless asked otherwise."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("closed", "Resolved or false alarm"), ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        for choice in list(super().choices(changelist))[1:]:  # no "All" of Django's: "all" is a choice here
            if self.value() is None and choice["display"] == "Active":
                choice["selected"] = True
            yield choice

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        if self.value() == "all":
            return queryset
        if self.value() == "closed":
            return queryset.filter(status__in=CLOSED_STATUSES)
        return queryset.filter(status__in=ACTIVE_STATUSES)


class PriorityChangeList(ChangeList):
    def get_ordering(self, request: HttpRequest, queryset: QuerySet[Any]) -> list[Any]:
        if ORDER_VAR in self.params:
            return super().get_ordering(request, queryset)
        return list(PRIORITY_ORDER)


@dataclass(frozen=True)
class Handling:
    """One button: the API's serializer for its input (the same rules), the service, what to say when done."""

    serializer: type[serializers.Serializer]
    field: str
    call: Callable[[User, Incident, str], Any]
    done: str


HANDLING: dict[str, Handling] = {
    "acknowledge": Handling(
        FalseAlarmSerializer,
        "note",
        lambda actor, i, _: services.incident_acknowledge(actor=actor, incident=i),
        "acknowledged",
    ),
    "note": Handling(
        IncidentNoteSerializer,
        "note",
        lambda actor, i, note: services.incident_add_note(actor=actor, incident=i, note=note),
        "update posted",
    ),
    "resolve": Handling(
        ResolveSerializer,
        "resolution_notes",
        lambda actor, i, note: services.incident_resolve(actor=actor, incident=i, notes=note),
        "resolved",
    ),
    "false_alarm": Handling(
        FalseAlarmSerializer,
        "note",
        lambda actor, i, note: services.incident_mark_false_alarm(actor=actor, incident=i, note=note),
        "marked a false alarm: the contacts are told the trekker is safe",
    ),
}


@admin.register(Incident)
class IncidentAdmin(AuditTrailMixin, CapabilityAdmin):
    view_capability = Capability.INCIDENTS_MANAGE
    change_form_template = "admin/emergency/incident/backoffice_change_form.html"
    change_list_template = "admin/emergency/incident/backoffice_change_list.html"
    list_display = ("title", "severity", "status", "received_at", "acknowledged_at", "escalation_count", "delayed")
    list_display_links = ("title",)
    list_filter = (StateFilter, "severity", "kind", "source", "delayed")
    search_fields = ("trekker__email", "trekker__phone", "trekker__first_name", "trekker__last_name", "message")
    list_select_related = ("trekker", "batch__trek")
    inlines = (IncidentUpdateInline, LocationPingInline)
    readonly_fields = tuple(field.name for field in Incident._meta.fields)
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # handled through the buttons (the emergency services), never edited as a form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # raised by the trekker, a guide or staff through the API's intake

    @admin.display(description="incident")
    def title(self, obj: Incident) -> str:
        return incident_title(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Incident]:
        return incidents_by_priority(super().get_queryset(request).select_related("trekker", "batch__trek"))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PriorityChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        refresh = {"refresh_seconds": settings.BACKOFFICE_INCIDENTS_REFRESH_SECONDS}
        return super().changelist_view(request, {**(extra_context or {}), **refresh})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        incident = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if incident is not None:
            pings = incident.pings.order_by("recorded_at").values_list("latitude", "longitude")[:BREADCRUMB_POINTS]
            breadcrumb = [[float(lat), float(lng)] for lat, lng in pings]
            if not breadcrumb and incident.latitude is not None and incident.longitude is not None:
                breadcrumb = [[float(incident.latitude), float(incident.longitude)]]
            batch = incident.batch
            extra.update(
                title=incident_title(incident),
                subtitle=incident_title(incident),
                breadcrumb=breadcrumb,
                map_tiles=settings.BACKOFFICE_MAP_TILES,
                contacts=list(EmergencyContact.objects.filter(user=incident.trekker).order_by("-is_primary", "name")),
                guide=batch.guide if batch and batch.guide_id else None,
                can_handle=self._can(request, Capability.INCIDENTS_MANAGE) and incident.is_active,
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.handle_view)
        return [path("<path:object_id>/handle/", view, name="emergency_incident_handle"), *super().get_urls()]

    def handle_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST ``action`` (acknowledge, note, resolve, false_alarm) and ``handling_note``: the service decides."""
        self.require(request, Capability.INCIDENTS_MANAGE)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        incident = get_object_or_404(Incident, pk=object_id)
        handling = HANDLING.get(request.POST.get("action", ""))
        if handling is None:
            return HttpResponseBadRequest("Unknown action.")
        data = handling.serializer(data={handling.field: request.POST.get("handling_note", "")})
        if not data.is_valid():
            errors = "; ".join(str(e) for messages in data.errors.values() for e in messages)
            self.message_user(request, f"Not done: {errors}", level=messages.ERROR)
            return self.back_to(incident)
        note = data.validated_data.get(handling.field, "")
        actor: User = request.user  # type: ignore[assignment]  # admin_view: a signed-in staff member
        return self.run_action(
            request,
            incident,
            lambda: handling.call(actor, incident, note),
            f"Incident {handling.done}.",
        )
