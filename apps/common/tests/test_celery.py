from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.common.services import enqueue_on_commit
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

    monkeypatch.setattr(heartbeat, "apply_async", refuse)
    app.conf.task_always_eager = False
    try:
        with transaction.atomic():
            enqueue_on_commit(heartbeat)
    finally:
        app.conf.task_always_eager = True
    assert any("could not enqueue common.heartbeat" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_require_atomic_outside_transaction() -> None:
    from apps.common.services import require_atomic

    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        require_atomic()
    with transaction.atomic():
        require_atomic()
