from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.emergency.tests.conftest import Cast


def test_an_sos_is_one_short_transaction(cast: Cast, client_for: Any) -> None:
    """Measured, so a change that adds round trips to the SOS path shows up here."""
    client = client_for(cast.trekker)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/emergency/sos/",
            {"latitude": 32.3, "longitude": 77.1},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert response.status_code == 201
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # 42 today with three responders: incident, ping, timeline, then inbox + deliveries per recipient.
    assert len(statements) <= 45, statements
