"""Task messages for the Redis broker, written with one ``LPUSH`` on a client the process keeps, after the response.

For every message, Celery's ``apply_async`` acquires a producer from its pool, binds and declares the queue,
copies kombu's entities, reads its configuration through several layers and creates a new Redis client: about
0.5 ms of a booking's or an SOS's CPU around a 0.1 ms ``LPUSH``. :func:`send` sends the plain case itself: the
message :func:`apps.common.services.publish` sends after a commit (no retry, no countdown or other option) of a task
on the default queue, from a web process. It builds the message with Celery's own ``create_task_message``, fires
the same ``before_task_publish`` and ``after_task_publish`` signals (the request id rides on the first), serializes
it as kombu's Redis transport does and pushes it on the queue's list, key prefix included. Anything else (a
countdown, a route, a priority, a task sent from a task, an eager or non-Redis set-up) goes through ``apply_async``
unchanged. ``apps/common/tests/test_broker.py`` compares the two messages key by key and runs one through a real
worker.

**After the response.** The request does not wait for the broker: :func:`send` checks the call and hands the
message over to :data:`publish_loop` (:class:`apps.common.handover.HandOverLoop`), which builds and pushes the
messages in the order they were handed over, in the request's context (its request id). A failure is recorded there:
the log line, and the backoff (:data:`broker_backoff`) that makes the messages after it skip the broker for
``CELERY_ENQUEUE_BACKOFF_SECONDS``. Nothing is lost that a synchronous send would have kept: the rows the message
names are committed before it is handed over, and the periodic sweepers send what never reached the broker (a
broker that is down, a process killed with messages still to push; an exiting process pushes them for up to
``DRAIN_SECONDS``). When ``MAX_HANDED_OVER`` messages already wait (a broker slower than the requests), the request
pushes its own, as it did before the loop.

Why not a library: kombu has no cheaper publishing path, and the message format is Celery's protocol 2, which this
module does not write by hand (Celery builds it); only the envelope kombu adds for Redis (``body`` in base64,
``properties.delivery_info``, ``delivery_tag``) is written here, and the comparison test pins it.
"""

from __future__ import annotations

import atexit
import base64
import contextvars
import logging
from collections.abc import Callable
from functools import cached_property, partial
from typing import Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

import redis
from celery import signals
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from kombu.exceptions import KombuError
from kombu.serialization import dumps as serialize
from kombu.utils.json import dumps as json_dumps
from kombu.utils.uuid import uuid
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from apps.common.backoff import Backoff
from apps.common.handover import HandOverLoop

logger = logging.getLogger("apps.common.services")  # where an enqueue failure has always been logged

_REDIS_SCHEMES = {"redis", "rediss"}
# How long a drain waits for the messages still to push (an exiting process, the bench between two requests): a
# broker that does not answer costs its socket timeout, then the backoff skips the rest.
DRAIN_SECONDS = 6.0
# At most this many messages wait for the loop; past it (a broker slower than the requests), a request pushes its
# own message, as before the loop, so a slow broker slows the requests instead of filling the process's memory.
MAX_HANDED_OVER = 1000
# What a failed push raises (RuntimeError: kombu's pool states, for the messages sent through Celery).
BROKER_ERRORS = (KombuError, RedisError, OSError, RuntimeError)

broker_backoff = Backoff()  # this process's last failed enqueue
publish_loop = HandOverLoop("broker-publish")
atexit.register(publish_loop.drain, DRAIN_SECONDS)


def broker_recently_failed() -> bool:
    """True for ``CELERY_ENQUEUE_BACKOFF_SECONDS`` after an enqueue failed in this process."""
    return broker_backoff.active(getattr(settings, "CELERY_ENQUEUE_BACKOFF_SECONDS", 0))


# options of a task that would change its message; the plain case has none of them set
_EXEC_OPTIONS = ("queue", "routing_key", "exchange", "priority", "expires", "delivery_mode", "compression")


class _Setup:
    """What the app's configuration says about publishing, read once (reading Celery's configuration costs
    about 3.5 us a key): whether the broker and the defaults allow the plain case, and the Redis client."""

    def __init__(self, conf: Any) -> None:
        self.url = str(conf.broker_write_url or conf.broker_url)
        self.options: dict[str, Any] = dict(conf.broker_transport_options or {})
        self.prefix: str = self.options.get("global_keyprefix", "")
        self.plain_tasks: dict[str, bool] = {}  # task name -> whether its options leave its message plain
        self.usable = (
            urlsplit(self.url).scheme in _REDIS_SCHEMES
            and not conf.task_routes
            and not conf.task_send_sent_event
            and not conf.task_default_priority
            and conf.task_serializer == "json"
            and not conf.task_compression
            and not conf.broker_use_ssl  # TLS options kombu applies and this client would not
        )

    @cached_property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(
            self.url,
            socket_timeout=self.options.get("socket_timeout"),
            socket_connect_timeout=self.options.get("socket_connect_timeout"),
            # no retry: a refused or hung broker is an error at the first try, as for kombu's publishing with
            # max_retries=0 (a sweeper sends the task later); a connection Redis closed (a restart) is replaced when
            # the pool hands it out, before anything is sent on it
            retry=Retry(NoBackoff(), 0),
        )


