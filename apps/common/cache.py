"""The Django cache on Redis, answering from process memory while Redis is unreachable.

django-redis raises when its server is down, and every throttled request then fails. This backend wraps
it: a Redis error switches this process to a local-memory cache, and Redis is not tried again for
``RETRY_SECONDS`` (so a dead or silent server costs one connect timeout per window, not one per call);
the first call after the window tries it again. What the cache holds is rebuilt or recounted, never
relied on across processes for correctness, so this is a safe degradation: throttle counts become per
process (neither open nor closed), cached pages are rebuilt per process. Values written during an outage
stay in this process and are dropped when the next outage starts.

What truly needs a store shared by every process (the phone codes) keeps its own Redis client and answers
503 instead (``apps.users.otp_store``). ``ping()`` asks Redis itself, for readiness.

Configured like django-redis (``OPTIONS`` go to it), plus ``OPTIONS["RETRY_SECONDS"]``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from apps.common.backoff import Backoff

logger = logging.getLogger(__name__)

REDIS_UNAVAILABLE = (RedisError, ConnectionInterrupted, OSError)
FALLBACK_MAX_ENTRIES = 10_000

T = TypeVar("T")

# One outage state per server for the whole process (Django builds a cache object per thread).
_backoffs: dict[str, Backoff] = {}


def _backoff_for(server: str) -> Backoff:
    return _backoffs.setdefault(server, Backoff())


def reset_backoffs() -> None:
    """Forget every recorded outage (tests)."""
    for backoff in _backoffs.values():
        backoff.reset()


class ResilientRedisCache(BaseCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5.0))
        self.redis: RedisCache = RedisCache(server, {**params, "OPTIONS": options})
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self.local = LocMemCache(
            f"redis-fallback:{server}", {**local_params, "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}}
        )
        self._backoff = _backoff_for(server)

    # --- the switch ------------------------------------------------------------------------------

    @property
    def redis_down(self) -> bool:
        """True while this process skips Redis after a failure."""
        return self._backoff.active(self.retry_seconds)

    def _call(self, on_redis: Callable[[], T], on_local: Callable[[], T]) -> T:
        backoff = self._backoff
        if not backoff.active(self.retry_seconds):
            try:
                result = on_redis()
            except REDIS_UNAVAILABLE as exc:
                if backoff.failure():
                    self.local.clear()  # nothing from an earlier outage comes back
                    logger.error(
                        "redis unavailable (%s): caching in process memory, retrying every %.1f s",
                        type(exc).__name__,
                        self.retry_seconds,
                    )
            else:
                lasted = backoff.success()
                if lasted is not None:
                    logger.warning("redis is back after %.1f s; cache shared again", lasted)
                return result
        return on_local()

    def ping(self) -> bool:
        """Whether Redis itself stores and returns a value now (no fallback, no backoff)."""
        key, value = f"ping:{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            self.redis.set(key, value, timeout=10)
            answered = self.redis.get(key) == value
            self.redis.delete(key)
        except REDIS_UNAVAILABLE:
            logger.warning("redis ping failed", exc_info=True)
            return False
        return bool(answered)

    # --- Django's cache API ------------------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(
            lambda: self.redis.add(key, value, timeout=timeout, version=version),
            lambda: self.local.add(key, value, timeout=timeout, version=version),
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            lambda: self.redis.get(key, default=default, version=version),
            lambda: self.local.get(key, default=default, version=version),
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(
            lambda: self.redis.set(key, value, timeout=timeout, version=version),
            lambda: self.local.set(key, value, timeout=timeout, version=version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._call(
            lambda: self.redis.touch(key, timeout=timeout, version=version),
            lambda: self.local.touch(key, timeout=timeout, version=version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: bool(self.redis.delete(key, version=version)),
            lambda: self.local.delete(key, version=version),
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._call(
            lambda: self.redis.get_many(keys, version=version),
            lambda: self.local.get_many(keys, version=version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._call(
            lambda: self.redis.has_key(key, version=version),
            lambda: self.local.has_key(key, version=version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(
            lambda: self.redis.incr(key, delta=delta, version=version),
            lambda: self.local.incr(key, delta=delta, version=version),
        )

    def decr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._call(
            lambda: self.redis.decr(key, delta=delta, version=version),
            lambda: self.local.decr(key, delta=delta, version=version),
        )

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._call(
            lambda: self.redis.set_many(data, timeout=timeout, version=version) or [],
            lambda: self.local.set_many(data, timeout=timeout, version=version),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            lambda: self.redis.delete_many(keys, version=version),
            lambda: self.local.delete_many(keys, version=version),
        )

    def delete_pattern(self, pattern: str, version: int | None = None) -> int:
        """django-redis's glob delete; in process memory everything goes (a cache may always forget)."""

        def forget_all() -> int:
            self.local.clear()
            return 0

        return self._call(lambda: int(self.redis.delete_pattern(pattern, version=version) or 0), forget_all)

    def clear(self) -> None:
        self.local.clear()
        self._call(self.redis.clear, lambda: None)

    def close(self, **kwargs: Any) -> None:
        try:
            self.redis.close(**kwargs)
        except REDIS_UNAVAILABLE:
            logger.debug("closing the redis cache connection failed", exc_info=True)

    def __getattr__(self, name: str) -> Any:
        # Other django-redis methods (ttl, lock, the raw client for get_redis_connection) go to Redis as is.
        if name in {"redis", "local"}:
            raise AttributeError(name)
        return getattr(self.redis, name)
