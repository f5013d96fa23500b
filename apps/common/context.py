"""Per-request context (the request id, the request itself) readable from anywhere, including log filters."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
request_var: ContextVar[HttpRequest | None] = ContextVar("request", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_request() -> HttpRequest | None:
    """The request this thread or task is serving, if any (set by ``RequestIDMiddleware``)."""
    return request_var.get()
