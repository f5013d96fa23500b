"""OpenAPI helpers: the error envelope as a documented response."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    "ErrorEnvelope",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status_code": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.JSONField(allow_null=True),
                "request_id": serializers.CharField(),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated or token invalid",
    403: "Not allowed for this role",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable",
    429: "Too many requests (see Retry-After)",
    503: "A dependency is unavailable",
}


def error_responses(*codes: int) -> dict[int, Any]:
    """``responses=`` entries documenting the envelope for the given status codes."""
    return {code: OpenApiResponse(ErrorEnvelope, description=_DESCRIPTIONS.get(code, "Error")) for code in codes}
