from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.common.context import request_id_var, request_var, valid_request_id
from apps.common.exceptions import RequestTooLarge, error_body
from apps.common.observability import SlowQueryLogger, request_route, slow_query_threshold_ms

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIDMiddleware:
    """Accept a well-formed ``X-Request-ID`` or generate one; echo it and expose it to logs and errors.

    The request itself is exposed too (:func:`apps.common.context.current_request`), for absolute media URLs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = valid_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        request_token = request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            request_var.reset(request_token)
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class SlowQueryMiddleware:
    """Log every SQL statement of a request slower than ``SLOW_QUERY_MS`` with the route (0 turns it off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        threshold = slow_query_threshold_ms()
        if threshold <= 0:
            return self.get_response(request)
        wrapper = SlowQueryLogger(lambda: request_route(request), threshold)
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(wrapper))
            return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is over the limit with a 413 envelope, before anything reads it.

    Uploads (``multipart/form-data``) may reach ``MAX_UPLOAD_REQUEST_SIZE`` (the largest file a view accepts
    plus the form's overhead); every other body ``DATA_UPLOAD_MAX_MEMORY_SIZE``. DRF's JSON parser reads the
    stream itself, so without this check Django's own limit would never apply to JSON bodies.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length:
            multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
            limit = settings.MAX_UPLOAD_REQUEST_SIZE if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is not None and length > limit:
                return request_too_large(request)
        return self.get_response(request)


def request_too_large(request: HttpRequest) -> HttpResponse:
    body = error_body(
        RequestTooLarge.status_code,
        RequestTooLarge.code,
        RequestTooLarge.message,
        request_id=getattr(request, "request_id", None),
    )
    # No ``Connection: close``: hop-by-hop headers belong to the server, and a WSGI application may not send
    # them (PEP 3333; runserver refuses the response with a 500). The server deals with the unread body:
    # runserver reads it to its declared length, gunicorn skips it before the next request or closes.
    return JsonResponse(body, status=RequestTooLarge.status_code)
