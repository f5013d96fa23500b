"""Publishing real-time events: the one way a service tells connected sockets that something changed.

A service calls :func:`publish` inside its transaction; the event goes to the channel layer once the transaction
commits (never for a rolled-back write), so a socket never hears of a row that REST cannot read. An event names
what changed (ids) and carries a ``cursor``; the WebSocket consumer (``apps.realtime``) decides on delivery
whether each recipient may see it and renders it with the REST serializers, so the two never disagree.

A channel layer that is down must not fail the request whose data is already committed: the error is logged
and counted (``obs_realtime_publish_failures_total``), further publishes in this process are skipped for
``REALTIME_PUBLISH_BACKOFF_SECONDS``, and clients catch up from their last cursor through the REST lists.

A sync process (gunicorn's workers, Celery) sends on one event loop of its own, run by a daemon thread for the
life of the process (:class:`_LayerLoop`): the Redis layer keeps its connections per event loop, so they are
opened once and reused. ``async_to_sync`` would start a loop and open a connection for every event (about 4 ms
of an SOS's 10). The in-memory layer (no Redis) lives in the loop that serves the sockets, so it is still sent
to through ``async_to_sync``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Coroutine, Iterable
from datetime import datetime
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from prometheus_client import Counter

from apps.common.backoff import Backoff

logger = logging.getLogger(__name__)

# The group every socket that follows incidents joins (its consumer filters per incident and user).
OPS_GROUP = "ops"
# The consumer's handler for every event (``type`` is how Channels routes a message to a method).
EVENT_TYPE = "realtime.event"

publish_backoff = Backoff()  # this process's last failed publish
PUBLISHED = Counter("obs_realtime_events_published_total", "Real-time events sent to the channel layer", ["event"])
FAILED = Counter(
    "obs_realtime_publish_failures_total", "Real-time events not sent (channel layer down or backing off)", ["event"]
)


# The longest a request waits for the layer to take an event (a Redis that does not answer); then it is a failure.
SEND_TIMEOUT_SECONDS = 5.0


class _LayerLoop:
    """An event loop in a daemon thread, one per process (started on first use, again after a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime-publish", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Coroutine[Any, Any, None], timeout: float) -> None:
        """Run ``coroutine`` on the loop and wait for it; its exception, or ``TimeoutError``, is raised here."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running())
        try:
            future.result(timeout)
        except BaseException:
            future.cancel()
            raise


layer_loop = _LayerLoop()


def user_group(user_id: Any) -> str:
    """The group of every socket of one user (their conversations' events are sent there)."""
    return f"user.{user_id}"


def publish(event: str, *, groups: Iterable[str], cursor: datetime, **ids: Any) -> None:
    """Send ``event`` (e.g. ``message.created``) to ``groups`` once the current transaction commits.

    ``ids`` name what changed (``message_id=...``); ``cursor`` is the changed row's ``updated_at``, from which a
    reconnecting client reads what it missed (docs/realtime.md)."""
    targets = sorted(set(groups))
    if not targets:
        return
    payload = {"type": EVENT_TYPE, "event": event, "cursor": cursor.isoformat(), **{k: str(v) for k, v in ids.items()}}
    transaction.on_commit(partial(send, targets, payload))


def send(groups: list[str], payload: dict[str, Any]) -> bool:
    """Send now (an on-commit callback); False when the layer is down or backing off. Never raises."""
    event = payload["event"]
    if publish_backoff.active(settings.REALTIME_PUBLISH_BACKOFF_SECONDS):
        FAILED.labels(event=event).inc()
        logger.warning("real-time event %s not sent: the channel layer failed moments ago", event)
        return False
    layer = get_channel_layer()
    try:
        if isinstance(layer, InMemoryChannelLayer):
            async_to_sync(_send_all)(layer, groups, payload)
        else:
            layer_loop.run(_send_all(layer, groups, payload), SEND_TIMEOUT_SECONDS)
    except Exception:
        publish_backoff.failure()
        FAILED.labels(event=event).inc()
        logger.exception("real-time event %s not sent to %d group(s)", event, len(groups))
        return False
    publish_backoff.success()
    PUBLISHED.labels(event=event).inc()
    return True


async def _send_all(layer: Any, groups: list[str], payload: dict[str, Any]) -> None:
    for group in groups:
        await layer.group_send(group, payload)
