"""What a request hands over to :class:`apps.common.handover.HandOverLoop` runs after the request, in order."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from apps.common import handover
from apps.common.handover import HandOverLoop


@pytest.fixture
def loop() -> Iterator[HandOverLoop]:
    handover = HandOverLoop("test-handover")
    yield handover
    assert handover.drain(10)


@pytest.fixture
def no_forced_switch() -> Iterator[None]:
    """The interpreter does not take the GIL from a running thread for 10 minutes: another thread runs only when this
    one blocks."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(600)
    yield
    sys.setswitchinterval(previous)


def test_handed_over_work_waits_until_the_request_blocks(loop: HandOverLoop, no_forced_switch: None) -> None:
    """Submitting makes no call that releases the interpreter: the work runs once the request's thread blocks (its
    response written, its next statement sent), not in the middle of the request's Python."""
    ran: list[str] = []

    async def work() -> None:
        ran.append(threading.current_thread().name)

    loop.submit(work())  # the first submission starts the threads
    assert loop.drain(10)
    ran.clear()
    for _ in range(3):
        loop.submit(work())
    busy = sum(range(200_000))  # the rest of the request: Python that never blocks
    assert ran == [], "the handed-over work ran inside the request"
    assert busy
    assert loop.pending() == 3
    assert loop.drain(10)
    assert ran == ["test-handover"] * 3
    assert loop.pending() == 0


def test_work_runs_in_the_order_it_was_handed_over(loop: HandOverLoop) -> None:
    done: list[int] = []

    async def step(index: int) -> None:
        done.append(index)

    for index in range(50):
        loop.submit(step(index))
    assert loop.drain(10)
    assert done == list(range(50))


def test_a_failing_coroutine_is_finished_work(loop: HandOverLoop) -> None:
    async def fail() -> None:
        raise RuntimeError("lost")

    async def fine() -> None:
        pass

    loop.submit(fail())
    loop.submit(fine())
    assert loop.drain(10)
    assert loop.pending() == 0


def test_a_forked_child_counts_only_its_own_work(
    loop: HandOverLoop, monkeypatch: pytest.MonkeyPatch, no_forced_switch: None
) -> None:
    """After a fork the child starts a loop of its own; what the parent's loop finishes later is not the child's."""
    release, finished = threading.Event(), threading.Event()

    async def parents() -> None:
        while not release.is_set():
            await asyncio.sleep(0.01)
        finished.set()

    async def childs() -> None:
        pass

    loop.submit(parents())
    assert not loop.drain(0.05)  # the parent's work is still running
    monkeypatch.setattr(handover.os, "getpid", lambda: 1_000_000)  # as in a forked child
    assert loop.pending() == 0
    loop.submit(childs())
    assert loop.drain(10)
    release.set()  # the parent's loop finishes its work now
    assert finished.wait(10)
    time.sleep(0.2)  # time for the parent's loop to record its work as done (the bug this guards against)
    assert loop.pending() == 0  # the parent's finished work took nothing off the child's count
    loop.submit(childs())
    assert loop.drain(10)
    assert loop.pending() == 0  # the parent's finished work took nothing off the child's count
    loop.submit(childs())
    assert loop.pending() == 1
    assert loop.drain(10)
