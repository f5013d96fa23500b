"""Cross-cutting service helpers: audit rows and side effects sent on commit."""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app
from django.db import models, transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

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


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send a Celery task once the current transaction commits (at once when there is none).

    A broker that is down must not fail the request whose data is already committed: the error is
    logged and periodic sweepers pick up whatever was not sent.
    """

    def _send() -> None:
        if current_app.conf.task_always_eager:  # in-process mode: let task errors surface
            task.apply_async(args=args, kwargs=kwargs)
            return
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except (KombuError, RedisError, OSError):
            logger.exception("could not enqueue %s; a sweeper will retry it", getattr(task, "name", task))

    transaction.on_commit(_send)


def require_atomic() -> None:
    """Refuse to allocate scarce things (seats, coupon uses) outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("This operation must run inside transaction.atomic().")
