"""The plain publish (one LPUSH after the response, apps.common.broker) writes the message Celery's apply_async
writes, in the order the messages were handed over, and never makes the request wait for the broker."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery import Task as CeleryTask
from django.conf import settings

from apps.common import broker
from apps.common.observability import request_id_var
from apps.common.services import broker_backoff, publish
from apps.common.tests.redis_doubles import redis_unreachable, silent_redis
from apps.notifications.tasks import deliver_many
from config.celery import app


@pytest.fixture
def queue() -> Iterator[str]:
    """A private queue on the test Redis, with tasks really sent to the broker."""
    name = f"test-broker-{uuid.uuid4().hex[:8]}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, name
    broker.reset()
    try:
        yield name
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        broker.reset()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(name)


def _taken(queue: str) -> dict[str, Any]:
    raw = redis.Redis.from_url(settings.CELERY_BROKER_URL).rpop(queue)
    assert raw is not None, "nothing was published"
    message = json.loads(raw)
    message["body"] = json.loads(base64.b64decode(message["body"]))
    return message


def _without_ids(message: dict[str, Any]) -> dict[str, Any]:
    headers = {k: v for k, v in message["headers"].items() if k not in ("id", "root_id")}
    properties = {k: v for k, v in message["properties"].items() if k not in ("correlation_id", "delivery_tag")}
    return {**message, "headers": headers, "properties": properties}


def test_the_plain_publish_writes_celerys_message(queue: str) -> None:
    task = deliver_many._get_current_object()
    assert broker.plain(task, {"retry": False})
    args = (["d1", 'हिन्दी "quoted"'],)
    token = request_id_var.set("req123abc")
    try:
        task_id = broker.send(task, args, {})  # this module's path, pushed on its loop in this context
        assert broker.publish_loop.drain(10)
        CeleryTask.apply_async(task, args=args, kwargs={}, retry=False)  # Celery's own
    finally:
        request_id_var.reset(token)
    ours, celerys = _taken(queue), _taken(queue)  # LPUSH and RPOP: first in, first out
    assert ours["headers"]["id"] == ours["headers"]["root_id"] == ours["properties"]["correlation_id"] == task_id
    assert ours["properties"]["delivery_tag"] != celerys["properties"]["delivery_tag"]
    assert _without_ids(ours) == _without_ids(celerys)
    assert ours["body"][0] == [list(args[0])]
    assert ours["headers"].get("request_id") == "req123abc"  # before_task_publish ran, in the request's context


def test_anything_but_the_plain_case_goes_through_celery(queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    task = deliver_many._get_current_object()
    sent: list[Any] = []
    through_celery: list[Any] = []
    monkeypatch.setattr(broker, "send", lambda *a: sent.append(a))
    monkeypatch.setattr(task, "apply_async", lambda **k: through_celery.append(k))
    publish(task, ([],), {}, countdown=5)
    publish(task, ([],), {}, priority=3)
    assert sent == []
    assert [call.get("countdown") for call in through_celery] == [5, None]
    assert not broker.plain(task, {"retry": False, "priority": 3})
    previous = app.conf.broker_use_ssl
    app.conf.broker_use_ssl = {"ssl_cert_reqs": "required"}
    broker.reset()
    try:
        assert not broker.plain(task, {"retry": False})  # TLS options this client would not apply
    finally:
        app.conf.broker_use_ssl = previous
        broker.reset()
    assert broker.plain(task, {"retry": False})
    publish(task, (["d1"],), {})
    assert len(sent) == 1
    app.conf.task_always_eager = True
    assert not broker.plain(task, {"retry": False})


def test_messages_are_pushed_in_the_order_they_were_handed_over(queue: str) -> None:
    for index in range(20):
        publish(deliver_many, ([f"d{index}"],), {})
    assert broker.publish_loop.drain(10)
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    pushed = [json.loads(base64.b64decode(json.loads(raw)["body"]))[0][0][0] for raw in client.lrange(queue, 0, -1)]
    assert pushed[::-1] == [f"d{index}" for index in range(20)]  # LPUSH: the newest first


def test_past_the_bound_a_request_pushes_its_own_message(queue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broker slower than the requests: once MAX_HANDED_OVER messages wait, the request pushes its own (it waits
    for the broker, as before the loop) instead of growing the process's queue."""
    monkeypatch.setattr(broker, "MAX_HANDED_OVER", 0)
    publish(deliver_many, (["pushed-by-the-request"],), {})
    assert broker.publish_loop.pending() == 0
    assert _taken(queue)["body"][0] == [["pushed-by-the-request"]]


