"""A sync process sends its events on one event loop of its own (``apps.common.realtime.layer_loop``): reused from
one event to the next, started again in a forked child, and the events arrive either way."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from apps.common import realtime


def _receive_one(layer: Any, channel: str) -> dict[str, Any]:
    async def receive() -> dict[str, Any]:
        message: dict[str, Any] = await asyncio.wait_for(layer.receive(channel), 5)
        return message

    return asyncio.run(receive())


def test_events_are_sent_on_one_loop_per_process(monkeypatch: Any) -> None:
    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "channels_redis.core.RedisChannelLayer":
        pytest.skip("the test settings use no Redis channel layer")
    layer, group = get_channel_layer(), f"loop-{uuid.uuid4().hex[:8]}"
    channel = asyncio.run(layer.new_channel())
    asyncio.run(layer.group_add(group, channel))
    realtime.publish_backoff.reset()
    loops = []
    for pid_shift in (0, 0, 1):  # the third as if in a child forked since: a loop of its own
        monkeypatch.setattr(realtime.os, "getpid", lambda shift=pid_shift: 1_000_000 + shift)
        event = {"type": realtime.EVENT_TYPE, "event": "incident.created", "cursor": timezone.now().isoformat()}
        assert realtime.send([group], event)
        assert _receive_one(layer, channel)["cursor"] == event["cursor"]
        loops.append(realtime.layer_loop._loop)
    assert loops[0] is loops[1]
    assert loops[2] is not loops[1]
    assert loops[2] is not None
    assert loops[2].is_running()
    asyncio.run(layer.group_discard(group, channel))
