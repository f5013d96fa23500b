"""Per-request context (the request id, the request itself) readable from anywhere, including log filters.

In a Celery worker the request id of the request that enqueued a task is restored for the task's run
(``apps.common.observability``), together with the task's name and id.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
request_var: ContextVar[HttpRequest | None] = ContextVar("request", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("task", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def valid_request_id(value: object) -> str | None:
    """``value`` when it is a well-formed request id (safe to log and echo), else None."""
    return value if isinstance(value, str) and _VALID_REQUEST_ID.match(value) else None


def current_request_id() -> str:
    return request_id_var.get()


def current_request() -> HttpRequest | None:
    """The request this thread or task is serving, if any (set by ``RequestIDMiddleware``)."""
    return request_var.get()


def current_task() -> tuple[str, str] | None:
    """``(task name, task id)`` while a Celery task runs in this context, else None."""
    return task_var.get()
