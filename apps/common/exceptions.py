"""Domain errors and the single error envelope.

Every non-2xx response of the API has this shape::

    {"error": {"status_code": 409, "code": "batch_full", "message": "...", "details": {...} | null,
               "request_id": "..."}}

Services raise :class:`ApplicationError` subclasses with a stable machine ``code``; DRF and Django
errors are mapped here; anything unexpected is logged and answered with a 500 that reveals nothing.

This module is the errors module of ``apps.common``; every other app keeps its own in ``apps/<app>/errors.py``.
An error is a class with one ``code`` and one ``status_code``: a raise site names the class (and may pass a
``message`` and ``details``), never a code or a status. A code means one thing and answers one status across
the whole API; ``apps/common/tests/test_error_catalogue.py`` holds every class to that and to the catalogue in
``docs/api.md``.
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
from django.utils.translation import gettext, gettext_noop
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
    """Base of every domain error. Subclasses set ``status_code``, ``code`` and ``message``.

    A raise site may word the ``message`` for its case and add ``details``; the code and the status belong to
    the class (a new case with its own code is a new class in the app's errors module).
    """

    status_code: int = 400
    code: str = "application_error"
    message: str = gettext_noop("The request could not be completed.")

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None) -> None:
        self.message = message or self.message
        self.details = details
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    status_code = 400
    code = "validation_error"
    message = gettext_noop("Invalid input.")


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"
    message = gettext_noop("Not found.")


class Forbidden(ApplicationError):
    status_code = 403
    code = "permission_denied"
    message = gettext_noop("You do not have permission to perform this action.")


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"
    message = gettext_noop("The request conflicts with the current state of the resource.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = gettext_noop("This change of status is not allowed.")


class AlreadyExists(Conflict):
    code = "already_exists"
    message = gettext_noop("A record with these values already exists.")


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"
    message = gettext_noop("The request is well-formed but cannot be processed.")


class IdempotencyKeyReused(Unprocessable):
    """An idempotency key sent again with a different request.

    422, as the IETF draft of the ``Idempotency-Key`` header field answers a key reused with another payload;
    409 stays for a conflict with the state of a resource.
    """

    code = "idempotency_key_reused"
    message = gettext_noop("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyRequired(ValidationFailed):
    """A write that must be idempotent (an SOS, an offline payment) sent without an ``Idempotency-Key`` UUID."""

    code = "idempotency_key_required"
    message = gettext_noop("An Idempotency-Key header holding a UUID is required.")


class RateLimited(ApplicationError):
    status_code = 429
    code = "throttled"
    message = gettext_noop("Too many requests. Try again later.")

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, details={"retry_after": self.retry_after}, **kwargs)


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"
    message = gettext_noop("The service is temporarily unavailable. Try again shortly.")


class NotReady(ServiceUnavailable):
    """The readiness probe: the database is down (a cache or broker outage alone is ``degraded``, a 200)."""

    code = "not_ready"
    message = gettext_noop("One or more dependencies are unavailable.")


class BadRequest(ApplicationError):
    code = "bad_request"
    message = gettext_noop("Bad request.")


class TooManyFields(ApplicationError):
    code = "too_many_fields"
    message = gettext_noop("The request has too many fields.")


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message = gettext_noop("CSRF verification failed.")


class RequestTooLarge(ApplicationError):
    status_code = 413
    code = "request_too_large"
    message = gettext_noop("The request body is too large.")


class ServerError(ApplicationError):
    status_code = 500
    code = "server_error"
    message = gettext_noop("An unexpected error occurred.")


def error_body(
    status_code: int, code: str, message: str, details: Any = None, request_id: str | None = None
) -> dict[str, Any]:
    """The envelope. ``message`` is translated into the request's language (``Accept-Language``, en or hi,
    activated by ``LocaleMiddleware``) when the catalogue has it (``locale/``, docs/i18n.md); the code never is."""
    return {
        "error": {
            "status_code": status_code,
            "code": code,
            "message": gettext(message) if message else message,
            "details": details,
            "request_id": request_id or current_request_id(),
        }
    }


def _answer(error: type[ApplicationError]) -> tuple[int, str, str, None]:
    """The status, code and default message of an error class, for an exception mapped onto it."""
    return error.status_code, error.code, error.message, None


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
        # `details` is always an object: errors not tied to a field (a list) go under `non_field_errors`, as
        # DRF names them in a serializer's own errors.
        field_errors: Any = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return 400, "validation_error", "Invalid input.", field_errors, headers
    if isinstance(exc, drf.Throttled):
        wait_seconds = getattr(exc, "wait", None)
        wait = math.ceil(wait_seconds) if wait_seconds is not None else 60
        headers["Retry-After"] = str(wait)
        message = gettext("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": wait}
        return 429, "throttled", message, {"retry_after": wait}, headers
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
        status_code, code, message, details = _answer(NotFound)
    elif isinstance(exc, RequestDataTooBig):
        status_code, code, message, details = _answer(RequestTooLarge)
    elif isinstance(exc, TooManyFieldsSent):
        status_code, code, message, details = _answer(TooManyFields)
    elif isinstance(exc, DjangoPermissionDenied):
        status_code, code, message, details = _answer(Forbidden)
    elif isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        status_code, code, message, _ = _answer(ValidationFailed)
    elif isinstance(exc, drf.APIException):
        status_code, code, message, details, headers = _from_drf(exc)
    elif isinstance(exc, IntegrityError):
        status_code, code, message, details = _answer(AlreadyExists if _is_unique_violation(exc) else Conflict)
        logger.warning("integrity error answered with 409: %s", type(exc.__cause__ or exc).__name__)
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", type(exc.__cause__ or exc).__name__)
        status_code, code, message, details = _answer(ServiceUnavailable)
    elif isinstance(exc, ConnectionInterrupted | RedisConnectionError | RedisTimeoutError):
        # Redis (cache, throttles, OTP store) is unreachable: a dependency outage, not a bug.
        logger.error("redis unavailable: %s", type(exc.__cause__ or exc).__name__)
        status_code, code, message, details = _answer(ServiceUnavailable)
    elif isinstance(exc, DatabaseError):
        logger.exception("database error")
        status_code, code, message, details = _answer(ServerError)
    else:
        logger.exception("unhandled exception in %s", type(context.get("view")).__name__)
        status_code, code, message, details = _answer(ServerError)
    set_rollback()
    request = context.get("request")
    if request is not None:  # the envelope is JSON whatever the view renders (CSV, GeoJSON, YAML, HTML docs)
        request.accepted_renderer, request.accepted_media_type = _ENVELOPE_RENDERER, _ENVELOPE_RENDERER.media_type
    return Response(error_body(status_code, code, message, details), status=status_code, headers=headers)


# --- Django-level handlers (URLs outside DRF views, CSRF failures) ------------------------------


def _json_error(request: HttpRequest, error: type[ApplicationError]) -> JsonResponse:
    return JsonResponse(
        error_body(error.status_code, error.code, error.message, request_id=getattr(request, "request_id", None)),
        status=error.status_code,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, BadRequest)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, Forbidden)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(request, NotFound)


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
    body = error_body(
        NotFound.status_code, NotFound.code, NotFound.message, details, request_id=getattr(request, "request_id", None)
    )
    return JsonResponse(body, status=NotFound.status_code)


def server_error(request: HttpRequest) -> JsonResponse:
    return _json_error(request, ServerError)


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return _json_error(request, CsrfFailed)
