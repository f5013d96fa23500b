"""The catalog version pushed to every process (Redis pub/sub), so a cache hit needs no Redis read.

Every bump publishes the new version on a channel named after the version key. Each web process runs
one daemon thread subscribed to it: after subscribing it reads the version once (so no bump between
the two is missed), then applies every published value, and re-reads the key every few seconds as a
safety net. While the subscription is up, :func:`local_catalog_version` answers from memory; when it
is not (starting, Redis unreachable, reconnecting), it answers None and the caller reads Redis, as it
would without this module. Versions only grow, so an older value never replaces a newer one.

On with ``CATALOG_VERSION_PUSH`` (default: when Redis is configured); off in the test suite, which
empties the cache between tests without bumping.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache

from apps.treks.services.cache import VERSION_KEY, catalog_version

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 5.0


def version_channel() -> str:
    return f"{cache.make_key(VERSION_KEY)}:bumps"


def push_enabled() -> bool:
    return bool(getattr(settings, "CATALOG_VERSION_PUSH", False)) and _redis_backend()


@functools.cache
def _redis_backend() -> bool:
    return str(settings.CACHES["default"]["BACKEND"]).startswith("django_redis")


def publish_version(version: int) -> None:
    """Tell every process about a new version (best effort: readers fall back to Redis reads)."""
    if not push_enabled():
        return
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").publish(version_channel(), str(version))
    except Exception:
        logger.warning("could not publish the catalog version", exc_info=True)


class VersionWatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._version: int | None = None
        self._healthy = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def healthy(self) -> bool:
        return self._healthy

    def current(self) -> int | None:
        """The pushed version while subscribed, else None (read Redis instead)."""
        self._ensure_started()
        if self._healthy:
            return self._version
        return None

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._healthy = False

    def _set(self, version: int) -> None:
        with self._lock:
            if self._version is None or version > self._version:
                self._version = version

    def _ensure_started(self) -> None:
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            # First use in this process (or after a fork): start a fresh subscriber.
            self._pid = pid
            self._version = None
            self._healthy = False
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="catalog-version-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from django_redis import get_redis_connection

        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = get_redis_connection("default").pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(version_channel())
                self._set(catalog_version())
                self._healthy = True
                checked = time.monotonic()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        self._set(int(message["data"]))
                    if time.monotonic() - checked > RECHECK_SECONDS:
                        self._set(catalog_version())
                        checked = time.monotonic()
            except Exception:
                logger.warning("catalog version subscription lost; reading Redis until it is back", exc_info=True)
            finally:
                self._healthy = False
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        logger.debug("closing the catalog version subscription failed", exc_info=True)
            self._stop.wait(1.0)


watcher = VersionWatcher()


def local_catalog_version() -> int | None:
    """The catalog version known to this process without a Redis read, or None."""
    if not push_enabled():
        return None
    return watcher.current()
