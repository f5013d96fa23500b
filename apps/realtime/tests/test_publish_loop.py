"""A sync process sends its events on one event loop of its own (``apps.common.realtime.layer_loop``): reused from
one event to the next, started again in a forked child, and the events arrive either way."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from apps.common import handover, realtime


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
        monkeypatch.setattr(handover.os, "getpid", lambda shift=pid_shift: 1_000_000 + shift)
        event = {"type": realtime.EVENT_TYPE, "event": "incident.created", "cursor": timezone.now().isoformat()}
        assert realtime.send([group], event)
        assert _receive_one(layer, channel)["cursor"] == event["cursor"]
        loops.append(realtime.layer_loop._loop)
    assert loops[0] is loops[1]
    assert loops[2] is not loops[1]
    assert loops[2] is not None
    assert loops[2].is_running()
    asyncio.run(layer.group_discard(group, channel))


class _SlowLayer:
    """A Redis layer stand-in whose every send takes ``delay`` seconds; records what it sent, in order."""

    def __init__(self, delay: float) -> None:
        self.delay, self.sent = delay, []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(self.delay)
        self.sent.append(message["event"])


def test_a_request_hands_its_events_over_without_waiting_and_they_go_in_order(monkeypatch: Any) -> None:
    layer = _SlowLayer(0.2)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    realtime.publish_backoff.reset()
    started = time.monotonic()
    for index in range(5):
        event = {"type": realtime.EVENT_TYPE, "event": f"e{index}", "cursor": timezone.now().isoformat()}
        assert realtime.send(["g"], event)
    handed_over = time.monotonic() - started
    assert realtime.layer_loop.drain(10)
    assert layer.sent == ["e0", "e1", "e2", "e3", "e4"]
    assert handed_over < time.monotonic() - started  # the sends took their 1 s after the hand-over, not in it


def test_a_layer_that_does_not_answer_is_a_failure_and_later_events_back_off(monkeypatch: Any, caplog: Any) -> None:
    layer = _SlowLayer(60)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    monkeypatch.setattr(realtime, "SEND_TIMEOUT_SECONDS", 0.1)
    realtime.publish_backoff.reset()
    failed = realtime.FAILED.labels(event="slow")
    before = failed._value.get()
    try:
        event = {"type": realtime.EVENT_TYPE, "event": "slow", "cursor": timezone.now().isoformat()}
        assert realtime.send(["g"], event)
        assert realtime.send(["g"], event)  # handed over before the first failed: skipped on the loop
        assert realtime.layer_loop.drain(10)
        assert not realtime.send(["g"], event)  # backing off: not even handed over
    finally:
        realtime.publish_backoff.reset()
    assert layer.sent == []
    assert failed._value.get() == before + 3
    assert "not sent to 1 group(s)" in caplog.text
    assert "failed moments ago" in caplog.text


def test_the_in_memory_layer_is_sent_to_at_once_and_its_failure_counted(monkeypatch: Any, caplog: Any) -> None:
    from channels.layers import InMemoryChannelLayer

    class Broken(InMemoryChannelLayer):
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            raise ConnectionError("layer down")

    sent = InMemoryChannelLayer()
    realtime.publish_backoff.reset()
    event = {"type": realtime.EVENT_TYPE, "event": "memory", "cursor": timezone.now().isoformat()}
    failed = realtime.FAILED.labels(event="memory")
    before = failed._value.get()
    try:
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: sent)
        assert realtime.send(["g"], event)
        monkeypatch.setattr(realtime, "get_channel_layer", lambda: Broken())
        assert not realtime.send(["g"], event)  # waited for: the failure is known at once
        assert realtime.publish_backoff.active(60)
    finally:
        realtime.publish_backoff.reset()
    assert failed._value.get() == before + 1
    assert "not sent to 1 group(s)" in caplog.text
