"""The booking pages: a readable list with the filters a departure day needs, and a change page with the
participants, documents, payments, refunds, messages and audit trail, and buttons that call the services.

Nothing on a booking is edited as a form: every change is an action that calls the service the API calls,
with the staff member as actor (the service writes the audit row). Phone bookings and offline payments are the
front desk's pages (``apps.bookings.admin.desk``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.bookings import services
from apps.bookings.admin.desk import FrontDeskBookingMixin
from apps.bookings.admin.filters import BalanceDueFilter, DepartureFilter, DocumentsFilter
from apps.bookings.models import Booking, BookingDocument, BookingParticipant, Payment, Refund
from apps.bookings.paperwork import missing_readable
from apps.bookings.pricing import format_inr
from apps.bookings.selectors import booking_messages
from apps.bookings.services import documents as document_services
from apps.common.audit_admin import AuditTrailMixin
from apps.users.admin import ReadOnlyAdmin, ReadOnlyInline
from apps.users.roles import Capability


def rupees(amount: Decimal | None) -> str:
    """An amount in full, never cut: ``₹ 12,345.00`` on one line."""
    return format_html('<span style="white-space: nowrap">{}</span>', format_inr(amount or Decimal(0)))


class ParticipantInline(ReadOnlyInline):
    model = BookingParticipant
    fields = ("position", "is_lead", "name", "age", "phone", "email")
    readonly_fields = fields
    ordering = ("position",)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("created_at", "gateway", "method", "receipt_reference", "recorded_by", "status", "amount", "flagged")
    readonly_fields = fields

    @admin.display(description="amount")
    def amount(self, obj: Payment) -> str:
        return rupees(obj.amount)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "reason", "status", "amount", "gateway_refund_id", "error", "processed_at")
    readonly_fields = fields

    @admin.display(description="amount")
    def amount(self, obj: Refund) -> str:
        return rupees(obj.amount)


@admin.register(Booking)
class BookingAdmin(FrontDeskBookingMixin, AuditTrailMixin, ReadOnlyAdmin):
    view_capability = Capability.BOOKINGS_VIEW
    change_form_template = "admin/bookings/booking/backoffice_change_form.html"
    change_list_template = "admin/bookings/booking/change_list.html"
    list_display = (
        "reference",
        "trek",
        "departure",
        "lead_trekker",
        "status",
        "seats",
        "paid",
        "balance",
        "documents_complete",
    )
    list_display_links = ("reference",)
    list_filter = (
        DepartureFilter,
        ("batch__trek", admin.RelatedOnlyFieldListFilter),
        "status",
        BalanceDueFilter,
        DocumentsFilter,
        "source",
    )
    search_fields = ("reference", "trekker_name", "trekker_email", "trekker_phone", "user__email")
    list_select_related = ("user", "batch__trek")
    ordering = ("batch__start_date", "created_at")
    inlines = [ParticipantInline, PaymentInline, RefundInline]
    fieldsets = (
        (None, {"fields": ("reference", "status", "source", "user", "batch", "seats", "created_at", "created_by")}),
        ("Agent", {"fields": ("agent_name", "agent_reference")}),
        ("Lead trekker", {"fields": ("trekker_name", "trekker_age", "trekker_phone", "trekker_email")}),
        ("Emergency contact", {"fields": ("emergency_contact_name", "emergency_contact_phone")}),
        ("Money", {"fields": ("price_summary", "paid", "balance", "coupon", "hold_expires_at", "confirmed_at")}),
        ("Documents", {"fields": ("missing", "health_declared_at", "waiver_version", "waiver_accepted_at")}),
        ("Cancellation", {"fields": ("cancelled_at", "cancelled_by", "cancellation_reason")}),
    )
    readonly_fields = tuple(str(name) for _, options in fieldsets for name in options["fields"])

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("participants", "documents")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        return lookup in {"batch__id__exact", "batch"} or super().lookup_allowed(lookup, value, request)

    # --- columns ---------------------------------------------------------------------------------------

    @admin.display(description="trek", ordering="batch__trek__name")
    def trek(self, obj: Booking) -> str:
        return obj.batch.trek.name

    @admin.display(description="departure", ordering="batch__start_date")
    def departure(self, obj: Booking) -> Any:
        return obj.batch.start_date

    @admin.display(description="lead trekker", ordering="trekker_name")
    def lead_trekker(self, obj: Booking) -> str:
        return obj.trekker_name

    @admin.display(description="paid", ordering="amount_paid")
    def paid(self, obj: Booking) -> str:
        return rupees(obj.amount_paid)

    @admin.display(description="balance due")
    def balance(self, obj: Booking) -> str:
        return rupees(obj.balance_due)

    @admin.display(description="documents", boolean=True)
    def documents_complete(self, obj: Booking) -> bool:
        return not obj.missing_documents

    @admin.display(description="missing")
    def missing(self, obj: Booking) -> str:
        return "; ".join(missing_readable(obj)) or "nothing"

    @admin.display(description="price")
    def price_summary(self, obj: Booking) -> str:
        return format_html(
            "{} base - {} tier - {} coupon + {} tax = <strong>{}</strong>",
            rupees(obj.base_amount),
            rupees(obj.tier_discount),
            rupees(obj.coupon_discount),
            rupees(obj.tax_amount),
            rupees(obj.final_amount),
        )

    # --- the change page and its actions ---------------------------------------------------------------

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        booking = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if booking is not None:
            extra.update(
                documents=list(
                    booking.documents.select_related("reviewed_by", "participant").order_by("kind", "-created_at")
                ),
                messages_sent=list(booking_messages(booking)),
                can_manage=self._can(request, Capability.BOOKINGS_MANAGE),
                can_review=self._can(request, Capability.DOCUMENTS_REVIEW),
                offline_payment=(
                    reverse("admin:bookings_booking_offline_payment", args=[booking.pk])
                    if self.may_take_money(request) and booking.status == Booking.Status.PENDING
                    else None
                ),
            )
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "can_book": self._can(request, Capability.BOOKINGS_MANAGE)}
        return super().changelist_view(request, extra)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/cancel/", view(self.cancel_view), name="bookings_booking_cancel"),
            path("<path:object_id>/payment-link/", view(self.payment_link_view), name="bookings_booking_payment_link"),
            path(
                "<path:object_id>/documents/<uuid:document_id>/review/",
                view(self.document_review_view),
                name="bookings_booking_document_review",
            ),
            *self.front_desk_urls(),
            *super().get_urls(),
        ]

    def _booking(self, request: HttpRequest, object_id: str, capability: str) -> Booking:
        self.require(request, capability)
        return get_object_or_404(self.get_queryset(request), pk=object_id)

    def cancel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: the quote (days before the start, refund percent and amount); POST: ``booking_cancel``."""
        booking = self._booking(request, object_id, Capability.BOOKINGS_MANAGE)
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            return self.run_action(
                request,
                booking,
                lambda: services.booking_cancel(booking=booking, actor=request.user, reason=reason),  # type: ignore[arg-type]
                f"Booking {booking.reference} cancelled.",
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": booking,
            "title": f"Cancel booking {booking.reference}",
            "quote": services.cancellation_quote(booking=booking),
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel.html", context)

    def payment_link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        booking = self._booking(request, object_id, Capability.BOOKINGS_MANAGE)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return self.run_action(
            request,
            booking,
            lambda: services.booking_payment_link_send(actor=request.user, booking=booking),  # type: ignore[arg-type]
            f"Payment reminder sent to {booking.trekker_name}.",
        )

    def document_review_view(self, request: HttpRequest, object_id: str, document_id: Any) -> HttpResponse:
        """Approve or reject a photo ID or fitness proof (``document_review``: a rejection needs its note, which the
        trekker is sent)."""
        booking = self._booking(request, object_id, Capability.DOCUMENTS_REVIEW)
        document = get_object_or_404(BookingDocument, pk=document_id, booking=booking)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        approve = request.POST.get("decision") == "approve"
        note = request.POST.get(f"note-{document.pk}", "").strip()
        return self.run_action(
            request,
            booking,
            lambda: document_services.document_review(
                actor=request.user,  # type: ignore[arg-type]
                document=document,
                approve=approve,
                note=note,
            ),
            f"{document.get_kind_display()} {'approved' if approve else 'rejected: the trekker is told'}.",
        )
