"""The ``race`` fixture: calls released together, one thread each, outcomes in call order."""

from __future__ import annotations

import threading

import pytest

from apps.common.tests.race import Race


def test_calls_run_at_once_in_threads_of_their_own(race: Race) -> None:
    arrived = threading.Barrier(3, timeout=5)  # passes only if all three calls are running together

    def call(value: int) -> tuple[int, int]:
        arrived.wait()
        return value, threading.get_ident()

    outcomes = race(lambda: call(1), lambda: call(2), lambda: call(3))
    assert [value for value, _ in outcomes] == [1, 2, 3]
    assert len({ident for _, ident in outcomes}) == 3
    assert threading.get_ident() not in {ident for _, ident in outcomes}


def test_caught_exceptions_are_outcomes_and_others_are_raised(race: Race) -> None:
    def refuse() -> None:
        raise KeyError("taken")

    outcomes = race(lambda: "done", refuse, catch=KeyError)
    assert outcomes.values == ["done"]
    assert [type(error) for error in outcomes.errors] == [KeyError]
    assert outcomes.codes() == ["ok", "KeyError"]
    with pytest.raises(KeyError):
        race(lambda: "done", refuse)
