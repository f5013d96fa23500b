"""The departure's admin page with its booking side: bookings, waitlist, manifest downloads, cancel-departure.

The catalog registers :class:`apps.treks.admin.BatchAdmin` (dates, seats, guide) and may not import bookings, so
this module extends that class and registers the extension in its place: one page per batch, at the same address,
rather than a second "departures" proxy page that staff would have to tell apart from the first.

- Bookings, waitlist, base check-ins and camp check-ins: read-only inlines, shown to staff holding ``bookings.view``.
- Manifest: ``<batch>/manifest.csv`` and ``<batch>/manifest.json`` with the admin session, through the API's rows
  (``apps.bookings.views.ops.manifest_rows``) and CSV writer (``apps.common.csv_export``), for whoever the API lets
  read it (``apps.bookings.selectors.can_view_manifest``): anyone else gets 403.
- Cancel departure: the API's bulk cancellation (``batch_bulk_cancel_start``), for ``bookings.bulk_cancel``.
- Reschedule: a page of its own (``<batch>/reschedule/``, for ``batches.manage``) that shows who will be told (every
  pending or confirmed booking's lead trekker, and the guide) and moves the dates through ``batch_update``, as
  ``PATCH batches/{id}/`` does; the change form's date fields take the same path.
- Announce: ``<batch>/announce/``, a form that sends through the API's service (``departure_announce``) for
  ``batches.manage``, counted by the API's own rate limits (per sender and per departure).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.bookings import selectors
from apps.bookings.models import BaseCheckIn, Booking, CampCheckIn, WaitlistEntry
from apps.bookings.services import batch_bulk_cancel_start, departure_announce
from apps.bookings.throttles import AnnounceDepartureThrottle, AnnounceSenderThrottle
from apps.bookings.views.ops import MANIFEST_FIELDS, manifest_rows
from apps.common.admin_forms import refusal_as_errors
from apps.common.csv_export import csv_response
from apps.common.exceptions import ApplicationError
from apps.treks.admin import BatchAdmin
from apps.treks.models import Batch
from apps.treks.services import batch_update
from apps.treks.services.batches import batch_update_check
from apps.users.admin import ReadOnlyInline
from apps.users.models import User
from apps.users.roles import Capability, has_capability


class _ReadOnlyBookingsInline(ReadOnlyInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_capability(request.user, Capability.BOOKINGS_VIEW) and super().has_view_permission(request, obj)


class BatchBookingInline(_ReadOnlyBookingsInline):
    model = Booking
    verbose_name_plural = "bookings"
    fields = ("reference", "status", "trekker_name", "seats", "final_amount", "amount_paid", "balance", "created_at")
    readonly_fields = fields
    ordering = ("created_at",)
    show_change_link = True

    @admin.display(description="Balance due")
    def balance(self, obj: Booking) -> Any:
        return obj.balance_due


class BatchWaitlistInline(_ReadOnlyBookingsInline):
    model = WaitlistEntry
    verbose_name_plural = "waitlist"
    fields = ("user", "seats", "status", "offered_at", "created_at")
    readonly_fields = fields
    ordering = ("created_at",)


class RescheduleForm(forms.Form):
    """New dates, checked as ``PATCH batches/{id}/`` checks them (``batch_update_check``: the trek's duration,
    not in the past, the guide free on the new dates)."""

    start_date = forms.DateField()
    end_date = forms.DateField(required=False, help_text="Empty: the last day of the trek's duration.")

    def __init__(self, *args: Any, batch: Batch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch = batch

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        changes = {"start_date": data["start_date"]}
        if data.get("end_date"):
            changes["end_date"] = data["end_date"]
        with refusal_as_errors(self):
            self.changes = batch_update_check(batch=self.batch, changes=changes)
        return data


class BatchBaseCheckInInline(_ReadOnlyBookingsInline):
    """Who the guide marked present, late or no-show at the base (``POST .../roster/<id>/check-in/``)."""

    model = BaseCheckIn
    verbose_name_plural = "base check-ins"
    fields = ("participant", "status", "note", "marked_by", "marked_at")
    readonly_fields = fields
    ordering = ("marked_at",)


class BatchCampCheckInInline(_ReadOnlyBookingsInline):
    """The guide's daily "reached camp" posts, newest first."""

    model = CampCheckIn
    verbose_name_plural = "camp check-ins"
    fields = ("day", "camp", "latitude", "longitude", "note", "posted_by", "posted_at")
    readonly_fields = fields
    ordering = ("-posted_at",)


