"""Coupons in the admin, for roles holding ``coupons.manage``: the form checks what ``POST/PATCH coupons/`` checks
(the API's serializer, then ``coupon_check``) and saves through the same services (audited, ``via: admin``); a
coupon is never deleted (bookings keep it), it is deactivated. The page shows its usage and redemptions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from apps.bookings import selectors
from apps.bookings.domain import coupon_state
from apps.bookings.models import Coupon, CouponRedemption
from apps.bookings.serializers.coupons import CouponWriteSerializer
from apps.bookings.services.coupons import (
    COUPON_FIELDS,
    coupon_check,
    coupon_code_normal,
    coupon_create,
    coupon_deactivate,
    coupon_update,
)
from apps.common.admin_forms import api_validated, refusal_as_errors
from apps.common.audit_admin import AuditTrailMixin
from apps.users.admin import CapabilityAdmin, ReadOnlyInline
from apps.users.models import User
from apps.users.roles import Capability


class CouponAdminForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = COUPON_FIELDS

    def clean_code(self) -> str:
        return coupon_code_normal(self.cleaned_data["code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        validated = api_validated(self, CouponWriteSerializer, {name: data.get(name) for name in COUPON_FIELDS})
        if validated is not None:
            current = None if self.instance._state.adding else Coupon.objects.get(pk=self.instance.pk)
            with refusal_as_errors(self):
                self.service_values = coupon_check(values=validated, coupon=current)
        return data


class RedemptionInline(ReadOnlyInline):
    model = CouponRedemption
    fk_name = "coupon"
    verbose_name_plural = "redemptions"
    fields = ("created_at", "booking", "user", "amount", "released_at")
    readonly_fields = fields
    ordering = ("-created_at",)


@admin.register(Coupon)
class CouponAdmin(AuditTrailMixin, CapabilityAdmin):
    form = CouponAdminForm
    view_capability = Capability.COUPONS_MANAGE
    change_capability = Capability.COUPONS_MANAGE
    list_display = (
        "code", "kind", "value", "valid_from", "valid_until", "uses", "max_uses", "per_user_limit", "redeemed",
        "state", "is_active",
    )  # fmt: skip
    list_filter = ("kind", "is_active")
    search_fields = ("code", "description")
    readonly_fields = ("uses", "redeemed", "released", "state")
    inlines = (RedemptionInline,)
    actions = ("deactivate",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Coupon]:
        return selectors.coupon_list()

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # a read-only list: nothing of it is posted back, so a save does not expect its forms
        return [] if request.method == "POST" else super().get_inline_instances(request, obj)

    @admin.display(description="redeemed", ordering="redemptions_total")
    def redeemed(self, obj: Coupon) -> int:
        return getattr(obj, "redemptions_total", 0)

    @admin.display(description="given back")
    def released(self, obj: Coupon) -> int:
        return getattr(obj, "redemptions_released", 0)

    @admin.display(description="state")
    def state(self, obj: Coupon) -> str:
        return coupon_state(obj, timezone.now()) if obj.pk else "-"

    def save_model(self, request: HttpRequest, obj: Coupon, form: Any, change: bool) -> None:
        actor: User = request.user  # type: ignore[assignment]  # admin_view: a signed-in staff member
        values = form.service_values
        if change:
            changed = {name: values[name] for name in form.changed_data if name in values}
            saved = coupon_update(actor=actor, coupon=obj, changes=changed, via="admin")
        else:
            saved = coupon_create(actor=actor, via="admin", **values)
        obj.pk, obj._state.adding = saved.pk, False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # nothing else is written from this page

    @admin.action(description="Deactivate the selected coupons", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Coupon]) -> None:
        actor: User = request.user  # type: ignore[assignment]  # admin_view: a signed-in staff member
        for coupon in queryset:
            coupon_deactivate(actor=actor, coupon=coupon, via="admin")
        self.message_user(request, f"{len(queryset)} coupon(s) deactivated.", messages.SUCCESS)
