"""The admin's dashboard with Redis unreachable: it renders from the database, says what is missing, and the
staff session (stored in the database) holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from apps.backoffice import selectors
from apps.common.services import broker_backoff
from apps.common.tests.redis_doubles import DEAD_REDIS, redis_unreachable
from apps.emergency.tests.factories import IncidentFactory
from apps.treks.domain import local_today
from apps.treks.tests.factories import BatchFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_renders_and_says_what_is_missing_without_redis(make_user, settings) -> None:
    settings.CELERY_ENQUEUE_BACKOFF_SECONDS = 60  # as in production (the tests turn it off)
    batch = BatchFactory(start_date=local_today() + timedelta(days=2))
    incident = IncidentFactory()
    client = Client()
    client.force_login(make_user(staff_role="ops_manager"))
    assert selectors.platform_outages() == []
    with redis_unreachable(DEAD_REDIS, retry_seconds=3600.0):
        broker_backoff.failure()  # as an enqueue to the dead broker leaves it
        response = client.get("/admin/")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="dashboard-outages"' in html
        assert selectors.CACHE_DOWN.split(":")[0] in html
        assert "The task queue (Redis) refused a task" in html
        assert batch.trek.name in html  # the sections are still there, from the database
        assert str(incident.pk) in html
        assert client.get("/admin/bookings/booking/").status_code == 200
    broker_backoff.reset()
    assert 'id="dashboard-outages"' not in client.get("/admin/").content.decode()
