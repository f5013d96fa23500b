"""A task for the worker-loss test: counts its attempts, is slow the first time, then marks itself done.

Loaded into a test worker with ``celery worker -I tests.proof.fault_tasks``.
"""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache


@shared_task(name="proof.count_attempts_then_finish", acks_late=True, reject_on_worker_lost=True)
def count_attempts_then_finish(token: str, first_attempt_seconds: float) -> int:
    cache.add(f"proof:{token}:attempts", 0, timeout=600)
    attempt = cache.incr(f"proof:{token}:attempts")
    if attempt == 1:
        time.sleep(first_attempt_seconds)  # the test kills the worker during this sleep
    cache.set(f"proof:{token}:done", attempt, timeout=600)
    return attempt