class DepartureAdmin(BatchAdmin):
    inlines = (BatchBookingInline, BatchWaitlistInline, BatchBaseCheckInInline, BatchCampCheckInInline)
    actions = ("cancel_departure",)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # read-only lists: nothing of theirs is posted back, so a save does not expect their forms
        return [] if request.method == "POST" else super().get_inline_instances(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "manifest", "reschedule", "announce")

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        own = [
            path(
                "<path:object_id>/manifest.<str:fmt>",
                self.admin_site.admin_view(self.manifest_view),
                name=f"{opts.app_label}_{opts.model_name}_manifest",
            ),
            path(
                "<path:object_id>/reschedule/",
                self.admin_site.admin_view(self.reschedule_view),
                name=f"{opts.app_label}_{opts.model_name}_reschedule",
            ),
            path(
                "<path:object_id>/announce/",
                self.admin_site.admin_view(self.announce_view),
                name=f"{opts.app_label}_{opts.model_name}_announce",
            ),
        ]
        return own + super().get_urls()

    @admin.display(description="Manifest")
    def manifest(self, obj: Batch) -> str:
        if obj is None or obj.pk is None:
            return "-"
        name = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_manifest"
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">JSON</a>',
            reverse(name, args=[obj.pk, "csv"]),
            reverse(name, args=[obj.pk, "json"]),
        )

    @admin.display(description="Reschedule")
    def reschedule(self, obj: Batch) -> str:
        if obj is None or obj.pk is None:
            return "-"
        url = reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_reschedule", args=[obj.pk])
        return format_html('<a href="{}">New dates, and who will be told</a>', url)

    def reschedule_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        """GET: the dates and who will be told; POST: ``batch_update`` with the new dates (``via: admin``)."""
        self.require(request, Capability.BATCHES_MANAGE)
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404
        form = RescheduleForm(request.POST if request.method == "POST" else None, batch=batch)
        booked = list(selectors.batch_booked(batch=batch))
        if request.method == "POST" and form.is_valid():
            actor: User = request.user  # type: ignore[assignment]  # admin_view: a signed-in staff member
            moved = batch_update(actor=actor, batch=batch, changes=form.changes, via="admin")
            guide = " and the guide" if moved.guide_id else ""
            self.message_user(
                request,
                f"Rescheduled to {moved.start_date:%d %b %Y} - {moved.end_date:%d %b %Y}: "
                f"{len(booked)} booking(s){guide} told.",
                messages.SUCCESS,
            )
            return self.back_to(moved)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": batch,
            "title": f"Reschedule {batch.trek.name}, {batch.start_date:%d %b %Y}",
            "form": form,
            "booked": booked,
            "guide": batch.guide,
        }
        return TemplateResponse(request, "admin/treks/batch/reschedule.html", context)

    def manifest_view(self, request: HttpRequest, object_id: str, fmt: str) -> HttpResponseBase:
        """The participant manifest as the API serves it, for the same people (``can_view_manifest``)."""
        batch = self.get_object(request, object_id)
        if batch is None or fmt not in ("csv", "json"):
            raise Http404
        if not selectors.can_view_manifest(user=request.user, batch=batch):
            raise PermissionDenied
        if fmt == "csv":
            rows = manifest_rows(batch)
            return csv_response(filename=f"manifest-{batch.pk}.csv", fieldnames=MANIFEST_FIELDS, rows=rows)
        response = JsonResponse(list(manifest_rows(batch)), safe=False)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.display(description="Announcement")
    def announce(self, obj: Batch) -> str:
        if obj is None or obj.pk is None:
            return "-"
        name = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_announce"
        return format_html('<a href="{}">Tell everyone booked</a>', reverse(name, args=[obj.pk]))

    def announce_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the form; POST: ``departure_announce`` (403 without ``batches.manage``; 429-like refusal shown on the
        page when the API's rate limits are spent)."""
        self.require(request, Capability.BATCHES_MANAGE)
        batch = self.get_object(request, object_id)
        if batch is None:
            raise Http404
        if request.method == "POST":
            assert isinstance(request.user, User)
            body, urgent, sender = (
                request.POST.get("body", "").strip(),
                request.POST.get("urgent") == "on",
                request.user,
            )
            view = SimpleNamespace(kwargs={"batch_id": batch.pk})
            throttles = (AnnounceSenderThrottle(), AnnounceDepartureThrottle())
            if not all(throttle.allow_request(request, view) for throttle in throttles):  # type: ignore[arg-type]
                self.message_user(request, "Too many announcements: try again later.", messages.ERROR)
                return self.back_to(batch)
            if not body or len(body) > 1000:
                self.message_user(request, "Write the announcement (at most 1,000 characters).", messages.ERROR)
                return self.back_to(batch)
            return self.run_action(
                request,
                batch,
                lambda: departure_announce(sender=sender, batch=batch, body=body, urgent=urgent, via="admin"),
                "Announcement sent to everyone booked.",
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": batch,
            "title": f"Announce to {batch.trek.name} {batch.start_date:%d %b %Y}",
        }
        return TemplateResponse(request, "admin/treks/batch/announce.html", context)

    def has_bulk_cancel_permission(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.BOOKINGS_BULK_CANCEL)

    @admin.action(description="Cancel departure (every booking refunded in full)", permissions=["bulk_cancel"])
    def cancel_departure(self, request: HttpRequest, queryset: QuerySet[Batch]) -> None:
        assert isinstance(request.user, User)
        for batch in queryset.select_related("trek"):
            name = f"{batch.trek} {batch.start_date}"
            try:
                job = batch_bulk_cancel_start(actor=request.user, batch=batch, reason="Cancelled in the admin")
            except ApplicationError as exc:
                self.message_user(request, f"{name}: {exc.message} ({exc.code})", messages.ERROR)
            else:
                self.message_user(request, f"{name}: cancelled; {job.total} booking(s) being refunded.")


admin.site.unregister(Batch)
admin.site.register(Batch, DepartureAdmin)
