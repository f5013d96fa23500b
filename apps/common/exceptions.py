"""Domain errors and the single error envelope.

Every non-2xx response of the API has this shape::

    {"error": {"status_code": 409, "code": "batch_full", "message": "...", "details": {...} | null,
               "request_id": "..."}}

Services raise :class:`ApplicationError` subclasses with a stable machine ``code``; DRF and Django
errors are mapped here; anything unexpected is logged and answered with a 500 that reveals nothing.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import is_valid_path
from django.views.decorators.csrf import csrf_exempt
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from apps.common.context import current_request_id

logger = logging.getLogger(__name__)

_ENVELOPE_RENDERER = JSONRenderer()


class ApplicationError(Exception):
    """Base of every domain error. Subclasses set ``status_code``, ``code`` and ``message``."""

    status_code: int = 400
    code: str = "application_error"
    message: str = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "validation_error"
    message = "Invalid input."


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Forbidden(ApplicationError):
    status_code = 403
    code = "permission_denied"
    message = "You do not have permission to perform this action."


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state of the resource."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "This change of status is not allowed."


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"
    message = "The request is well-formed but cannot be processed."


class RateLimited(ApplicationError):
    status_code = 429
    code = "throttled"
    message = "Too many requests. Try again later."

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, details={"retry_after": self.retry_after}, **kwargs)


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"
    message = "The service is temporarily unavailable. Try again shortly."


def error_body(
    status_code: int, code: str, message: str, details: Any = None, request_id: str | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status_code": status_code,
            "code": code,
            "message": message,
            "details": details,
            "request_id": request_id or current_request_id(),
        }
    }


def _is_unique_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == "23505" or getattr(cause, "pgcode", None) == "23505":
        return True
    return "unique" in str(exc).lower()


def _drf_message(detail: Any, default: str) -> str:
    if isinstance(detail, str):
        return detail
    return default


def _from_drf(exc: drf.APIException) -> tuple[int, str, str, Any, dict[str, str]]:
    headers: dict[str, str] = {}
    if isinstance(exc, drf.ValidationError):
        return 400, "validation_error", "Invalid input.", exc.detail, headers
    if isinstance(exc, drf.Throttled):
        wait_seconds = getattr(exc, "wait", None)
        wait = math.ceil(wait_seconds) if wait_seconds is not None else 60
        headers["Retry-After"] = str(wait)
        return 429, "throttled", f"Too many requests. Try again in {wait} seconds.", {"retry_after": wait}, headers
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    code = exc.default_code
    details = None
    if isinstance(exc.detail, dict):
        # simplejwt puts {"detail", "code", "messages"} here; surface its code, keep the rest out.
        code = str(exc.detail.get("code", code))
        message = str(exc.detail.get("detail", exc.default_detail))
    else:
        message = _drf_message(exc.detail, str(exc.default_detail))
    return exc.status_code, str(code), message, details, headers


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:  # noqa: C901  one flat branch per exception family, each a few lines
    """DRF ``EXCEPTION_HANDLER``: map every exception to the envelope."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        status_code, code, message, details = exc.status_code, exc.code, exc.message, exc.details
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, Http404):
        status_code, code, message, details = 404, "not_found", "Not found.", None
    elif isinstance(exc, RequestDataTooBig):
        status_code, code, message, details = 413, "request_too_large", "The request body is too large.", None
    elif isinstance(exc, TooManyFieldsSent):
        status_code, code, message, details = 400, "too_many_fields", "The request has too many fields.", None
    elif isinstance(exc, DjangoPermissionDenied):
        status_code, code, message, details = 403, "permission_denied", str(drf.PermissionDenied.default_detail), None
    elif isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        status_code, code, message = 400, "validation_error", "Invalid input."
    elif isinstance(exc, drf.APIException):
        status_code, code, message, details, headers = _from_drf(exc)
    elif isinstance(exc, IntegrityError):
        status_code, details = 409, None
        if _is_unique_violation(exc):
            code, message = "already_exists", "A record with these values already exists."
        else:
            code, message = "conflict", "The request conflicts with the current state of the resource."
        logger.warning("integrity error answered with 409: %s", type(exc.__cause__ or exc).__name__)
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", type(exc.__cause__ or exc).__name__)
        status_code, code, message, details = 503, "service_unavailable", ServiceUnavailable.message, None
    elif isinstance(exc, ConnectionInterrupted | RedisConnectionError | RedisTimeoutError):
        # Redis (cache, throttles, OTP store) is unreachable: a dependency outage, not a bug.
        logger.error("redis unavailable: %s", type(exc.__cause__ or exc).__name__)
        status_code, code, message, details = 503, "service_unavailable", ServiceUnavailable.message, None
    elif isinstance(exc, DatabaseError):
        logger.exception("database error")
        status_code, code, message, details = 500, "server_error", "An unexpected error occurred.", None
    else:
        logger.exception("unhandled exception in %s", type(context.get("view")).__name__)
        status_code, code, message, details = 500, "server_error", "An unexpected error occurred.", None
    set_rollback()
    request = context.get("request")
    if request is not None:  # the envelope is JSON whatever the view renders (CSV, GeoJSON, YAML, HTML docs)
        request.accepted_renderer, request.accepted_media_type = _ENVELOPE_RENDERER, _ENVELOPE_RENDERER.media_type
    return Response(error_body(status_code, code, message, details), status=status_code, headers=headers)


# --- Django-level handlers (URLs outside DRF views, CSRF failures) ------------------------------


def _json_error(request: HttpRequest, status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        error_body(status_code, code, message, request_id=getattr(request, "request_id", None)), status=status_code
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 400, "bad_request", "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 403, "permission_denied", str(drf.PermissionDenied.default_detail))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, 404, "not_found", "Not found.")


@csrf_exempt  # a POST to an unknown URL is a 404, not a CSRF failure
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """The last URL pattern under ``/api/``: any other address there answers the 404 envelope, DEBUG or not.

    (With ``DEBUG = True`` Django answers an unmatched URL with its HTML page instead of ``handler404``.) A path
    that only lacks its trailing slash says which address was meant, for every method.
    """
    details = None
    if not request.path_info.endswith("/"):
        match = is_valid_path(f"{request.path_info}/", getattr(request, "urlconf", None))
        if match and match.func is not api_not_found:
            details = {"did_you_mean": f"{request.path}/"}
    return JsonResponse(
        error_body(404, "not_found", "Not found.", details, request_id=getattr(request, "request_id", None)),
        status=404,
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(request, 500, "server_error", "An unexpected error occurred.")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return _json_error(request, 403, "csrf_failed", "CSRF verification failed.")
