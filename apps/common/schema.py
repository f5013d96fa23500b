"""OpenAPI helpers: the error envelope as a documented response, and readable operationIds."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from apps.common.exceptions import ApplicationError
from apps.common.schema_errors import ErrorResponse, declared_errors, operation_error_codes

ErrorEnvelope = inline_serializer(
    "ErrorEnvelope",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "status_code": serializers.IntegerField(),
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(
                    allow_null=True,
                    help_text="Field errors for `validation_error` (field name to messages; `non_field_errors` "
                    "for the rest), facts such as `retry_after` for others, or null.",
                ),
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


def describe_status(status: int) -> str:
    return _DESCRIPTIONS.get(status, "Error")


def error_responses(*items: int | type[ApplicationError], description: str | None = None) -> dict[int, Any]:
    """``responses=`` entries documenting the envelope for the given statuses and application errors.

    An error class documents its status with its code (``error_responses(BatchFull, 404)``); a bare status
    documents that status with the platform codes the operation's shape gives (``apps.common.schema_errors``).
    ``description`` words every status given here (default: the status's usual description).
    """
    return {
        status: ErrorResponse(ErrorEnvelope, status, codes, description or describe_status(status))
        for status, codes in declared_errors(*items).items()
    }


_ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"


def _envelope_response(code: int) -> dict[str, Any]:
    return {
        "description": describe_status(code),
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


# Path segments naming an area rather than a resource: left out of operationIds when more follows them.
_AREAS = {"community", "emergency"}
_IRREGULAR = {"batches": "batch", "statuses": "status", "news": "news", "sos": "sos", "gpx": "gpx"}


def _singular(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _camel(words: list[str]) -> str:
    parts = [p for w in words for p in re.split(r"[-_.]", w) if p]
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def operation_id(path: str, method: str, *, is_list: bool) -> str:
    """A readable operationId from an operation's path and method: ``trekList``, ``trekGet``, ``trekUpdate``,
    ``trekBatchCreate``, ``bookingCancel``, ``authLogin``.

    The static segments name it (an area such as ``community`` left out, ``users/me`` read as ``me``), each
    singular but the last. A GET answering a list ends in ``List`` and one on an item
    in ``Get``; a POST to a plural collection ends in ``Create`` and any other POST is the action its last
    segment names; PATCH is ``Update``, PUT ``Replace``, DELETE ``Delete``. An operation whose rule gives a
    misleading name sets its own with ``extend_schema(operation_id=...)``; all are unique
    (``apps/common/tests/test_schema_contract.py``).
    """
    segments = [s for s in path.removeprefix("/api/v1").strip("/").split("/") if s]
    words: list[str] = []
    for index, segment in enumerate(segments):
        if segment.startswith("{"):
            continue
        following = segments[index + 1] if index + 1 < len(segments) else None
        if segment in _AREAS and following is not None:
            continue
        if segment == "users" and following == "me":
            continue
        words.append(segment if following is None else _singular(segment))
    on_item = bool(segments) and segments[-1].startswith("{")
    last = words[-1] if words else "root"
    collection = not on_item and _singular(last) != last
    method = method.upper()
    if method == "GET":
        if is_list:
            words[-1:] = [_singular(last), "list"]
        else:
            words.append("get")
    elif method == "POST":
        if collection:
            words[-1:] = [_singular(last), "create"]
    else:
        words.append({"PATCH": "update", "PUT": "replace", "DELETE": "delete"}.get(method, method.lower()))
    return _camel(words or ["root"])


def postprocess_response_fields_required(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """SPECTACULAR ``POSTPROCESSING_HOOKS`` entry: every property of a response object is present.

    A serializer writes every field it declares, including those with a default (which drf-spectacular leaves
    out of ``required``, so generated clients type them as optional). Request components (``...Request``,
    ``COMPONENT_SPLIT_REQUEST``) keep their own ``required``. The fuzz suite checks responses against this.
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or component.get("type") != "object" or "properties" not in component:
            continue
        component["required"] = sorted(component["properties"])
    return result


def _inline(node: Any, replacements: dict[str, dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        if node.get("$ref") in replacements:
            return dict(replacements[node["$ref"]])
        return {key: _inline(value, replacements) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, replacements) for item in node]
    return node


def postprocess_inline_null_enum(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """SPECTACULAR ``POSTPROCESSING_HOOKS`` entry: a nullable choice is ``oneOf: [<Enum>, {"type": "null"}]``.

    drf-spectacular writes the null as a reference to a ``NullEnum`` component, which generated clients turn into
    a type of its own; written in place it is the plain ``null`` of OpenAPI 3.1. (Turning the explicit choice off
    instead loses the nullability of read-only choices.)
    """
    schemas = result.get("components", {}).get("schemas", {})
    null_enum = schemas.pop("NullEnum", None)
    if null_enum is None:
        return result
    result["paths"] = _inline(result.get("paths", {}), {"#/components/schemas/NullEnum": null_enum})
    result["components"]["schemas"] = _inline(schemas, {"#/components/schemas/NullEnum": null_enum})
    return result


class AutoSchema(BaseAutoSchema):
    """drf-spectacular's schema class, also knowing our permission classes that let anonymous users read, and
    naming operations by :func:`operation_id`.

    A permission class with ``anonymous_read = True`` (e.g. ``apps.treks.permissions.ReadOr``) allows safe
    methods without a token, so those operations document authentication as optional.
    """

    def get_operation_id(self) -> str:
        return operation_id(self.path, self.method, is_list=self.method == "GET" and self._is_list_view())

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is not None:
            operation["x-error-codes"] = operation_error_codes(self, operation)
        return operation

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        anonymous_read = any(getattr(p, "anonymous_read", False) for p in self.view.get_permissions())
        if anonymous_read and {} not in auths and self.method in SAFE_METHODS:
            auths.append({})
        return auths
