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