def test_a_process_that_exits_at_once_still_pushes_what_it_handed_over(queue: str) -> None:
    """A management command (or a worker recycled by gunicorn) that publishes and exits: the message is pushed."""
    code = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        f"app.conf.task_always_eager, app.conf.task_default_queue = False, {queue!r}\n"
        "from apps.common.services import publish\n"
        "from apps.notifications.tasks import deliver_many\n"
        "publish(deliver_many, (['at-exit'],), {})\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    assert _taken(queue)["body"][0] == [["at-exit"]]


def test_the_key_prefix_is_kept(queue: str) -> None:
    previous = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**previous, "global_keyprefix": "deploy-b:"}
    broker.reset()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        publish(deliver_many, (["d1"],), {})
        assert broker.publish_loop.drain(10)
        assert client.llen(f"deploy-b:{queue}") == 1
        assert client.llen(queue) == 0
    finally:
        app.conf.broker_transport_options = previous
        client.delete(f"deploy-b:{queue}")


def test_a_dead_broker_is_logged_and_backed_off_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with redis_unreachable():
        assert broker.plain(deliver_many, {"retry": False})
        publish(deliver_many, (["d1"],), {})  # handed over: no error here
        assert broker.publish_loop.drain(10)
        assert broker_backoff.active(60)
    assert any("could not enqueue notifications.deliver_many" in r.getMessage() for r in caplog.records)


def test_a_connection_redis_closed_is_replaced_at_once(queue: str) -> None:
    """Redis restarted (or closed idle connections): the kept client's connection is dead; the next publish
    opens a new one and sends, with no error and no backoff."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    publish(deliver_many, (["d1"],), {})
    assert broker.publish_loop.drain(10)
    kept = broker._setup(app).client
    kept_id = kept.client_id()
    assert client.client_kill_filter(_id=kept_id) == 1
    publish(deliver_many, (["d2"],), {})
    assert broker.publish_loop.drain(10)
    assert not broker_backoff.active(60)
    assert client.llen(queue) == 2
    assert kept.client_id() != kept_id


def test_a_hung_broker_costs_no_request_a_wait_and_one_timeout_then_the_backoff(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    """A broker that accepts and never answers: the publish hands the message over and returns while the push
    still waits; the push waits its socket timeout once (no retry on a timeout) and is logged, and the publishes
    after it within the backoff do not even hand a message over."""
    settings.CELERY_ENQUEUE_BACKOFF_SECONDS = 30
    with silent_redis() as server, redis_unreachable(server.url, timeout=3):
        assert broker.plain(deliver_many, {"retry": False})
        publish(deliver_many, (["d1"],), {})
        assert not broker.publish_loop.drain(0)  # returned with the push still waiting for the broker
        assert broker.publish_loop.drain(30)
        assert broker_backoff.active(60)
        tried = server.connections
        assert tried == 1
        for _ in range(5):
            publish(deliver_many, (["d2"],), {})
        assert broker.publish_loop.drain(0)  # nothing was handed over
        assert server.connections == tried  # nobody waited on it again
    assert any("could not enqueue notifications.deliver_many" in r.getMessage() for r in caplog.records)


@pytest.mark.worker
def test_a_worker_runs_a_task_sent_by_the_plain_publish(celery_worker: Any) -> None:
    from django.core.cache import cache

    from apps.common.tasks import HEARTBEAT_KEY, heartbeat

    cache.delete(HEARTBEAT_KEY)
    assert broker.plain(heartbeat, {"retry": False})
    publish(heartbeat, (), {})
    deadline = time.monotonic() + 30
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.get(HEARTBEAT_KEY) is not None, "the worker consumed the task"