_setups: WeakKeyDictionary[Any, _Setup] = WeakKeyDictionary()


def _setup(app: Any) -> _Setup:
    setup = _setups.get(app)
    if setup is None:
        setup = _setups[app] = _Setup(app.conf)
    return setup


@receiver(setting_changed)
def reset(**kwargs: Any) -> None:
    """Read the configuration again at the next publish (settings changed, or a test pointed the broker
    elsewhere)."""
    _setups.clear()


def plain(task: Any, options: dict[str, Any]) -> bool:
    """Whether this module sends ``task`` with ``options`` (see the module docstring)."""
    if options != {"retry": False}:
        return False
    app = task.app
    setup = _setup(app)
    if app.conf.task_always_eager or not setup.usable or app.current_worker_task is not None:
        return False
    verdict = setup.plain_tasks.get(task.name)
    if verdict is None:  # the task's options are its class's: read once
        exec_options = task._get_exec_options()
        verdict = setup.plain_tasks[task.name] = not any(
            exec_options.get(name) is not None for name in _EXEC_OPTIONS
        ) and exec_options.get("serializer") in (None, "json")
    return verdict


def send(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Send ``task(*args, **kwargs)`` as ``apply_async(retry=False)`` would, with one ``LPUSH`` after the response
    (see the module docstring); the task's id. A wrong call (the task's signature) raises here, as in apply_async. The
    arguments are serialized on the loop: the caller does not change them afterwards (every caller builds them for
    the call: ids of rows it has committed)."""
    if task.typing:
        task.__header__(*args, **kwargs)
    app = task.app
    task_id, queue = uuid(), app.conf.task_default_queue
    push = partial(_push, task, task_id, args, kwargs, (queue, app.thread_oid), _setup(app))
    if publish_loop.pending() < MAX_HANDED_OVER:
        publish_loop.submit(_in_context(contextvars.copy_context(), push))
    else:
        push()
    return task_id


async def _in_context(context: contextvars.Context, push: Callable[[], None]) -> None:
    context.run(push)


def _push(
    task: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], route: tuple[str, str], setup: _Setup
) -> None:
    """Build and push one message (on :data:`publish_loop`); a failure is logged and backs off, never raised."""
    name = task.name
    if broker_recently_failed():
        logger.warning("could not enqueue %s: the broker failed moments ago; a sweeper will retry it", name)
        return
    try:
        _write(task, task_id, args, kwargs, route, setup)
    except BROKER_ERRORS:
        broker_backoff.failure()
        logger.exception("could not enqueue %s; a sweeper will retry it", name)
    except Exception:  # the request has answered: an error here can only be logged (a sweeper sends it later)
        logger.exception("could not build the message of %s; a sweeper will retry it", name)
    else:
        broker_backoff.success()


def _write(
    task: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], route: tuple[str, str], setup: _Setup
) -> None:
    """``route``: the queue and the reply-to of the thread that handed the message over (Celery's ``thread_oid``)."""
    app, name = task.app, task.name
    queue, reply_to = route
    headers, properties, body, _ = app.amqp.create_task_message(
        task_id, name, args, kwargs,
        reply_to=reply_to,
        time_limit=task.time_limit,
        soft_time_limit=task.soft_time_limit,
        ignore_result=task.ignore_result,
        replaced_task_nesting=0,
    )  # fmt: skip
    if signals.before_task_publish.receivers:
        signals.before_task_publish.send(
            sender=name, body=body, exchange="", routing_key=queue, declare=[app.amqp.queues[queue]],
            headers=headers, properties=properties, retry_policy=None,
        )  # fmt: skip
    content_type, content_encoding, serialized = serialize(body, serializer="json")
    data: bytes = serialized.encode(content_encoding) if isinstance(serialized, str) else serialized
    properties.update(
        delivery_mode=2,
        delivery_info={"exchange": "", "routing_key": queue},
        priority=0,
        body_encoding="base64",
        delivery_tag=uuid(),
    )
    message = {
        "body": base64.b64encode(data).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": properties,
    }
    setup.client.lpush(setup.prefix + queue, json_dumps(message))
    if signals.after_task_publish.receivers:
        signals.after_task_publish.send(sender=name, body=body, headers=headers, exchange="", routing_key=queue)
