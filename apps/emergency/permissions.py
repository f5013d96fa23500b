"""Who may do what with incidents (object rules live in ``selectors.can_handle``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.users.roles import StaffRole


class IsGuide(BasePermission):
    message = "Only guides can open incidents for trekkers."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "staff_role", None) == StaffRole.GUIDE)
