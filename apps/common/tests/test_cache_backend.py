"""The Redis cache answers from process memory while Redis is unreachable, and leaves a dead Redis alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache, caches
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from apps.common.cache import ResilientRedisCache
from apps.common.tests.redis_doubles import DEAD_REDIS, cache_settings, silent_redis


def _backend() -> ResilientRedisCache:
    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    return backend


def _window_passes(backend: ResilientRedisCache) -> None:
    """Move the last failure back by one retry window (the backoff runs on the monotonic clock)."""
    backoff = backend._backoff
    assert backoff.failed_at is not None
    backoff.failed_at -= backend.retry_seconds


def test_every_cache_call_answers_with_redis_refusing_connections() -> None:
    with override_settings(CACHES=cache_settings(DEAD_REDIS)):
        assert cache.get("missing", "default") == "default"
        cache.set("a", 1)
        assert cache.add("a", 2) is False
        assert cache.add("b", 2) is True
        assert cache.incr("a", 5) == 6
        assert cache.decr("a") == 5
        assert cache.get_or_set("c", lambda: 3) == 3
        assert cache.has_key("c")
        assert cache.touch("c", 60)
        cache.set_many({"d": 4, "e": 5})
        assert cache.get_many(["a", "b", "c", "d", "e"]) == {"a": 5, "b": 2, "c": 3, "d": 4, "e": 5}
        assert cache.delete("e")
        cache.delete_many(["d"])
        assert cache.get_many(["d", "e"]) == {}
        cache.delete_pattern("*")
        assert cache.get("a") is None
        assert _backend().redis_down


def test_a_silent_redis_costs_one_timeout_per_retry_window() -> None:
    with silent_redis() as server:
        fast = {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "RETRY_SECONDS": 60}
        with override_settings(CACHES=cache_settings(server.url, **fast)):
            assert cache.get("k") is None  # waited on the timeout once
            tried = server.connections
            assert tried >= 1
            cache.set("k", "v")
            for _ in range(20):
                assert cache.get("k") == "v"
            assert server.connections == tried  # nobody waited on Redis again
            _window_passes(_backend())
            cache.get("k")
            assert server.connections > tried  # after the window Redis is tried again


def test_redis_back_is_used_again_and_outage_values_do_not_return(monkeypatch: Any) -> None:
    backend = _backend()
    real_get = backend.redis.get
    calls = {"n": 0}

    def fails_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RedisConnectionError("Connection reset by peer")
        return real_get(*args, **kwargs)

    monkeypatch.setattr(backend.redis, "get", fails_once)
    cache.set("shared", "in redis")
    assert cache.get("shared") is None  # the failure: answered from process memory
    cache.set("outage-only", "in memory")
    assert cache.get("outage-only") == "in memory"
    _window_passes(backend)
    assert cache.get("shared") == "in redis"  # Redis again
    assert cache.get("outage-only") is None
    assert not backend.redis_down


def test_the_next_outage_starts_with_an_empty_memory() -> None:
    with override_settings(CACHES=cache_settings(DEAD_REDIS)):
        cache.set("first-outage", 1, timeout=None)
        _backend()._backoff.success()  # Redis answered in between: this outage is over
        assert cache.get("first-outage") is None  # the next one starts empty


@pytest.mark.django_db
def test_throttles_keep_counting_in_process_memory_without_redis() -> None:
    with override_settings(CACHES=cache_settings(DEAD_REDIS)):
        client = APIClient()
        # A new address each time: the per-address lockout never engages, only the per-IP rate counts.
        codes = [
            client.post(
                "/api/v1/auth/login/", {"email": f"x{i}@example.com", "password": "wrong"}, format="json"
            ).status_code
            for i in range(11)
        ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_ping_asks_redis_itself() -> None:
    assert _backend().ping()
    with override_settings(CACHES=cache_settings(DEAD_REDIS)):
        assert not _backend().ping()
