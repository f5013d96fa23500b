"""Concurrency tests: run callables at the same moment, each in a thread with its own database connection.

Used through the ``race`` fixture of the root ``conftest.py`` (tests marked ``django_db(transaction=True)``, so
that each thread sees committed data and its own transactions)::

    outcomes = race(*[partial(booking_create, user=u, ...) for u in users], catch=ApplicationError)
    assert outcomes.codes().count("ok") == 10
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

BARRIER_SECONDS = 30  # every call must have started by then
JOIN_SECONDS = 120  # and finished by then


class Outcomes(list[Any]):
    """What each call returned, or the exception it raised (of the types ``catch`` allowed), in call order."""

    @property
    def errors(self) -> list[BaseException]:
        return [outcome for outcome in self if isinstance(outcome, BaseException)]

    @property
    def values(self) -> list[Any]:
        return [outcome for outcome in self if not isinstance(outcome, BaseException)]

    def codes(self, ok: str = "ok") -> list[str]:
        """``ok`` for a call that returned; the error code (or the class name) of one that raised."""
        return [
            getattr(outcome, "code", type(outcome).__name__) if isinstance(outcome, BaseException) else ok
            for outcome in self
        ]


def race(
    *calls: Callable[[], Any],
    catch: type[BaseException] | tuple[type[BaseException], ...] = (),
) -> Outcomes:
    """Start every call in a thread of its own, release them together from a barrier, wait for all of them.

    Each thread closes its database connections when its call ends. An exception of a type in ``catch`` is
    returned in place of a result; any other one is raised here once every thread has finished.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)
    unexpected: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=BARRIER_SECONDS)
            outcomes[index] = call()
        except catch as exc:
            outcomes[index] = exc
        except BaseException as exc:  # noqa: BLE001  reported in the main thread, which fails the test with it
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"a raced call was still running after {JOIN_SECONDS} seconds")
    if unexpected:
        raise unexpected[0]
    return Outcomes(outcomes)


Race = Callable[..., Outcomes]  # the type of the ``race`` fixture
