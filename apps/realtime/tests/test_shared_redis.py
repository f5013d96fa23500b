"""Two deployments on one Redis: each keeps its real-time events to itself by its ``CHANNEL_LAYER_PREFIX``."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings


def _layer(prefix: str) -> RedisChannelLayer:
    config: dict[str, Any] = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    config["prefix"] = prefix
    return RedisChannelLayer(**config)


def test_two_deployments_on_one_redis_do_not_hear_each_other() -> None:
    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "channels_redis.core.RedisChannelLayer":
        pytest.skip("the test settings use no Redis channel layer")
    run = uuid.uuid4().hex[:8]
    staging, production = _layer(f"staging-{run}"), _layer(f"production-{run}")

    async def scenario() -> None:
        ours, theirs = await staging.new_channel(), await production.new_channel()
        await staging.group_add("ops", ours)
        await production.group_add("ops", theirs)
        await staging.group_send("ops", {"type": "realtime.event", "event": "incident.created"})
        assert (await asyncio.wait_for(staging.receive(ours), 5))["event"] == "incident.created"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(production.receive(theirs), 0.5)
        await staging.flush()
        await production.flush()

    asyncio.run(scenario())
