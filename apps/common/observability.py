"""Errors, slow SQL and task context: Sentry set-up and scrubbing, the slow-query logger, Celery signal handlers.

Nothing here touches models at import time: ``config/settings`` calls :func:`init_sentry` and
``config/celery.py`` connects the signal handlers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import Token
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest

from apps.common.context import current_request_id, request_id_var, task_var, valid_request_id
from apps.common.logging import redact_data

logger = logging.getLogger(__name__)

# The task message header that carries the id of the request that enqueued the task.
REQUEST_ID_TASK_HEADER = "request_id"
SQL_LOG_CHARS = 1000


# --- Sentry ---------------------------------------------------------------------------------------


def scrub_event(event: Any, hint: Any = None) -> Any:
    """Sentry ``before_send`` / ``before_send_transaction``: the log redaction over the whole event.

    Messages, exception values, request data and headers, extras, contexts, breadcrumbs, span descriptions
    and stack-frame variables all pass through :func:`apps.common.logging.redact_data`: sensitive keys are
    blanked and phone numbers, e-mail addresses, tokens, coordinates and one-time codes are masked in every
    string. The event is tagged with the request id (or the enqueuing request's id, in a task), so it can be
    found in the logs.
    """
    request_id = current_request_id()
    if request_id != "-" and isinstance(event, dict):
        event.setdefault("tags", {})["request_id"] = request_id
    return redact_data(event)


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    transport: Any = None,
) -> None:
    """Report errors (Django, Celery, ERROR log records) and sampled traces to Sentry, without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    # Personal data stays off: ``send_default_pii`` is left unset, which is "off" (sentry-sdk 2.x deprecates the
    # flag; its replacement, ``data_collection``, would also switch off the SDK's own denylist scrubber).
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        integrations=[
            DjangoIntegration(transaction_style="url"),
            CeleryIntegration(monitor_beat_tasks=False),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        transport=transport,
    )


# --- slow SQL -------------------------------------------------------------------------------------


@dataclass
class SlowQueryLogger:
    """A database ``execute_wrapper`` that logs statements slower than ``threshold_ms`` and where they ran.

    Only the statement with its placeholders is logged, never its parameters (they carry personal data).
    """

    where: Callable[[], str]
    threshold_ms: float

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            if elapsed_ms >= self.threshold_ms:
                route = self.where()
                logger.warning(
                    "slow query: %.0f ms on %s: %s",
                    elapsed_ms,
                    route,
                    " ".join(str(sql).split())[:SQL_LOG_CHARS],
                    extra={"duration_ms": round(elapsed_ms, 1), "route": route},
                )


def request_route(request: HttpRequest) -> str:
    """``GET /api/v1/treks/<slug:slug>/``: the method and URL pattern (the path before the URL is resolved)."""
    match = getattr(request, "resolver_match", None)
    route = f"/{match.route}" if match is not None and match.route else request.path
    return f"{request.method} {route}"


def slow_query_threshold_ms() -> float:
    return float(getattr(settings, "SLOW_QUERY_MS", 0) or 0)


# --- Celery: request id on the message, task context in the worker ---------------------------------


def on_before_task_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """Put the current request id on the task message (``before_task_publish``; covers every enqueue path)."""
    request_id = current_request_id()
    if headers is not None and request_id != "-":
        headers.setdefault(REQUEST_ID_TASK_HEADER, request_id)


@dataclass
class _TaskScope:
    task_token: Token[tuple[str, str] | None]
    request_token: Token[str] | None
    wrapper: SlowQueryLogger | None


_scopes: dict[str, _TaskScope] = {}


def on_task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """Restore the enqueuing request's id, name the task in log records, and watch its SQL (``task_prerun``)."""
    if task is None or task_id is None:
        return
    request = task.request
    request_token = wrapper = None
    if not getattr(request, "is_eager", False):  # eager tasks run inside the request: its context is current
        request_token = request_id_var.set(valid_request_id(getattr(request, REQUEST_ID_TASK_HEADER, None)) or "-")
        threshold = slow_query_threshold_ms()
        if threshold > 0:
            wrapper = SlowQueryLogger(lambda: f"task {task.name}", threshold)
            for connection in connections.all():
                connection.execute_wrappers.append(wrapper)
    _scopes[task_id] = _TaskScope(task_var.set((task.name, task_id)), request_token, wrapper)


def on_task_postrun(task_id: str | None = None, task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    """Count the task's outcome and undo what ``on_task_prerun`` set (``task_postrun``)."""
    from apps.common.metrics import record_task_outcome  # late: settings import this module, metrics needs them

    scope = _scopes.pop(task_id or "", None)
    if scope is not None:
        if scope.wrapper is not None:
            for connection in connections.all():
                if scope.wrapper in connection.execute_wrappers:
                    connection.execute_wrappers.remove(scope.wrapper)
        task_var.reset(scope.task_token)
        if scope.request_token is not None:
            request_id_var.reset(scope.request_token)
    if task is not None and state:
        record_task_outcome(task.name, state)
