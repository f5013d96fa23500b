"""The SOS answer is built by ``incident_data`` instead of ``IncidentSerializer``: both must give the same body."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from apps.emergency.models import Incident
from apps.emergency.serializers import IncidentSerializer, incident_data
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory
from apps.users.tests.factories import UserFactory

URL = "/api/v1/emergency/sos/"


def rendered(data: Any) -> bytes:
    return JSONRenderer().render(data)


def assert_same(incident: Incident) -> None:
    expected = IncidentSerializer(incident).data
    ours = incident_data(incident)
    assert ours == expected
    assert list(ours) == list(expected)
    assert rendered(ours) == rendered(expected)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"latitude": None, "longitude": None, "location_at": None, "batch": None},
        {"accuracy_m": 12.5, "altitude_m": -3.25, "battery_pct": 0, "message": "Ankle \u2028 twisted \U0001f3d4"},
        {
            "status": "acknowledged",
            "escalation_count": 2,
            "delayed": True,
            "kind": "medical",
            "next_escalation_at": None,
        },
        {"status": "resolved", "resolution_notes": "Walked down.", "source": "guide", "next_escalation_at": None},
        {"latitude": Decimal("-0.000001"), "longitude": Decimal("179.999999"), "next_escalation_at": None},
    ],
)
def test_incident_data_is_what_the_serializer_gives(db: None, changes: dict[str, Any]) -> None:
    now = timezone.now()
    staff = UserFactory(first_name="", last_name="", tribe_handle="", email="desk@example.com")
    fields: dict[str, Any] = {
        "trekker": UserFactory(first_name="", last_name="", tribe_handle="ridge_runner", phone=None),
        "reported_by": UserFactory(first_name="Guide", last_name="Negi"),
        "acknowledged_by": staff,
        "acknowledged_at": now,
        "resolved_by": staff if changes.get("status") == "resolved" else None,
        "device_time": now - timedelta(hours=3),
        "next_escalation_at": now + timedelta(minutes=5),
    }
    incident = IncidentFactory(**{**fields, **changes})
    assert_same(Incident.objects.get(pk=incident.pk))
    assert_same(incident)


def test_the_sos_answer_is_what_the_serializer_gives_new_and_replayed(cast: Cast, client_for: Any) -> None:
    client, key = client_for(cast.trekker), str(uuid.uuid4())
    body = {"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "bench"}
    created = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replayed = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (created.status_code, replayed.status_code) == (201, 200)
    stored = Incident.objects.select_related("trekker", "batch__trek").get(pk=created.json()["id"])
    expected = rendered(IncidentSerializer(stored).data)
    assert created.content == expected
    assert replayed.content == expected
