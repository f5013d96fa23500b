"""OpenAPI helpers: the error envelope as a documented response."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

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
    406: "The Accept header asks for no format this operation answers",
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


_ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"


def _envelope_response(code: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS.get(code, "Error"),
        "content": {"application/json": {"schema": {"$ref": _ENVELOPE_REF}}},
    }


def postprocess_platform_errors(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """SPECTACULAR ``POSTPROCESSING_HOOKS`` entry: document the errors any operation can meet.

    Every error is the JSON envelope whatever the operation renders on success (``apps.common.exceptions``
    switches a CSV or GeoJSON view to JSON for its errors), so an error response is documented as
    ``application/json`` only, never under the success's ``text/csv`` or ``application/geo+json``.
    Every operation may answer 503 (the database or Redis is unavailable) and 406 (an ``Accept`` header
    naming no format the operation renders), every operation that takes
    a body may answer 413 (body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``), and every paginated list 404 (a page
    past the end or a cursor that does not decode, as DRF's paginators answer), all with the envelope.
    """
    components = result.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorEnvelope" not in components:
        return result  # no operation documents an error: nothing to reference
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                bodies = response.get("content", {}).values()
                envelope = any(body.get("schema") == {"$ref": _ENVELOPE_REF} for body in bodies)
                if str(status)[:1] in {"4", "5"} and envelope:
                    response["content"] = {"application/json": {"schema": {"$ref": _ENVELOPE_REF}}}
            responses.setdefault("503", _envelope_response(503))
            responses.setdefault("406", _envelope_response(406))
            if "requestBody" in operation:
                responses.setdefault("413", _envelope_response(413))
            paging = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
            if method == "get" and paging & {"page", "cursor"}:
                responses.setdefault("404", _envelope_response(404))
    return result


class AutoSchema(BaseAutoSchema):
    """drf-spectacular's schema class, also knowing our permission classes that let anonymous users read.

    A permission class with ``anonymous_read = True`` (e.g. ``apps.treks.permissions.ReadOr``) allows safe
    methods without a token, so those operations document authentication as optional.
    """

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        anonymous_read = any(getattr(p, "anonymous_read", False) for p in self.view.get_permissions())
        if anonymous_read and {} not in auths and self.method in SAFE_METHODS:
            auths.append({})
        return auths
