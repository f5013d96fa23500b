"""The admin index (django-unfold's ``DASHBOARD_CALLBACK``): each staff role sees the parts its capabilities allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from apps.backoffice import selectors
from apps.users.roles import Capability, has_capability

SECTIONS = {
    "departures": Capability.BOOKINGS_VIEW,
    "incidents": Capability.INCIDENTS_MANAGE,
    "refunds": Capability.PAYMENTS_MANAGE,
    "deliveries": Capability.NOTIFICATIONS_MANAGE,
}


def visible_sections(user: Any) -> set[str]:
    if getattr(user, "is_superuser", False):
        return set(SECTIONS)
    return {name for name, capability in SECTIONS.items() if has_capability(user, capability)}


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    sections = visible_sections(request.user)
    context.update(
        {
            "dashboard": selectors.dashboard(sections=sections),
            "dashboard_sections": sections,
            "can_download_manifests": has_capability(request.user, Capability.MANIFEST_VIEW),
        }
    )
    return context
