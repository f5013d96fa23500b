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
import queue
import threading
from collections.abc import Coroutine
from functools import partial
from typing import Any


class HandOverLoop:
    """An event loop in a daemon thread named ``name``, one per process (started on first use, again after a fork).

    A submission is a ``put`` on a queue that a second daemon thread (``name`` + ``-feed``) hands to the loop. The
    request's thread makes no system call and so keeps the interpreter until it blocks on its own (its response
    written, its next statement sent): waking the loop from the request's thread (``call_soon_threadsafe`` writes to
    a socket, which releases the GIL) let the loop build and push its messages in the middle of the request, about
    0.3 ms of a booking's time.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: queue.SimpleQueue[Coroutine[Any, Any, Any]] = queue.SimpleQueue()
        self._pid = 0
        self._pending = 0
        self._generation = 0  # moves on at every (re)start: work of an earlier loop is not counted

    def _running(self) -> asyncio.AbstractEventLoop:
        """The loop (started here, with its feeder, on first use in this process). Called with the lock held."""
        if self._loop is None or self._pid != os.getpid():
            loop = asyncio.new_event_loop()
            self._queue = queue.SimpleQueue()  # a forked child holds none of its parent's work
            threading.Thread(target=loop.run_forever, name=self.name, daemon=True).start()
            self._loop, self._pid, self._pending = loop, os.getpid(), 0
            self._generation += 1
            feed = (self._queue, loop, self._generation)
            threading.Thread(target=self._feed, args=feed, name=f"{self.name}-feed", daemon=True).start()
        return self._loop

    def submit(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run ``coroutine`` on the loop once those submitted before it have finished; do not wait for it."""
        with self._lock:
            self._running()
            self._pending += 1
            self._queue.put(coroutine)

    def _feed(
        self, work: queue.SimpleQueue[Coroutine[Any, Any, Any]], loop: asyncio.AbstractEventLoop, generation: int
    ) -> None:
        done, turn = partial(self._done, generation), asyncio.Lock()  # the lock binds to the loop at first use
        while True:
            coroutine = work.get()
            asyncio.run_coroutine_threadsafe(self._in_turn(coroutine, turn), loop).add_done_callback(done)

    @staticmethod
    async def _in_turn(coroutine: Coroutine[Any, Any, Any], turn: asyncio.Lock) -> None:
        async with turn:  # an asyncio lock is taken in the order it was asked for
            await coroutine

    def _done(self, generation: int, future: concurrent.futures.Future[None]) -> None:
        with self._idle:
            if generation != self._generation:  # work of a loop this process no longer uses (a fork since)
                return
            self._pending -= 1
            if self._pending <= 0:
                self._idle.notify_all()

    def pending(self) -> int:
        """How many submitted coroutines have not finished."""
        with self._lock:
            return self._pending if self._pid == os.getpid() else 0

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for what was submitted; True when nothing is left."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending <= 0 or self._pid != os.getpid(), timeout)
