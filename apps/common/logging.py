"""Logging for every process (web, gunicorn, Celery worker and beat): one configuration, one redaction.

``redact`` and ``redact_data`` are the single place that knows what personal data and secrets look like; the
log filters, the log formatters (tracebacks), the gunicorn access log and the Sentry event scrubber all use
them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from apps.common.context import current_request_id, current_task

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # JWTs and other bearer tokens
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[token]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[token]"),
    # key=value style secrets and locations: `password=...`, `"otp": "..."`, `'latitude': Decimal('30.1')`
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|otp|code|signature|api_key|authorization"
            r"|latitude|longitude|lat|lng|lon)"
            r"([\"']?\s*[:=]\s*(?:Decimal\()?[\"']?)([^\s\"',&)]+)"
        ),
        r"\1\2[redacted]",
    ),
    # one-time codes in prose: "123456 is your verification code", "your code is 123456"
    (re.compile(r"(?i)\b\d{4,8}\b(?=[^\d\n]{0,40}\b(?:code|otp)\b)"), "[code]"),
    (re.compile(r"(?i)(\b(?:code|otp)\b[^\d\n]{0,20}?)\b\d{4,8}\b"), r"\1[code]"),
    # a latitude,longitude pair (maps links, "at 30.7333, 79.0667")
    (re.compile(r"-?\b\d{1,2}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}\b"), "[coordinates]"),
    # e-mail addresses: keep the first character and the domain
    (re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b"), r"\1***@\2"),
    # phone numbers in international form (spaces or dashes allowed): keep the last 4 digits
    (re.compile(r"\+\d[\d -]{4,13}?[ -]?(\d{4})\b"), r"+******\1"),
]

# Keys whose values are personal data or secrets whatever they look like (request bodies, Sentry extras,
# log ``extra``). A key is sensitive when one of its words (split on ``_``/``-``) is in SENSITIVE_WORDS or
# the whole key is in SENSITIVE_KEYS.
SENSITIVE_WORDS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "otp",
        "signature",
        "authorization",
        "cookie",
        "phone",
        "mobile",
        "email",
        "latitude",
        "longitude",
        "lat",
        "lng",
        "lon",
        "coordinates",
        "dsn",
        "apikey",
        "sessionid",
        "csrftoken",
    }
)
SENSITIVE_KEYS = frozenset({"code", "access", "refresh", "key", "api_key", "location", "recipient", "to"})
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with secrets, codes, tokens, coordinates, e-mail addresses and phone numbers masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def is_sensitive_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return lowered in SENSITIVE_KEYS or any(word in SENSITIVE_WORDS for word in re.split(r"[^a-z0-9]+", lowered))


def redact_data(value: Any, _depth: int = 0) -> Any:
    """``value`` (dicts, lists, strings, anything) with sensitive keys blanked and every string redacted."""
    if _depth > 20:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if is_sensitive_key(key) and item not in (None, "") else redact_data(item, _depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact_data(item, _depth + 1) for item in value)
    return value


# Attributes every LogRecord has; anything else on a record came from ``extra=`` (or a filter).
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "task_id",
    "task_name",
}


class RequestIDFilter(logging.Filter):
    """Put the request id (and, inside a Celery task, the task name and id) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        task = current_task()
        if task is not None and not hasattr(record, "task_id"):
            record.task_name, record.task_id = task
        return True


class RedactingFilter(logging.Filter):
    """Redact the message and every ``extra`` value of a record before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        for name in set(record.__dict__) - _RECORD_ATTRS:
            record.__dict__[name] = REDACTED if is_sensitive_key(name) else redact_data(record.__dict__[name])
        return True


class TextFormatter(logging.Formatter):
    """The plain-text format, with tracebacks redacted like messages."""

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))


class JsonFormatter(_JsonFormatter):
    """One JSON object per line, with tracebacks redacted like messages."""

    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]
        return redact(logging.Formatter.formatException(self, ei))

    def formatStack(self, stack_info: str) -> str | list[str]:  # type: ignore[override]
        return redact(logging.Formatter.formatStack(self, stack_info))


def logging_config(*, level: str, fmt: str, extra_loggers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``dictConfig`` of every process: one console handler on the root logger, request id and redaction.

    ``fmt`` is ``"text"`` or ``"json"``. Django applies it as ``LOGGING``; Celery workers and beat apply the same
    dict (``config/celery.py``) and gunicorn applies it with its own loggers added (``deploy/gunicorn.conf.py``).
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "apps.common.logging.RequestIDFilter"},
            "redact": {"()": "apps.common.logging.RedactingFilter"},
        },
        "formatters": {
            "text": {
                "()": "apps.common.logging.TextFormatter",
                "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
            },
            "json": {  # "time" is UTC, ISO 8601
                "()": "apps.common.logging.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id", "redact"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            **(extra_loggers or {}),
        },
    }
