"""Who may write the catalog: anyone reads, capabilities write (see ``apps/users/roles.py``)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from apps.users.permissions import HasCapability
from apps.users.roles import Capability

CatalogWrite = HasCapability(Capability.CATALOG_WRITE)
BatchesManage = HasCapability(Capability.BATCHES_MANAGE)


def ReadOr(write_permission: type[BasePermission]) -> type[BasePermission]:
    """Anyone may read; writing needs ``write_permission``."""

    class _ReadOr(BasePermission):
        message = write_permission.message if hasattr(write_permission, "message") else None
        anonymous_read = True  # documented as optional authentication for safe methods (apps.common.schema)

        def has_permission(self, request: Request, view: Any) -> bool:
            if request.method in SAFE_METHODS:
                return True
            return bool(write_permission().has_permission(request, view))

    _ReadOr.__name__ = f"ReadOr({write_permission.__name__})"
    return _ReadOr
