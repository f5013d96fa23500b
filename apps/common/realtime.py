"""Publishing real-time events: the one way a service tells connected sockets that something changed.

A service calls :func:`publish` inside its transaction; the event goes to the channel layer once the transaction
commits (never for a rolled-back write), so a socket never hears of a row that REST cannot read. An event names
what changed (ids) and carries a ``cursor``; the WebSocket consumer (``apps.realtime``) decides on delivery
whether each recipient may see it and renders it with the REST serializers, so the two never disagree.

A channel layer that is down must not fail the request whose data is already committed: the error is logged
and counted (``obs_realtime_publish_failures_total``), further publishes in this process are skipped for
``REALTIME_PUBLISH_BACKOFF_SECONDS``, and clients catch up from their last cursor through the REST lists.

A sync process (gunicorn's workers, Celery) sends on one event loop of its own, run by a daemon thread for the life
of the process (:class:`apps.common.handover.HandOverLoop`): the Redis layer keeps its connections per event loop,
so they are opened once and reused. ``async_to_sync`` would start a loop and open a connection for every event
(about 4 ms of an SOS's 10). The request hands the event to that loop and does not wait for Redis (about 1 ms of an
SOS, more when Redis is slow): the loop sends the events in the order they were handed over, and records a failure
(the log line, the counter, the backoff) when it happens; a process that exits gives the events it still holds up to
``DRAIN_SECONDS``. The in-memory layer (no Redis) lives in the loop that serves the sockets, so it is still sent to
through ``async_to_sync``, and waited for."""

from __future__ import annotations

import asyncio
import atexit
import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from prometheus_client import Counter

from apps.common.backoff import Backoff
from apps.common.handover import HandOverLoop

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


# The longest the layer may take to accept an event (a Redis that does not answer); then it is a failure.
SEND_TIMEOUT_SECONDS = 5.0
# How long an exiting process waits for the events it has not sent yet.
DRAIN_SECONDS = 2.0


layer_loop = HandOverLoop("realtime-publish")
atexit.register(layer_loop.drain, DRAIN_SECONDS)


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
    """Hand the event to the channel layer (an on-commit callback); False when the layer failed moments ago.

    Never raises. With Redis it does not wait: the event is sent on :data:`layer_loop`, after the events handed
    over before it, and a failure is recorded there. The in-memory layer is sent to at once."""
    event = payload["event"]
    if publish_backoff.active(settings.REALTIME_PUBLISH_BACKOFF_SECONDS):
        _skipped(event)
        return False
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        return bool(async_to_sync(_send_in_turn)(layer, groups, payload))
    layer_loop.submit(_send_in_turn(layer, groups, payload))
    return True


async def _send_in_turn(layer: Any, groups: list[str], payload: dict[str, Any]) -> bool:
    """Send unless an event before this one failed moments ago, and record what happened (the counters, the
    backoff, the log); True when sent. Run on :data:`layer_loop`, or in the in-memory layer's own loop."""
    event = payload["event"]
    if publish_backoff.active(settings.REALTIME_PUBLISH_BACKOFF_SECONDS):
        _skipped(event)
        return False
    try:
        await asyncio.wait_for(_send_all(layer, groups, payload), SEND_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("real-time event %s not sent to %d group(s)", event, len(groups))
        publish_backoff.failure()
        FAILED.labels(event=event).inc()
        return False
    publish_backoff.success()
    PUBLISHED.labels(event=event).inc()
    return True


def _skipped(event: str) -> None:
    FAILED.labels(event=event).inc()
    logger.warning("real-time event %s not sent: the channel layer failed moments ago", event)


async def _send_all(layer: Any, groups: list[str], payload: dict[str, Any]) -> None:
    for group in groups:
        await layer.group_send(group, payload)
