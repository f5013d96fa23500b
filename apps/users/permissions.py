"""Capability-based permissions. Who holds which capability is decided in ``apps/users/roles.py``."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.users.roles import has_capability


def HasCapability(*capabilities: str) -> type[BasePermission]:
    """A permission class granting access to authenticated users holding every named capability.

    Usage: ``permission_classes = [HasCapability("catalog.write")]``.
    """

    class _HasCapability(BasePermission):
        required = capabilities
        message = "Your role does not allow this action."

        def has_permission(self, request: Request, view: Any) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and all(has_capability(user, cap) for cap in self.required))

    _HasCapability.__name__ = f"HasCapability({', '.join(capabilities)})"
    return _HasCapability


def HasAnyCapability(*capabilities: str) -> type[BasePermission]:
    """A permission class granting access to authenticated users holding at least one named capability."""

    class _HasAnyCapability(BasePermission):
        required = capabilities
        message = "Your role does not allow this action."

        def has_permission(self, request: Request, view: Any) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and any(has_capability(user, cap) for cap in self.required))

    _HasAnyCapability.__name__ = f"HasAnyCapability({', '.join(capabilities)})"
    return _HasAnyCapability
