"""Prometheus metrics on ``/metrics``, readable only with ``METRICS_TOKEN`` or from ``METRICS_ALLOWED_NETWORKS``.

Two sources, one response:

- per-process metrics of the web processes (django-prometheus middleware: request latency by view, responses
  by status). Under gunicorn with several workers they are aggregated through ``PROMETHEUS_MULTIPROC_DIR``
  (prometheus_client's multiprocess mode, set up in ``deploy/gunicorn.conf.py``);
- values computed at scrape time, so every web process answers the same: Celery task outcomes (counted by the
  workers into the cache, i.e. Redis), the length of the Celery queue (the broker), notification deliveries
  still pending and the age of the oldest (the database, answered by the apps through
  ``database_metrics_collect``), the age of the worker heartbeat.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from apps.common.signals import database_metrics_collect
from apps.common.tasks import HEARTBEAT_KEY
from apps.common.throttles import client_ip

logger = logging.getLogger(__name__)

TASK_STATES = ("success", "failure", "retry", "rejected", "ignored")
_TASK_KEY = "metrics:celery:task:{name}:{state}"


# --- Celery task outcomes ---------------------------------------------------------------------------


def record_task_outcome(task_name: str, state: str) -> None:
    """Count one finished task under (name, state) in the cache; a metrics failure never fails a task."""
    state = state.lower()
    if state not in TASK_STATES:
        return
    key = _TASK_KEY.format(name=task_name, state=state)
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key)
    except Exception:  # any cache backend error: the count is lost, the task is not
        logger.warning("could not count the outcome of task %s", task_name, exc_info=True)


def _task_names() -> list[str]:
    from config.celery import app  # late: the project's Celery app, not loaded by importing apps

    return sorted(name for name in app.tasks if not name.startswith("celery."))


# --- scrape-time collector --------------------------------------------------------------------------


def age_seconds(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


class ScrapeTimeCollector(Collector):
    """Values read from Redis, the broker and the database when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "obs_metrics_source_up", "1 when the source could be read during this scrape, else 0", labels=["source"]
        )
        for source, metrics in (
            ("cache", self._cache_metrics),
            ("broker", self._broker_metrics),
            ("database", self._database_metrics),
        ):
            try:
                collected = list(metrics())
            except Exception as exc:  # noqa: BLE001  an unreachable source is reported by obs_metrics_source_up, not by a 500
                logger.warning("metrics: %s unavailable: %s: %s", source, type(exc).__name__, exc)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from collected
        yield up

    def _cache_metrics(self) -> Iterator[Metric]:
        outcomes = CounterMetricFamily(
            "obs_celery_tasks", "Celery tasks finished, by task and final state", labels=["task", "state"]
        )
        keys = {
            (name, state): _TASK_KEY.format(name=name, state=state) for name in _task_names() for state in TASK_STATES
        }
        values = cache.get_many(list(keys.values()))
        for (name, state), key in keys.items():
            outcomes.add_metric([name, state], float(values.get(key) or 0))
        yield outcomes
        heartbeat = cache.get(HEARTBEAT_KEY)
        stamp = parse_datetime(heartbeat) if isinstance(heartbeat, str) else None
        if stamp is not None:
            yield GaugeMetricFamily(
                "obs_worker_heartbeat_age_seconds",
                "Seconds since a worker last ran the heartbeat task (sent by beat every minute)",
                value=age_seconds(stamp, timezone.now()),
            )

    def _broker_metrics(self) -> Iterator[Metric]:
        from kombu.exceptions import ChannelError

        from config.celery import app  # late: the project's Celery app, not loaded by importing apps

        if app.conf.task_always_eager:
            return
        queue = app.conf.task_default_queue
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            try:
                length = connection.default_channel.queue_declare(queue=queue, passive=True).message_count  # type: ignore[attr-defined]
            except ChannelError:  # the queue does not exist until a first message: nothing waits
                length = 0
        gauge = GaugeMetricFamily("obs_celery_queue_length", "Messages waiting in the Celery queue", labels=["queue"])
        gauge.add_metric([queue], length)
        yield gauge

    def _database_metrics(self) -> Iterator[Metric]:
        for _receiver, families in database_metrics_collect.send(sender=ScrapeTimeCollector, now=timezone.now()):
            yield from cast("list[Metric]", families)  # what the receivers return (django-stubs: str | None)


def render_metrics() -> bytes:
    """The exposition text: the web processes' metrics followed by the scrape-time ones."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(ScrapeTimeCollector())
    return generate_latest(registry) + generate_latest(scrape)


# --- access ---------------------------------------------------------------------------------------


def metrics_allowed(request: HttpRequest) -> bool:
    """True for ``Authorization: Bearer <METRICS_TOKEN>`` or a client address in ``METRICS_ALLOWED_NETWORKS``."""
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    networks = getattr(settings, "METRICS_ALLOWED_NETWORKS", [])
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request).strip())
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: 404 (the common envelope) to anyone neither holding the token nor inside the network."""
    if request.method != "GET" or not metrics_allowed(request):
        raise Http404
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
