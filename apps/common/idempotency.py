"""The ``Idempotency-Key`` request header of writes that must happen once however often they are sent (an SOS,
an offline payment): a UUID the client makes once per write and sends again on every retry."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from apps.common.exceptions import IdempotencyKeyRequired


def idempotency_key_parameter(description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "Idempotency-Key", OpenApiTypes.UUID, OpenApiParameter.HEADER, required=True, description=description
    )


def idempotency_key(request: Request) -> uuid.UUID:
    """The request's key; 400 ``idempotency_key_required`` when it is missing or not a UUID."""
    try:
        return uuid.UUID(request.headers.get("Idempotency-Key", "").strip())
    except ValueError:
        raise IdempotencyKeyRequired() from None


def request_digest(data: dict[str, Any]) -> str:
    """A digest of what a keyed write was asked to do: a replay with other values is told apart (422)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
