"""Admin of the money rows (read-only: payments, gateway events and refunds are written by the services) and of
the waitlist. Coupons have their own page (``apps.bookings.admin.coupons``)."""

from __future__ import annotations

from django.contrib import admin

from apps.bookings.models import Payment, PaymentEvent, Refund, WaitlistEntry
from apps.common.audit_admin import AuditTrailMixin
from apps.users.admin import ReadOnlyAdmin
from apps.users.roles import Capability


@admin.register(Payment)
class PaymentAdmin(AuditTrailMixin, ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    list_display = ("gateway_order_id", "gateway_payment_id", "status", "amount_paise", "flagged", "created_at")
    list_filter = ("status", "gateway", "flagged")
    search_fields = ("gateway_order_id", "gateway_payment_id", "booking__reference")
    raw_id_fields = ("booking",)


@admin.register(PaymentEvent)
class PaymentEventAdmin(ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    list_display = ("event_id", "type", "outcome", "processed_at", "created_at")
    list_filter = ("type",)
    search_fields = ("event_id",)


@admin.register(Refund)
class RefundAdmin(AuditTrailMixin, ReadOnlyAdmin):
    view_capability = Capability.PAYMENTS_MANAGE
    list_display = ("booking", "amount_paise", "status", "reason", "gateway_refund_id", "created_at")
    list_filter = ("status", "reason")
    raw_id_fields = ("booking", "payment")


@admin.register(WaitlistEntry)
class WaitlistAdmin(ReadOnlyAdmin):
    view_capability = Capability.BOOKINGS_VIEW
    list_display = ("batch", "user", "seats", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("batch", "user", "booking")
