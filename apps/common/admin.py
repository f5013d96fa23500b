"""Admin access by capability: a model admin names the capability that lets a role see and edit it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.common.models import AuditLog
from apps.users.roles import Capability, has_capability


class CapabilityAdmin(admin.ModelAdmin):
    """Grant view/change/add/delete to roles holding ``view_capability`` / ``change_capability``."""

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

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.view_capability) or self._can(request, self.change_capability)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can(request, self.change_capability)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can(request, self.change_capability)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and self._can(request, self.change_capability)


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
