"""Who may do what with incidents (object rules live in ``selectors.can_handle``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.treks.selectors import is_acting_guide


class IsGuide(BasePermission):
    message = "Only guides can open incidents for trekkers."

    def has_permission(self, request: Request, view: Any) -> bool:
        """The current role and an active guide profile (``apps.treks.selectors``), read on every request."""
        return is_acting_guide(request.user)
