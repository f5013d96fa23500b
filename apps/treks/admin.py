"""Catalog admin. Edits made here go through the same rules as the API where it matters (seats, status)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.audit import AuditAction, audit
from apps.common.audit_admin import AuditTrailMixin
from apps.treks.catalog_cache import catalog_version_bump
from apps.treks.models import Batch, Guide, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.treks.services.catalog import trek_refresh_search
from apps.users.admin import CapabilityAdmin
from apps.users.roles import Capability

# (created, updated) of each model edited here
_SAVED = {
    Region: (AuditAction.REGION_CREATED, AuditAction.REGION_UPDATED),
    Trek: (AuditAction.TREK_CREATED, AuditAction.TREK_UPDATED),
    Guide: (AuditAction.GUIDE_CREATED, AuditAction.GUIDE_UPDATED),
    Batch: (AuditAction.BATCH_CREATED, AuditAction.BATCH_UPDATED),
}


def audit_admin_save(request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
    """Admin edits are staff writes too: one audit row (``via: admin``), and the catalog cache is invalidated."""
    audit(
        actor=request.user if isinstance(request.user, AbstractBaseUser) else None,
        action=_SAVED[type(obj)][change],
        target=obj,
        changes={"fields": list(form.changed_data), "via": "admin"},
    )
    catalog_version_bump()


class CatalogAdmin(AuditTrailMixin, CapabilityAdmin):
    change_capability = Capability.CATALOG_WRITE

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_admin_save(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        catalog_version_bump()


class ItineraryInline(admin.TabularInline):
    model = TrekItineraryDay
    extra = 0
    ordering = ("day_number",)
    fields = ("day_number", "title", "camp_name", "altitude", "distance_km", "meal_plan")


class PhotoInline(admin.TabularInline):
    model = TrekPhoto
    extra = 0
    ordering = ("position",)
    fields = ("position", "image", "caption")


class BatchInline(admin.TabularInline):
    """Departures at a glance; they are edited in the batch admin, which keeps seats and status in step."""

    model = Batch
    extra = 0
    ordering = ("start_date",)
    fields = ("start_date", "end_date", "total_seats", "seats_taken", "price", "status", "guide")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(CatalogAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Trek)
class TrekAdmin(CatalogAdmin):
    list_display = ("name", "region", "difficulty", "max_altitude", "duration_days", "status")
    list_filter = ("region", "difficulty", "status")
    search_fields = ("name", "slug", "region__name", "description")
    list_select_related = ("region",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("route_stats", "created_at", "updated_at")
    exclude = ("route_geojson",)
    inlines = (ItineraryInline, PhotoInline, BatchInline)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        trek_refresh_search(trek_ids=[form.instance.pk])


@admin.register(Guide)
class GuideAdmin(CatalogAdmin):
    list_display = ("__str__", "years_exp", "is_active")
    list_filter = ("is_active", "regions")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    filter_horizontal = ("regions",)


class BatchAdminForm(forms.ModelForm):
    class Meta:
        model = Batch
        fields = ("trek", "guide", "start_date", "end_date", "total_seats", "price")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        total = data.get("total_seats")
        if total is not None and total < self.instance.seats_taken:
            self.add_error("total_seats", f"{self.instance.seats_taken} seats are already taken.")
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return data


@admin.register(Batch)
class BatchAdmin(AuditTrailMixin, CapabilityAdmin):
    form = BatchAdminForm
    change_capability = Capability.BATCHES_MANAGE
    view_capability = Capability.CATALOG_WRITE
    list_display = ("trek", "start_date", "end_date", "total_seats", "seats_taken", "seats_left", "price", "status")
    list_filter = ("status", "trek__region", "trek")
    search_fields = ("trek__name", "trek__slug")
    date_hierarchy = "start_date"
    list_select_related = ("trek", "guide__user")
    readonly_fields = ("seats_taken", "status", "created_at", "updated_at")
    autocomplete_fields = ("trek", "guide")

    @admin.display(description="Seats left")
    def seats_left(self, obj: Batch) -> int:
        return obj.seats_left

    def get_queryset(self, request: HttpRequest) -> QuerySet[Batch]:
        return super().get_queryset(request).select_related("trek", "guide__user")

    def save_model(self, request: HttpRequest, obj: Batch, form: Any, change: bool) -> None:
        if obj.status in (Batch.Status.OPEN, Batch.Status.FULL):
            obj.status = Batch.Status.FULL if obj.seats_taken >= obj.total_seats else Batch.Status.OPEN
        super().save_model(request, obj, form, change)
        audit_admin_save(request, obj, form, change)
