"""Admin of accounts, and access to every model admin by capability (``CapabilityAdmin``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import TabularInline

from apps.common.audit_admin import AuditTrailMixin
from apps.common.exceptions import ApplicationError
from apps.common.fields import StrictJSONFormField
from apps.common.models import AuditLog
from apps.users.admin_forms import AccountAdminForm
from apps.users.models import EmergencyContact, PointsTransaction, SocialAccount, User
from apps.users.passwords import prehashed_passwords
from apps.users.roles import Capability, has_capability
from apps.users.services import user_set_role


class KeyCheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, re-rendering a refused form without the posted value when it is not a key
    of the related model at all (Django's widget looks it up and fails with a server error on, say, a UUID
    field given ``"abc"``); the form's own error says the choice is not valid."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        target = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        keys = []
        for key in value:
            try:
                target.to_python(key)
            except ValidationError:
                continue
            keys.append(key)
        return super().optgroups(name, keys, attr)


class CapabilityAdmin(UnfoldModelAdmin):
    """Grant view/change/add/delete to roles holding ``view_capability`` / ``change_capability``.

    Built on django-unfold's ``ModelAdmin`` (the theme of the whole admin), so every model admin gets it."""

    view_capability: str | None = None
    change_capability: str | None = None
    allow_delete: bool = False

    def _can(self, request: HttpRequest, capability: str | None) -> bool:
        user = request.user
        if getattr(user, "is_superuser", False):
            return True
        return bool(capability and has_capability(user, capability))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    # --- form fields: hostile input is a form error, never a server error ------------------------------

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("form_class", StrictJSONFormField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeyCheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.view_capability) or self._can(request, self.change_capability)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.change_capability)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.change_capability)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and self._can(request, self.change_capability)

    # --- object actions (buttons on a change page that call a service) ---------------------------------

    def require(self, request: HttpRequest, capability: str) -> None:
        """403 unless the staff member holds ``capability`` (the same check as the API's ``HasCapability``)."""
        if not self._can(request, capability):
            raise PermissionDenied

    def run_action(self, request: HttpRequest, obj: Any, call: Callable[[], Any], done: str) -> HttpResponse:
        """Run a service for an admin button: its refusal (the API's error, same message) or ``done`` is shown
        on the object's page, where the browser is sent back."""
        try:
            call()
        except ApplicationError as error:
            self.message_user(request, str(error.message), level=messages.ERROR)
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return self.back_to(obj)

    def back_to(self, obj: Any) -> HttpResponse:
        opts = self.model._meta
        return redirect(reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


class CapabilityInlineMixin:
    """An inline (before ``admin.TabularInline``) shown and edited with its page's capabilities, not Django's model
    permissions (which staff roles do not hold): view with the page's view, change/add/delete with its change."""

    parent_model: Any
    admin_site: admin.AdminSite
    allow_delete: bool = True

    def _page(self) -> Any:
        return self.admin_site._registry[self.parent_model]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self._page().has_view_permission(request, obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self._page().has_change_permission(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(self._page().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and bool(self._page().has_change_permission(request, obj))


class ReadOnlyInline(CapabilityInlineMixin, TabularInline):
    """Rows shown under a page and never edited there (participants, payments, an incident's timeline): seen by
    whoever may view the page, added, changed and deleted by nobody."""

    extra = 0
    can_delete = False
    allow_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditTrailMixin, CapabilityAdmin, DjangoUserAdmin):
    view_capability = Capability.USERS_VIEW
    change_capability = Capability.USERS_MANAGE
    form = AccountAdminForm
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
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "tribe_handle",
                    "bio",
                    "date_of_birth",
                    "experience_level",
                    "language",
                )
            },
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


class ReadOnlyAdmin(CapabilityAdmin):
    """A page of rows written only by services (money rows, ledgers, accounts linked elsewhere): viewed with its
    capability, never added or changed in a form."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class _ReadOnlyAdmin(ReadOnlyAdmin):
    view_capability = Capability.USERS_VIEW
    list_select_related = ("user",)


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


@admin.register(AuditLog)
class AuditLogAdmin(CapabilityAdmin):
    view_capability = Capability.AUDIT_VIEW
    list_display = ("created_at", "action", "actor", "target_type", "target_id", "request_id")
    list_filter = ("action", "target_type")
    search_fields = ("action", "target_id", "request_id", "actor__email")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "actor", "action", "target_type", "target_id", "changes", "request_id")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
