"""Catalog admin. Every write goes through the catalog services, after the checks the API makes
(``apps/treks/admin_forms.py``): the same refusals, the same audit rows (``via: admin`` on batches), the same
catalog cache invalidation.

The batch page's booking parts (bookings, waitlist, manifest, cancel-departure) are added by ``apps.bookings``,
which extends :class:`BatchAdmin` (the catalog may not import bookings).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from apps.common.audit_admin import AuditTrailMixin
from apps.treks import services
from apps.treks.admin_forms import BatchAdminForm, GuideAdminForm, RegionAdminForm, TrekAdminForm, upload_refused
from apps.treks.models import Batch, Guide, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.users.admin import CapabilityAdmin, CapabilityInlineMixin
from apps.users.models import User
from apps.users.roles import Capability

ITINERARY_FIELDS = (
    "day_number",
    "title",
    "camp_name",
    "altitude",
    "distance_km",
    "meal_plan",
    "evacuation_notes",
    "nearest_medical_point",
)


def _actor(request: HttpRequest) -> User:
    """The staff member saving (the admin lets only signed-in staff this far)."""
    assert isinstance(request.user, User)
    return request.user


def _took_over(obj: Any, saved: Any) -> None:
    """The admin's ``obj`` becomes the row the service wrote (the admin then logs and redirects to it)."""
    for field in type(obj)._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class CatalogAdmin(AuditTrailMixin, CapabilityAdmin):
    change_capability = Capability.CATALOG_WRITE


class ItineraryFormSet(BaseInlineFormSet):
    """The itinerary is replaced as a whole, as ``PUT treks/{slug}/itinerary/`` does: one day per trek day."""

    def clean(self) -> None:
        super().clean()
        if not self.has_changed():
            return
        numbers = sorted(
            f.cleaned_data["day_number"]
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("day_number")
        )
        expected = list(range(1, self.instance.duration_days + 1))
        if numbers != expected:
            raise forms.ValidationError(
                f"The itinerary must have exactly {self.instance.duration_days} days (the trek's duration), "
                "numbered from 1."
            )

    def days(self) -> list[dict[str, Any]]:
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        return [
            {k: row[k] for k in ITINERARY_FIELDS if k in row} for row in sorted(rows, key=lambda r: r["day_number"])
        ]


class ItineraryInline(CapabilityInlineMixin, admin.TabularInline):
    model = TrekItineraryDay
    formset = ItineraryFormSet
    extra = 0
    ordering = ("day_number",)
    fields = ITINERARY_FIELDS


