"""Shared bits of the community views."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import FormParser, MultiPartParser

from apps.common.parsers import JSONParser
from apps.users.permissions import HasCapability
from apps.users.roles import Capability

Moderate = HasCapability(Capability.COMMUNITY_MODERATE)
UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


def upload_request(serializer: Any) -> dict[str, Any]:
    return {"multipart/form-data": serializer, "application/json": serializer}
