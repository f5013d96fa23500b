"""Real-time: the Channels layer that carries events from the web and task processes to the WebSocket process.

With REDIS_URL every process (gunicorn, Celery, the ASGI server, however many instances) shares one Redis channel
layer, so an event published anywhere reaches the sockets held by any instance. Without it (`make run`) the
layer lives in the one process that serves both HTTP and WebSocket. See docs/realtime.md.
"""

from __future__ import annotations

from typing import Any

from config.settings.parts.core import REDIS_CONNECT_TIMEOUT, REDIS_URL
from config.settings.parts.environment import env

# Prefix of every channel layer key in Redis (like the cache's CACHE_KEY_PREFIX): two deployments sharing one
# Redis database keep their events apart. Every process of one deployment must use the same value.
CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="obs-rt")
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A Redis that does not accept the connection fails the publish fast (no socket_timeout: the
                # layer's own reads block for seconds by design).
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT}],
                "prefix": CHANNEL_LAYER_PREFIX,
                # Messages waiting for a slow socket, per channel; older ones are dropped (the client catches up
                # through the REST lists from its last cursor).
                "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=200),
                "expiry": 60,
                # Group membership outlives the longest socket between two heartbeats by far; the consumer
                # renews it on every ping.
                "group_expiry": 3600,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The client's first message must be its access token within this many seconds.
REALTIME_AUTH_SECONDS = env.float("REALTIME_AUTH_SECONDS", default=10.0)
# A socket that sends nothing (no ping) for this long is closed; clients ping every 25 seconds.
REALTIME_IDLE_SECONDS = env.float("REALTIME_IDLE_SECONDS", default=60.0)
# Largest client message accepted (auth and ping are a few hundred bytes).
REALTIME_MAX_MESSAGE_BYTES = env.int("REALTIME_MAX_MESSAGE_BYTES", default=8192)
# After a failed publish, skip publishing in this process for this long (clients catch up by cursor).
REALTIME_PUBLISH_BACKOFF_SECONDS = env.float("REALTIME_PUBLISH_BACKOFF_SECONDS", default=5.0)
