"""Cross-cutting service helpers: side effects sent on commit (audit rows: :mod:`apps.common.audit`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from celery import current_app
from celery.local import Proxy
from django.db import transaction

from apps.common import broker
from apps.common.broker import BROKER_ERRORS, broker_backoff, broker_recently_failed

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, countdown: float = 0, **kwargs: Any) -> None:
    """Send a Celery task once the current transaction commits (at once when there is none), ``countdown``
    seconds later when given. The one way a service sends a task (see also :func:`enqueue_batch_on_commit`,
    several items in one message, and :func:`enqueue_after_response`, work kept out of the response time).

    A broker that is down must not fail, or stall, the request whose data is already committed: the error
    is logged and periodic sweepers pick up whatever was not sent. After one failure, further enqueues in
    this process are skipped for ``CELERY_ENQUEUE_BACKOFF_SECONDS`` (a request queueing ten alerts waits
    for one connection attempt, not ten).
    """
    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(partial(publish, task, args, kwargs, **options))


def publish(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any], **options: Any) -> None:
    """Send a task now, under the broker backoff; a broker error is logged (a sweeper recovers), never raised.

    ``options`` go to ``apply_async`` (e.g. ``countdown``). Call it from an on-commit callback. The plain case
    (no option, a web process, a Redis broker) is handed over to :mod:`apps.common.broker` and pushed after the
    response, which records its failures the same way."""
    if isinstance(task, Proxy):  # a shared task: resolved once here, not at every attribute read below
        task = task._get_current_object()
    name = getattr(task, "name", task)
    if current_app.conf.task_always_eager:  # in-process mode: let task errors surface
        task.apply_async(args=args, kwargs=kwargs, **options)
        return
    if broker_recently_failed():
        logger.warning("could not enqueue %s: the broker failed moments ago; a sweeper will retry it", name)
        return
    if broker.plain(task, {**options, "retry": False}):
        broker.send(task, args, kwargs)
        return
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False, **options)
    except BROKER_ERRORS:
        broker_backoff.failure()
        logger.exception("could not enqueue %s; a sweeper will retry it", name)
    else:
        broker_backoff.success()


class _Batch:
    """Items collected for one task in one transaction, published together when it commits."""

    def __init__(self, task: Any, pending: dict[str, _Batch]) -> None:
        self.task, self.pending = task, pending
        self.items: list[Any] = []

    def send(self) -> None:
        if self.pending.get(self.task.name) is self:
            del self.pending[self.task.name]
        publish(self.task, (self.items,), {})


_batches: WeakKeyDictionary[Any, dict[str, _Batch]] = WeakKeyDictionary()  # per database connection


def enqueue_batch_on_commit(task: Any, items: Iterable[Any]) -> None:
    """Like :func:`enqueue_on_commit` for a task taking a list: the items given at one level of one transaction
    go out in one message (``task.apply_async(args=([items...],))``) when it commits: one broker round trip.

    A nested ``atomic()`` block (a savepoint) starts a batch of its own, so rolling it back drops its items.
    """
    items = list(items)
    if not items:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        publish(task, (items,), {})
        return
    pending = _batches.setdefault(connection, {})
    batch = pending.get(task.name)
    level = set(connection.savepoint_ids)
    if batch is None or not any(
        callback == batch.send and sids == level for sids, callback, _ in connection.run_on_commit
    ):
        batch = pending[task.name] = _Batch(task, pending)  # the first at this level, or the last was rolled back
        transaction.on_commit(batch.send)
    batch.items.extend(items)


# Work a request hands over to be done once its response has been sent (None: not inside a request).
_after_response: ContextVar[list[Callable[[], Any]] | None] = ContextVar("after_response", default=None)


def enqueue_after_response(task: Any, *args: Any, **kwargs: Any) -> None:
    """Like :func:`enqueue_on_commit`, for a task whose duration must not show in the response time.

    With a broker the task is published on commit like any other, and a worker does the work. When tasks run
    in-process (no broker: ``make run``), it runs once the response has been sent rather than inside the
    request, so a caller cannot time what it does (e.g. whether an address has an account).
    """
    if not current_app.conf.task_always_eager:
        enqueue_on_commit(task, *args, **kwargs)
        return

    def _hand_over() -> None:
        run = partial(task.apply_async, args=args, kwargs=kwargs)
        pending = _after_response.get()
        if pending is None:  # not inside a request (a shell, a task, a test calling the service)
            run()
        else:
            pending.append(run)

    transaction.on_commit(_hand_over)


def open_after_response(**kwargs: Any) -> None:
    """``request_started`` receiver: this request may hand work over to after its response."""
    _after_response.set([])


def take_after_response() -> list[Callable[[], Any]]:
    """The work handed over by the current request (emptied: each piece is taken once)."""
    pending = _after_response.get() or []
    _after_response.set(None)
    return pending


def run_after_response(**kwargs: Any) -> None:
    """``request_finished`` receiver (the server has sent the response): do the work the request handed over."""
    for call in take_after_response():
        try:
            call()
        except Exception:  # the response is gone: log, never raise into the server
            logger.exception("work done after the response failed")


def require_atomic() -> None:
    """Refuse to allocate scarce things (seats, coupon uses) outside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("This operation must run inside transaction.atomic().")
