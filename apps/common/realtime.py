"""Publishing real-time events: the one way a service tells connected sockets that something changed.

A service calls :func:`publish` inside its transaction; the event goes to the channel layer once the transaction
commits (never for a rolled-back write), so a socket never hears of a row that REST cannot read. An event names
what changed (ids) and carries a ``cursor``; the WebSocket consumer (``apps.realtime``) decides on delivery
whether each recipient may see it and renders it with the REST serializers, so the two never disagree.

A channel layer that is down must not fail the request whose data is already committed: the error is logged
and counted (``obs_realtime_publish_failures_total``), further publishes in this process are skipped for
``REALTIME_PUBLISH_BACKOFF_SECONDS``, and clients catch up from their last cursor through the REST lists.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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
        async_to_sync(_send_all)(layer, groups, payload)
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
