"""Redis servers that fail the way production ones do: refusing connections, or accepting and never answering."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


class SilentRedis:
    """A TCP server that accepts connections and never answers (a hung Redis, a black-holed network).

    ``connections`` counts the connections clients opened: each is one caller about to wait on a timeout.
    """

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = int(self._sock.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._accepted: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def connections(self) -> int:
        return len(self._accepted)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._accepted.append(conn)

    def close(self) -> None:
        self._stopped.set()
        self._sock.close()
        for conn in self._accepted:
            conn.close()


@contextmanager
def silent_redis() -> Iterator[SilentRedis]:
    server = SilentRedis()
    try:
        yield server
    finally:
        server.close()


def cache_settings(location: str, **options: Any) -> dict[str, Any]:
    """``CACHES`` with the default cache pointed at ``location`` (and extra OPTIONS)."""
    default = settings.CACHES["default"]
    return {"default": {**default, "LOCATION": location, "OPTIONS": {**default.get("OPTIONS", {}), **options}}}


@contextmanager
def redis_unreachable(
    url: str = DEAD_REDIS, *, timeout: float | None = None, retry_seconds: float | None = None
) -> Iterator[None]:
    """Point the cache, the Celery broker and the OTP store at ``url``; tasks really go to the broker. The task
    messages handed over to be pushed after the response (``apps.common.broker``) are pushed before it ends.

    ``timeout`` shortens the read timeouts of the cache and the broker (for a server that never answers);
    ``retry_seconds`` sets how long the cache leaves a failed Redis alone. Backoffs start and end cleared,
    so what the test sees is its own outage.
    """
    from django.test import override_settings

    import apps.common.services as common_services
    from apps.common import broker
    from apps.common.cache import reset_backoffs
    from apps.users import otp_store
    from config.celery import app

    options: dict[str, Any] = {"SOCKET_CONNECT_TIMEOUT": 0.2}
    if timeout is not None:
        options["SOCKET_TIMEOUT"] = timeout
    if retry_seconds is not None:
        options["RETRY_SECONDS"] = retry_seconds
    conf = app.conf
    previous = (conf.task_always_eager, conf.broker_url, conf.broker_transport_options, app._pool)
    previous_producers = app.amqp._producer_pool
    conf.task_always_eager = False
    conf.broker_url = url
    if timeout is not None:
        conf.broker_transport_options = {**conf.broker_transport_options, "socket_timeout": timeout}
    app._pool = app.amqp._producer_pool = None  # fresh connection pools, pointed at the dead server
    broker.reset()
    common_services.broker_backoff.reset()
    reset_backoffs()
    try:
        with override_settings(CACHES=cache_settings(url, **options), OTP_REDIS_URL=url):
            otp_store.reset_store()
            yield
    finally:
        broker.publish_loop.drain(30)
        conf.task_always_eager, conf.broker_url, conf.broker_transport_options, app._pool = previous
        app.amqp._producer_pool = previous_producers
        broker.reset()
        common_services.broker_backoff.reset()
        reset_backoffs()
        otp_store.reset_store()
