"""Log filters: the request id on every record, and redaction of secrets that slip into messages."""

from __future__ import annotations

import logging
import re

from apps.common.context import current_request_id

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # JWTs and other bearer tokens
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), "[token]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[token]"),
    # key=value style secrets
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|otp|code|signature|api_key|authorization)(\"?\s*[:=]\s*\"?)([^\s\",&]+)"
        ),
        r"\1\2[redacted]",
    ),
    # phone numbers: keep the last 4 digits
    (re.compile(r"\+\d{6,11}(\d{4})\b"), r"+******\1"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RequestIDFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
