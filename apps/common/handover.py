"""Work a request hands over to a thread of its process, done in order after the response, never waited for.

:class:`HandOverLoop` is an event loop run by a daemon thread, one per process (started on first use, again in a
forked child, which holds none of its parent's work). What is submitted runs in the order it was handed over;
:meth:`HandOverLoop.drain` waits for it (an exiting process, a test, the bench between two requests). Each user
records its own failures where they happen (log line, counter, backoff): the request that handed the work over
has answered by then.

Two users: the real-time events (:mod:`apps.common.realtime`, whose Redis layer keeps its connections per event
loop) and the task messages of :mod:`apps.common.broker`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Coroutine
from typing import Any


class HandOverLoop:
    """An event loop in a daemon thread named ``name``, one per process (started on first use, again after a fork)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0
        self._pending: set[concurrent.futures.Future[None]] = set()
        self._turn: asyncio.Lock | None = None

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name=self.name, daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
                self._pending, self._turn = set(), None  # a forked child holds none of its parent's
            return self._loop

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[None]:
        """Run ``coroutine`` on the loop once those submitted before it have finished; do not wait for it."""
        loop = self._running()
        future = asyncio.run_coroutine_threadsafe(self._in_turn(coroutine), loop)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    async def _in_turn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        if self._turn is None:  # created on the loop, for the loop
            self._turn = asyncio.Lock()
        async with self._turn:  # an asyncio lock is taken in the order it was asked for
            await coroutine

    def _done(self, future: concurrent.futures.Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def pending(self) -> int:
        """How many submitted coroutines have not finished."""
        with self._lock:
            return len(self._pending) if self._pid == os.getpid() else 0

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for what was submitted; True when nothing is left."""
        with self._lock:
            pending = list(self._pending)
        _done, left = concurrent.futures.wait(pending, timeout)
        return not left
