"""The audit trail on an object's admin change page: one mixin for every ModelAdmin of an audited model."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode

from apps.common.models import AuditLog

TRAIL_ROWS = 50


class AuditTrailMixin(admin.ModelAdmin):
    """Adds the object's audit rows (newest first) under its change form, for whoever may view the audit log.

    The rows are found by the log's generic target (``target_type`` = the model's label, ``target_id``); the
    whole trail opens in the audit log's own list, filtered on the object.
    """

    change_form_template = "admin/common/audit_trail_change_form.html"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), **self.audit_trail_context(request, object_id)}
        )

    def audit_trail_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        log_admin = self.admin_site.get_model_admin(AuditLog) if self.admin_site.is_registered(AuditLog) else None
        if log_admin is None or not log_admin.has_view_permission(request):
            return {}
        target = {"target_type": self.model._meta.label_lower, "target_id": str(object_id)}
        rows = list(AuditLog.objects.filter(**target).select_related("actor")[: TRAIL_ROWS + 1])
        changelist = reverse(f"{self.admin_site.name}:common_auditlog_changelist")
        return {
            "audit_trail": rows[:TRAIL_ROWS],
            "audit_trail_more": len(rows) > TRAIL_ROWS,
            "audit_trail_url": f"{changelist}?{urlencode(target)}",
        }
