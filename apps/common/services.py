"""Cross-cutting service helpers: audit rows and side effects sent on commit."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from apps.common.backoff import Backoff
from apps.common.context import current_request_id
from apps.common.models import AuditLog

logger = logging.getLogger(__name__)


def audit(*, actor: Any, action: str, target: models.Model, changes: dict[str, Any] | None = None) -> AuditLog:
    """Record that ``actor`` did ``action`` to ``target`` (inside the caller's transaction)."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        changes=changes or {},
        request_id=current_request_id() if current_request_id() != "-" else "",
    )


broker_backoff = Backoff()  # this process's last failed enqueue


def broker_recently_failed() -> bool:
    """True for ``CELERY_ENQUEUE_BACKOFF_SECONDS`` after an enqueue failed in this process."""
    return broker_backoff.active(getattr(settings, "CELERY_ENQUEUE_BACKOFF_SECONDS", 0))


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a Celery task once the current transaction commits (at once when there is none).

    A broker that is down must not fail, or stall, the request whose data is already committed: the error
    is logged and periodic sweepers pick up whatever was not sent. After one failure, further enqueues in
    this process are skipped for ``CELERY_ENQUEUE_BACKOFF_SECONDS`` (a request queueing ten alerts waits
    for one connection attempt, not ten).
    """

    def _send() -> None:
        name = getattr(task, "name", task)
        if current_app.conf.task_always_eager:  # in-process mode: let task errors surface
            task.apply_async(args=args, kwargs=kwargs)
            return
        if broker_recently_failed():
            logger.warning("could not enqueue %s: the broker failed moments ago; a sweeper will retry it", name)
            return
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except (KombuError, RedisError, OSError, RuntimeError):  # RuntimeError: kombu's pool states
            broker_backoff.failure()
            logger.exception("could not enqueue %s; a sweeper will retry it", name)
        else:
            broker_backoff.success()

    transaction.on_commit(_send)


def require_atomic() -> None:
    """Refuse to allocate scarce things (seats, coupon uses) outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("This operation must run inside transaction.atomic().")
