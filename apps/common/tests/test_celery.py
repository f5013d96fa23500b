from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.common import broker
from apps.common.services import broker_backoff, enqueue_on_commit
from apps.common.tasks import HEARTBEAT_KEY, heartbeat
from config.celery import app


def test_celery_configuration_is_safe_for_redelivery() -> None:
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit


@pytest.mark.worker
def test_real_worker_runs_a_task_sent_on_commit(celery_worker: Any) -> None:
    cache.delete(HEARTBEAT_KEY)
    with transaction.atomic():
        enqueue_on_commit(heartbeat)
        time.sleep(0.5)
        assert cache.get(HEARTBEAT_KEY) is None, "nothing is sent before the transaction commits"
    deadline = time.monotonic() + 30
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.get(HEARTBEAT_KEY) is not None, "the worker consumed the task"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing() -> None:
    cache.delete(HEARTBEAT_KEY)

    def failing_write() -> None:
        with transaction.atomic():
            enqueue_on_commit(heartbeat)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_write()
    assert cache.get(HEARTBEAT_KEY) is None


@pytest.mark.django_db(transaction=True)
def test_broker_outage_after_commit_is_logged_not_raised(monkeypatch: Any, caplog: pytest.LogCaptureFixture) -> None:
    from kombu.exceptions import OperationalError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to broker")

    for task, options in ((heartbeat, {}), (heartbeat, {"countdown": 5})):  # pushed after the response; Celery's
        caplog.clear()
        monkeypatch.setattr(heartbeat, "apply_async", refuse)
        monkeypatch.setattr(broker, "_write", refuse)
        app.conf.task_always_eager = False
        broker_backoff.reset()
        try:
            with transaction.atomic():
                enqueue_on_commit(task, **options)
            assert broker.publish_loop.drain(10)
        finally:
            app.conf.task_always_eager = True
            broker_backoff.reset()
        assert any("could not enqueue common.heartbeat" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_require_atomic_outside_transaction() -> None:
    from apps.common.services import require_atomic

    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        require_atomic()
    with transaction.atomic():
        require_atomic()


# --- work handed over to after the response ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_work_handed_over_runs_after_the_response_inside_a_request_and_at_once_outside() -> None:
    from django.core.signals import request_finished, request_started

    from apps.common.services import enqueue_after_response

    cache.delete(HEARTBEAT_KEY)
    request_started.send(sender=None)  # a request begins
    enqueue_after_response(heartbeat)
    assert cache.get(HEARTBEAT_KEY) is None, "not inside the request"
    request_finished.send(sender=None)  # its response has been sent
    assert cache.get(HEARTBEAT_KEY) is not None

    cache.delete(HEARTBEAT_KEY)
    enqueue_after_response(heartbeat)  # no request: a shell or a task
    assert cache.get(HEARTBEAT_KEY) is not None


@pytest.mark.django_db(transaction=True)
def test_work_after_the_response_that_fails_is_logged_not_raised(
    monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.signals import request_finished, request_started

    from apps.common.services import enqueue_after_response

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(heartbeat, "apply_async", boom)
    request_started.send(sender=None)
    enqueue_after_response(heartbeat)
    request_finished.send(sender=None)
    assert any("work done after the response failed" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_work_for_after_the_response_is_published_on_commit(monkeypatch: Any) -> None:
    from django.core.signals import request_finished, request_started

    from apps.common.services import enqueue_after_response

    published: list[Any] = []
    monkeypatch.setattr(heartbeat, "apply_async", lambda *a, **k: published.append(k))
    monkeypatch.setattr(broker, "send", lambda task, args, kwargs: published.append(args))  # the plain publish
    app.conf.task_always_eager = False
    try:
        request_started.send(sender=None)
        with transaction.atomic():
            enqueue_after_response(heartbeat)
            assert published == []
        assert len(published) == 1, "a worker does the work: nothing is kept for after the response"
    finally:
        request_finished.send(sender=None)
        app.conf.task_always_eager = True


def _recording(monkeypatch: Any) -> list[Any]:
    sent: list[Any] = []
    monkeypatch.setattr(heartbeat, "apply_async", lambda *a, **k: sent.append(k["args"][0]))
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_batch_goes_out_once_per_transaction_and_level(monkeypatch: Any) -> None:
    from apps.common.services import enqueue_batch_on_commit

    sent = _recording(monkeypatch)
    with transaction.atomic():
        enqueue_batch_on_commit(heartbeat, ["a", "b"])
        enqueue_batch_on_commit(heartbeat, ["c"])
        assert sent == [], "nothing before commit"
        try:
            with transaction.atomic():  # a savepoint: its items go if it is released, not if rolled back
                enqueue_batch_on_commit(heartbeat, ["lost"])
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        with transaction.atomic():
            enqueue_batch_on_commit(heartbeat, ["kept"])
    assert sorted(sent) == [["a", "b", "c"], ["kept"]]
    sent.clear()
    with transaction.atomic():  # the next transaction starts a batch of its own
        enqueue_batch_on_commit(heartbeat, ["d"])
    enqueue_batch_on_commit(heartbeat, ["e"])  # no transaction: at once
    assert sent == [["d"], ["e"]]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_batch_is_not_sent_with_the_next_transaction(monkeypatch: Any) -> None:
    from apps.common.services import enqueue_batch_on_commit

    sent = _recording(monkeypatch)

    def failing_write() -> None:
        with transaction.atomic():
            enqueue_batch_on_commit(heartbeat, ["lost"])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_write()
    with transaction.atomic():
        enqueue_batch_on_commit(heartbeat, ["next"])
    assert sent == [["next"]]
