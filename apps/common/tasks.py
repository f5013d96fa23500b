from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker:heartbeat"


@shared_task(name="common.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Record that a worker is consuming the queue (scheduled every minute; read by ops tooling)."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, stamp, timeout=600)
    return stamp
