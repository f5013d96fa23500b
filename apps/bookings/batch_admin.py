"""The departure's admin page with its booking side: bookings, waitlist, manifest downloads, cancel-departure.

The catalog registers :class:`apps.treks.admin.BatchAdmin` (dates, seats, guide) and may not import bookings, so
this module extends that class and registers the extension in its place: one page per batch, at the same address,
rather than a second "departures" proxy page that staff would have to tell apart from the first.

- Bookings and waitlist: read-only inlines, shown to staff holding ``bookings.view``.
- Manifest: ``<batch>/manifest.csv`` and ``<batch>/manifest.json`` with the admin session, through the API's rows
  (``apps.bookings.views.ops.manifest_rows``) and CSV writer (``apps.common.csv_export``), for whoever the API lets
  read it (``apps.bookings.selectors.can_view_manifest``): anyone else gets 403.
- Cancel departure: the API's bulk cancellation (``batch_bulk_cancel_start``), for ``bookings.bulk_cancel``.
- Announce: ``<batch>/announce/``, a form that sends through the API's service (``departure_announce``) for
  ``batches.manage``, counted by the API's own rate limits (per sender and per departure).
- Reschedule: the change form itself (``batch_update`` through the catalog admin), which tells the booked trekkers.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.bookings import selectors
from apps.bookings.models import Booking, WaitlistEntry
from apps.bookings.services import batch_bulk_cancel_start, departure_announce
from apps.bookings.throttles import AnnounceDepartureThrottle, AnnounceSenderThrottle
from apps.bookings.views.ops import MANIFEST_FIELDS, manifest_rows
from apps.common.csv_export import csv_response
from apps.common.exceptions import ApplicationError
from apps.treks.admin import BatchAdmin
from apps.treks.models import Batch
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


class DepartureAdmin(BatchAdmin):
    inlines = (BatchBookingInline, BatchWaitlistInline)
    actions = ("cancel_departure",)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # read-only lists: nothing of theirs is posted back, so a save does not expect their forms
        return [] if request.method == "POST" else super().get_inline_instances(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "manifest", "announce")

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        own = [
            path(
                "<path:object_id>/manifest.<str:fmt>",
                self.admin_site.admin_view(self.manifest_view),
                name=f"{opts.app_label}_{opts.model_name}_manifest",
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