class PhotoFormSet(BaseInlineFormSet):
    """New pictures are re-encoded as the API's uploads are; a stored one is removed, never edited in place."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if form.instance.pk and form.has_changed():
                form.add_error(None, "Remove this photo and add another instead of changing it.")
            elif not form.instance.pk and (reason := upload_refused(form.cleaned_data.get("image"), kind="image")):
                form.add_error("image", reason)


class PhotoInline(CapabilityInlineMixin, admin.TabularInline):
    model = TrekPhoto
    formset = PhotoFormSet
    extra = 0
    ordering = ("position",)
    fields = ("image", "caption", "position")
    readonly_fields = ("position",)


class BatchInline(CapabilityInlineMixin, admin.TabularInline):
    """Departures at a glance; they are edited in the batch admin, which keeps seats and status in step."""

    model = Batch
    extra = 0
    ordering = ("start_date",)
    fields = ("start_date", "end_date", "total_seats", "seats_taken", "price", "status", "guide")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    allow_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(CatalogAdmin):
    form = RegionAdminForm
    list_display = ("name", "slug")
    search_fields = ("name", "slug")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("slug",) if obj is not None else ()  # a region's address never changes

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj is not None else {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        values = form.service_values
        if change:
            saved = services.region_update(actor=_actor(request), region=obj, changes=values)
        else:
            saved = services.region_create(actor=_actor(request), slug=obj.slug or None, **values)
        _took_over(obj, saved)


@admin.register(Trek)
class TrekAdmin(CatalogAdmin):
    form = TrekAdminForm
    list_display = ("name", "region", "difficulty", "max_altitude", "duration_days", "status")
    list_filter = ("region", "difficulty", "status")
    search_fields = ("name", "slug", "region__name", "description")
    list_select_related = ("region",)
    readonly_fields = ("slug", "route_stats", "created_at", "updated_at")
    inlines = (ItineraryInline, PhotoInline, BatchInline)

    def save_model(self, request: HttpRequest, obj: Trek, form: Any, change: bool) -> None:
        actor, values = _actor(request), form.service_values
        if change:
            saved = services.trek_update(actor=actor, trek=obj, changes=values)
        else:
            saved = services.trek_create(actor=actor, **values)
        if "cover_image" in form.changed_data and form.cleaned_data.get("cover_image"):
            saved = services.trek_set_cover(actor=actor, trek=saved, upload=form.cleaned_data["cover_image"])
        if "gpx_file" in form.changed_data and form.cleaned_data.get("gpx_file"):
            saved = services.trek_attach_gpx(actor=actor, trek=saved, upload=form.cleaned_data["gpx_file"])
        _took_over(obj, saved)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor, trek = _actor(request), form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # for the change message
        if isinstance(formset, ItineraryFormSet):
            if formset.has_changed():
                services.trek_set_itinerary(actor=actor, trek=trek, days=formset.days())
        elif isinstance(formset, PhotoFormSet):
            for photo_form in formset.forms:
                data = photo_form.cleaned_data
                if not data:
                    continue
                if data.get("DELETE") and photo_form.instance.pk:
                    services.trek_remove_photo(actor=actor, photo=photo_form.instance)
                elif not photo_form.instance.pk and data.get("image"):
                    services.trek_add_photo(
                        actor=actor, trek=trek, upload=data["image"], caption=data.get("caption", "")
                    )
        # the batch inline is read-only: nothing to save


@admin.register(Guide)
class GuideAdmin(CatalogAdmin):
    form = GuideAdminForm
    list_display = ("__str__", "years_exp", "is_active")
    list_filter = ("is_active", "regions")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    filter_horizontal = ("regions",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("user",) if obj is not None else ()  # a profile never moves to another user

    def save_model(self, request: HttpRequest, obj: Guide, form: Any, change: bool) -> None:
        actor, values = _actor(request), dict(form.service_values)
        values.pop("user", None)
        if change:
            saved = services.guide_update(actor=actor, guide=obj, changes=values)
        else:
            saved = services.guide_create(actor=actor, user=form.cleaned_data["user"], **values)
        if "photo" in form.changed_data and form.cleaned_data.get("photo"):
            saved = services.guide_set_photo(actor=actor, guide=saved, upload=form.cleaned_data["photo"])
        _took_over(obj, saved)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the regions were saved by the service


@admin.register(Batch)
class BatchAdmin(AuditTrailMixin, CapabilityAdmin):
    form = BatchAdminForm
    change_capability = Capability.BATCHES_MANAGE
    view_capability = Capability.CATALOG_WRITE
    list_display = (
        "trek", "start_date", "end_date", "guide", "total_seats", "seats_taken", "seats_left", "price", "status",
    )  # fmt: skip
    list_filter = ("status", "trek__region", "trek")
    search_fields = ("trek__name", "trek__slug")
    date_hierarchy = "start_date"
    list_select_related = ("trek", "guide__user")
    readonly_fields = ("seats_taken", "status", "created_at", "updated_at")
    autocomplete_fields = ("trek", "guide")

    @admin.display(description="Seats left")
    def seats_left(self, obj: Batch) -> int:
        return obj.seats_left

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "trek") if obj is not None else fields  # a departure never moves to another trek

    def get_queryset(self, request: HttpRequest) -> QuerySet[Batch]:
        return super().get_queryset(request).select_related("trek", "guide__user")

    def save_model(self, request: HttpRequest, obj: Batch, form: Any, change: bool) -> None:
        values = form.service_values
        if change:
            saved = services.batch_update(actor=_actor(request), batch=obj, changes=values, via="admin")
        else:
            saved = services.batch_create(actor=_actor(request), trek=obj.trek, via="admin", **values)
        _took_over(obj, saved)
