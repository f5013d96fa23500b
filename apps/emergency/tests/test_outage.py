"""The SOS path with Redis (cache and broker) down: accepted, and delivered once Redis is back."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.utils import timezone

from apps.common import broker
from apps.common.tests.redis_doubles import redis_unreachable
from apps.emergency.models import Incident
from apps.emergency.tests.conftest import Cast
from apps.notifications.backends import sms
from apps.notifications.models import Delivery
from apps.notifications.services import deliveries_sweep

DEAD = "redis://127.0.0.1:1/0"


@contextmanager
def redis_down() -> Iterator[None]:
    """Cache and Celery broker pointed at a port where nothing listens; tasks really go to the broker."""
    with redis_unreachable(DEAD):
        yield


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sos_is_accepted_with_redis_down_and_delivered_when_it_returns(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.trekker)
    with redis_down():
        assert not caches["default"].ping()  # Redis really is unreachable
        started = time.monotonic()
        response = client.post(
            "/api/v1/emergency/sos/",
            {"latitude": 32.3182, "longitude": 77.1874, "message": "Fell near the pass"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    deliveries = Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    assert deliveries.count() == 9
    assert {d.status for d in deliveries} == {"queued"}  # committed, but the broker took nothing
    assert sms.outbox == []
    assert elapsed < 3, f"the SOS waited {elapsed:.1f} s on the dead broker"

    # Redis is back: the notifications sweeper (every minute) finds the deliveries nobody picked up.
    later = timezone.now() + timedelta(seconds=django_settings.NOTIFICATIONS_QUEUED_GRACE_SECONDS + 1)
    assert deliveries_sweep(now=later)["requeued"] == 9
    assert {d.status for d in deliveries.all()} == {"sent"}
    assert Counter(m.to for m in sms.outbox) == Counter(
        {"+919822222222": 1, "+919833333333": 1, cast.ops.phone: 1, cast.cs.phone: 1, cast.admin.phone: 1}
    )
    # A second sweep (or a late task) sends nothing more.
    assert deliveries_sweep(now=later + timedelta(minutes=5))["requeued"] == 0
    assert len(sms.outbox) == 5


@pytest.mark.django_db(transaction=True)
def test_one_request_tries_a_dead_broker_once(cast: Cast, client_for: Any, settings: Any, caplog: Any) -> None:
    """The request's alerts go to the broker in one message: one refused enqueue, the rest left to the sweeper."""
    from apps.notifications.tasks import deliver_many

    settings.CELERY_ENQUEUE_BACKOFF_SECONDS = 30
    attempts: list[Any] = []
    original = broker.send

    def counting(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if task.name == deliver_many.name:
            attempts.append(args)
        return original(task, args, kwargs)

    with mock.patch.object(broker, "send", counting), redis_down():  # the context pushes what was handed over
        response = client_for(cast.trekker).post(
            "/api/v1/emergency/sos/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
    assert response.status_code == 201
    queued = {str(pk) for pk in Delivery.objects.filter(status="queued").values_list("pk", flat=True)}
    assert len(queued) == 9
    assert len(attempts) == 1
    assert set(attempts[0][0]) == queued
    assert sum("could not enqueue notifications.deliver_many" in r.getMessage() for r in caplog.records) == 1
