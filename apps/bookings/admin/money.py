"""Admin of the money rows (read-only: payments, gateway events and refunds are written by the services) and of
the waitlist. Coupons have their own page (``apps.bookings.admin.coupons``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from apps.bookings.admin.desk import ManualRefundMixin
from apps.bookings.models import Payment, PaymentEvent, Refund, WaitlistEntry
from apps.common.audit_admin import AuditTrailMixin
from apps.users.admin import ReadOnlyAdmin
from apps.users.roles import Capability


@admin.register(Payment)
class PaymentAdmin(AuditTrailMixin, ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    list_display = (
        "gateway_order_id", "gateway", "method", "status", "amount_paise", "receipt_reference", "recorded_by",
        "flagged", "created_at",
    )  # fmt: skip
    list_filter = ("status", "gateway", "method", "flagged")
    search_fields = (
        "gateway_order_id", "gateway_payment_id", "booking__reference", "receipt_reference", "payment_reference",
    )  # fmt: skip
    raw_id_fields = ("booking",)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    list_display = ("event_id", "type", "outcome", "processed_at", "created_at")
    list_filter = ("type",)
    search_fields = ("event_id",)


@admin.register(Refund)
class RefundAdmin(ManualRefundMixin, AuditTrailMixin, ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    change_form_template = "admin/bookings/refund/change_form.html"
    list_display = (
        "booking", "amount_paise", "status", "reason", "gateway_refund_id", "manual_method", "receipt_reference",
        "created_at",
    )  # fmt: skip
    list_filter = ("status", "reason", "manual_method")
    raw_id_fields = ("booking", "payment")

    def get_urls(self) -> list[URLPattern]:
        return [*self.manual_refund_urls(), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        refund = self.get_object(request, object_id)
        payable = refund is not None and (
            refund.status == Refund.Status.FAILED
            or (refund.status == Refund.Status.PENDING and not refund.gateway_refund_id)
        )
        extra = {**(extra_context or {}), "can_pay_by_hand": payable}
        return super().change_view(request, object_id, form_url, extra)


@admin.register(WaitlistEntry)
class WaitlistAdmin(ReadOnlyAdmin):
    view_capability = Capability.BOOKINGS_VIEW
    list_display = ("batch", "user", "seats", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("batch", "user", "booking")
