from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.common.context import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIDMiddleware:
    """Accept a well-formed ``X-Request-ID`` or generate one; echo it and expose it to logs and errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


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
    from apps.common.exceptions import error_body

    body = error_body(
        413,
        "request_too_large",
        "The request body is too large.",
        request_id=getattr(request, "request_id", None),
    )
    # No ``Connection: close``: hop-by-hop headers belong to the server, and a WSGI application may not send
    # them (PEP 3333; runserver refuses the response with a 500). The server deals with the unread body:
    # runserver reads it to its declared length, gunicorn skips it before the next request or closes.
    return JsonResponse(body, status=413)
