"""The error codes each operation can answer, documented as an enum of the envelope's ``code`` per status.

An operation declares the application errors it raises next to its ``extend_schema``, by class::

    responses={201: BookingSerializer, **error_responses(BatchFull, AlreadyBooked, 404)}

A class gives its status and its code; a bare status documents that status with only the platform codes below.
The platform codes follow from the operation's shape (:func:`platform_codes`): what DRF, simplejwt, the parsers,
the throttles and the middlewares answer for any operation of that shape. :meth:`AutoSchema.get_operation
<apps.common.schema.AutoSchema>` joins both into ``x-error-codes`` and :func:`postprocess_error_codes` turns that
into each error response's schema: the ``ErrorEnvelope`` with ``code`` one of exactly those codes.
``tests/error_codes.py`` records every envelope answered in the test suite and fails a test whose operation
answered a code its schema does not declare.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny, IsAuthenticated

from apps.common.exceptions import ApplicationError

_ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"

# What any operation may answer: an ``Accept`` naming no format it renders, the anon/user rate limits
# (``DEFAULT_THROTTLE_CLASSES``), the database or Redis unavailable.
# A query string over ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (400) and an unknown ``?format=`` (DRF's format
# override finds no renderer: 404) too.
ALWAYS: dict[int, tuple[str, ...]] = {
    400: ("too_many_fields",),
    404: ("not_found",),
    406: ("not_acceptable",),
    429: ("throttled",),
    503: ("service_unavailable",),
}
# simplejwt (``apps.users.authentication``) refusing a bearer token; any operation taking one.
TOKEN: tuple[str, ...] = (
    "authentication_failed",
    "bad_authorization_header",
    "password_changed",
    "token_not_valid",
    "user_inactive",
    "user_not_found",
)
# A request body: DRF's validation, the strict JSON parser (``apps.common.parsers``), Django's field limit,
# ``RequestSizeLimitMiddleware`` and the parsers' media types.
BODY: dict[int, tuple[str, ...]] = {
    400: ("json_too_deep", "non_finite_number", "nul_character", "parse_error", "too_many_fields", "validation_error"),
    413: ("request_too_large",),
    415: ("unsupported_media_type",),
}
# Named components for the sets many operations share, so generated clients name them once.
_NAMED: dict[tuple[int, tuple[str, ...]], str] = {
    (401, tuple(sorted((*TOKEN, "not_authenticated")))): "AuthenticationError",
    (401, TOKEN): "TokenError",
    (400, BODY[400]): "InvalidBodyError",
}


class ErrorResponse(OpenApiResponse):
    """An error status of an operation: the envelope, with the application error codes declared for it."""

    def __init__(self, envelope: Any, status: int, codes: Iterable[str], description: str) -> None:
        super().__init__(envelope, description=description)
        self.status = status
        self.codes = tuple(sorted(set(codes)))


def declared_errors(*items: int | type[ApplicationError]) -> dict[int, set[str]]:
    """Status -> codes of ``items``: a status alone, or an error class giving its status and its code."""
    statuses: dict[int, set[str]] = defaultdict(set)
    for item in items:
        if isinstance(item, int):
            statuses[item]
        else:
            statuses[item.status_code].add(item.code)
    return dict(statuses)


def platform_codes(
    *,
    authenticated: bool,
    optional_auth: bool,
    permissions: Iterable[type],
    body: bool,
    path_params: bool,
    query_params: bool,
    paginated: bool,
) -> dict[int, set[str]]:
    """Status -> the codes DRF, simplejwt, the parsers and the middlewares answer for an operation of this shape.

    ``authenticated``: it takes a bearer token (``optional_auth``: it may also be called without one);
    ``permissions``: its permission classes (any beyond ``AllowAny``/``IsAuthenticated`` may refuse with 403);
    ``body``: it reads a request body; ``path_params`` or ``paginated``: it may answer ``not_found``;
    ``query_params``: its filters validate the query string.
    """
    codes: dict[int, set[str]] = defaultdict(set)
    for status, names in ALWAYS.items():
        codes[status].update(names)
    if authenticated:
        codes[401].update(TOKEN)
        if not optional_auth:
            codes[401].add("not_authenticated")
    if any(p not in (AllowAny, IsAuthenticated) for p in permissions):
        codes[403].add("permission_denied")
    if body:
        for status, names in BODY.items():
            codes[status].update(names)
    if query_params:
        codes[400].add("validation_error")
    if path_params or paginated:
        codes[404].add("not_found")
    return dict(codes)


def operation_error_codes(schema: Any, operation: dict[str, Any]) -> dict[str, list[str]]:
    """``x-error-codes`` of an operation built by ``schema`` (an ``AutoSchema``): platform and declared codes."""
    auths = schema.get_auth()
    parameters = operation.get("parameters", [])
    query = {p.get("name") for p in parameters if p.get("in") == "query"}
    codes = platform_codes(
        authenticated=any(auths),
        optional_auth={} in auths,
        permissions=[type(p) for p in schema.view.get_permissions()],
        body="requestBody" in operation,
        path_params=any(p.get("in") == "path" for p in parameters),
        query_params=bool(query - {"format"}),
        paginated=schema.method == "GET" and bool(query & {"page", "cursor"}),
    )
    responses = schema.get_response_serializers()
    for status, response in responses.items() if isinstance(responses, dict) else ():
        if isinstance(response, ErrorResponse):
            codes.setdefault(int(status), set()).update(response.codes)
    return {str(status): sorted(names) for status, names in sorted(codes.items())}


def _camel(code: str) -> str:
    name = "".join(part.capitalize() for part in re.split(r"[_-]", code))
    return name if name.endswith("Error") else f"{name}Error"


def _code_schema(codes: list[str]) -> dict[str, Any]:
    return {
        "allOf": [
            {"$ref": _ENVELOPE_REF},
            {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code"],
                        "properties": {"code": {"type": "string", "enum": codes}},
                    }
                },
            },
        ]
    }


def _component_name(status: int, codes: list[str]) -> str | None:
    if (status, tuple(codes)) in _NAMED:
        return _NAMED[(status, tuple(codes))]
    if len(codes) == 1:
        return _camel(codes[0])
    return None


def postprocess_error_codes(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """SPECTACULAR ``POSTPROCESSING_HOOKS`` entry: each error response is the envelope with ``code`` an enum.

    Runs after ``postprocess_platform_errors``. Every status of an operation's ``x-error-codes`` is documented
    (added with its usual description when the operation did not name it), its schema the envelope whose
    ``code`` is one of that status's codes: a named component (``NotFoundError``, ``AuthenticationError``...)
    for a single code or a common set, else in place. ``x-error-codes`` is then dropped.
    """
    from apps.common.schema import describe_status  # schema imports this module

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorEnvelope" not in schemas:
        return result
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "x-error-codes" not in operation:
                continue
            declared: dict[str, list[str]] = operation.pop("x-error-codes")
            responses = operation.setdefault("responses", {})
            for status, codes in declared.items():
                if not codes:
                    continue
                response = responses.setdefault(status, {"description": describe_status(int(status))})
                name = _component_name(int(status), codes)
                if name is not None:
                    schemas.setdefault(name, _code_schema(codes))
                    body: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
                else:
                    body = _code_schema(codes)
                response["content"] = {"application/json": {"schema": body}}
    return result


def response_codes(schema: dict[str, Any], response: dict[str, Any]) -> set[str] | None:
    """The codes an error response of ``schema`` (the generated document) declares; None for no enum."""
    body = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    for part in body.get("allOf", []):
        enum = part.get("properties", {}).get("error", {}).get("properties", {}).get("code", {}).get("enum")
        if enum is not None:
            return set(enum)
    return None
