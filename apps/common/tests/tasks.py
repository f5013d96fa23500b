"""Tasks for the logging and observability tests (imported by a test worker with ``--include``)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import connection

logger = logging.getLogger(__name__)


@shared_task(name="tests.log_line")
def log_line(text: str, sleep_seconds: float = 0) -> str:
    """Log ``text`` (and return it, so Celery's own success line carries it too); optionally run a slow query."""
    logger.warning("task says: %s", text)
    if sleep_seconds:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [sleep_seconds])
    return text


@shared_task(name="tests.fail_with")
def fail_with(text: str) -> None:
    raise RuntimeError(f"task failed for {text}")
