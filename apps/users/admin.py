from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from apps.common.admin import CapabilityAdmin
from apps.common.audit_admin import AuditTrailMixin
from apps.users.models import EmergencyContact, PointsTransaction, SocialAccount, User
from apps.users.passwords import prehashed_passwords
from apps.users.roles import Capability
from apps.users.services import user_set_role


@admin.register(User)
class UserAdmin(AuditTrailMixin, CapabilityAdmin, DjangoUserAdmin):
    view_capability = Capability.USERS_VIEW
    change_capability = Capability.USERS_MANAGE
    ordering = ("-date_joined",)
    list_display = ("email", "phone", "first_name", "last_name", "staff_role", "tribe_tier", "obs_points", "is_active")
    list_filter = ("staff_role", "tribe_tier", "is_active", "email_verified", "phone_verified", "experience_level")
    search_fields = ("email", "phone", "first_name", "last_name", "tribe_handle")
    readonly_fields = (
        "obs_points",
        "tribe_tier",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
        "deleted_at",
    )
    fieldsets = (
        (None, {"fields": ("email", "email_verified", "phone", "phone_verified", "password")}),
        (
            "Profile",
            {"fields": ("first_name", "last_name", "tribe_handle", "bio", "date_of_birth", "experience_level")},
        ),
        ("Loyalty", {"fields": ("obs_points", "tribe_tier")}),
        ("Access", {"fields": ("staff_role", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined", "deleted_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "staff_role")}),)
    filter_horizontal = ()

    @method_decorator(sensitive_post_parameters())
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Django runs the whole POST in one transaction: the new password is hashed before it.
        password = request.POST.get("password1") if request.method == "POST" else None
        with prehashed_passwords(password):
            return super().add_view(request, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # a role is granted or revoked by the service (flags, guide profile, audit row), on an add too
        role_changed = "staff_role" in form.changed_data if change else bool(obj.staff_role)
        new_role = obj.staff_role
        if role_changed:
            obj.staff_role = form.initial.get("staff_role") if change else None
        super().save_model(request, obj, form, change)
        if role_changed:
            user_set_role(actor=request.user, user=obj, role=new_role)  # type: ignore[arg-type]


class _ReadOnlyAdmin(CapabilityAdmin):
    view_capability = Capability.USERS_VIEW
    list_select_related = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SocialAccount)
class SocialAccountAdmin(_ReadOnlyAdmin):
    list_display = ("user", "provider", "email", "last_login_at", "created_at")
    list_filter = ("provider",)
    search_fields = ("user__email", "email", "uid")
    readonly_fields = ("user", "provider", "uid", "email", "last_login_at")


@admin.register(EmergencyContact)
class EmergencyContactAdmin(_ReadOnlyAdmin):
    """Read-only here: trekkers keep their own contacts (the API enforces the five/one-primary rules)."""

    list_display = ("user", "name", "relationship", "phone", "is_primary")
    search_fields = ("user__email", "name", "phone")
    readonly_fields = ("user", "name", "relationship", "phone", "email", "is_primary")


@admin.register(PointsTransaction)
class PointsTransactionAdmin(_ReadOnlyAdmin):
    """The ledger is append-only: lines are written by the points services, never edited here."""

    list_display = ("created_at", "user", "amount", "reason", "reference", "balance_after")
    list_filter = ("reason",)
    search_fields = ("user__email", "reference", "idempotency_key")
    readonly_fields = ("user", "amount", "reason", "reference", "idempotency_key", "reverses", "balance_after")
