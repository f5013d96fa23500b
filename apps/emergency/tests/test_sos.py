from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from apps.common.tests.race import Race
from apps.emergency.models import Incident, IncidentStatus, LocationPing
from apps.emergency.tests.conftest import Cast
from apps.notifications.backends import push, sms
from apps.notifications.models import Delivery, Notification

URL = "/api/v1/emergency/sos/"
FULL = {
    "latitude": 32.3182,
    "longitude": 77.1874,
    "accuracy_m": 12.5,
    "altitude_m": 4470,
    "battery_pct": 23,
    "message": "Twisted ankle below the pass",
}


def post_sos(client: Any, body: dict[str, Any] | None = None, key: Any = None) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": str(key)}
    return client.post(URL, body or {}, format="json", **headers)


def test_sos_creates_incident_and_alerts_everyone_once(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    key = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sos(client_for(cast.trekker), FULL, key)
    assert response.status_code == 201, response.json()
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert body["status"] == "open"
    assert body["kind"] == "sos"
    assert body["severity"] == "critical"
    assert body["location"]["latitude"] == "32.318200"
    assert incident.client_key == key
    assert incident.trekker == cast.trekker
    assert incident.next_escalation_at == incident.received_at + timedelta(minutes=5)
    assert LocationPing.objects.filter(incident=incident).count() == 1

    deliveries = Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    assert Counter((d.channel, d.recipient) for d in deliveries) == Counter(
        {
            ("sms", "+919822222222"): 1,
            ("sms", "+919833333333"): 1,
            ("sms", cast.ops.phone): 1,
            ("sms", cast.cs.phone): 1,
            ("sms", cast.admin.phone): 1,
            ("push", f"device:{cast.ops.devices.get().pk}"): 1,
            ("push", f"device:{cast.cs.devices.get().pk}"): 1,
            ("push", f"device:{cast.admin.devices.get().pk}"): 1,
            ("email", "ops-desk@example.com"): 1,
        }
    )
    assert {d.status for d in deliveries} == {"sent"}
    assert Notification.objects.filter(user__in=[cast.ops, cast.cs, cast.admin], category="emergency").count() == 3
    assert not Delivery.objects.filter(user=cast.finance).exists()
    texts = {m.to: m.text for m in sms.outbox}
    contact_text = texts["+919822222222"]
    assert "Priya Sharma" in contact_text
    assert "https://maps.google.com/?q=32.318200,77.187400" in contact_text
    assert "+911140000000" in contact_text
    assert len(push.outbox) == 3
    assert [m.to for m in mail.outbox] == [["ops-desk@example.com"]]


def test_replay_returns_the_same_incident_and_sends_nothing(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client, key = client_for(cast.trekker), uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        first = post_sos(client, FULL, key)
    sent = len(sms.outbox)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = post_sos(client, FULL, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert callbacks == []
    assert len(sms.outbox) == sent
    assert Incident.objects.count() == 1


def test_same_key_with_a_different_payload_is_422(cast: Cast, client_for: Any) -> None:
    client, key = client_for(cast.trekker), uuid.uuid4()
    assert post_sos(client, FULL, key).status_code == 201
    response = post_sos(client, {**FULL, "message": "something else"}, key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_the_key_is_per_trekker(cast: Cast, client_for: Any, make_user: Any) -> None:
    key = uuid.uuid4()
    assert post_sos(client_for(cast.trekker), FULL, key).status_code == 201
    assert post_sos(client_for(make_user()), FULL, key).status_code == 201
    assert Incident.objects.count() == 2


@pytest.mark.parametrize("key", [None, "", "not-a-uuid", "1234"])
def test_missing_or_invalid_key_is_400(cast: Cast, client_for: Any, key: Any) -> None:
    response = post_sos(client_for(cast.trekker), FULL, key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert not Incident.objects.exists()


def test_only_the_key_is_required(cast: Cast, client_for: Any) -> None:
    response = post_sos(client_for(cast.trekker), {}, uuid.uuid4())
    assert response.status_code == 201
    body = response.json()
    assert body["location"] is None
    assert body["message"] == ""
    assert body["battery_pct"] is None
    assert not LocationPing.objects.exists()


def test_high_precision_coordinates_and_long_messages_are_accepted(cast: Cast, client_for: Any) -> None:
    body = {"latitude": 32.31823456789, "longitude": 77.18741234567, "message": "x" * 5000}
    response = post_sos(client_for(cast.trekker), body, uuid.uuid4())
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert str(incident.latitude) == "32.318235"
    assert len(incident.message) == 2000


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": 91, "longitude": 10},
        {"latitude": -90.5, "longitude": 10},
        {"latitude": 10, "longitude": 180.01},
        {"latitude": 10, "longitude": -181},
        {"battery_pct": 101},
        {"kind": "alien_abduction"},
        {"client_created_at": "yesterday"},
    ],
)
def test_invalid_fields_are_400_and_write_nothing(cast: Cast, client_for: Any, body: dict[str, Any]) -> None:
    response = post_sos(client_for(cast.trekker), body, uuid.uuid4())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not Incident.objects.exists()
    assert not Delivery.objects.exists()


def test_malformed_json_is_400(cast: Cast, client_for: Any) -> None:
    response = client_for(cast.trekker).post(
        URL, "{nope", content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 400


def test_device_time_hours_ago_is_accepted_and_flagged_delayed(cast: Cast, client_for: Any) -> None:
    raised = timezone.now() - timedelta(hours=3)
    body = {**FULL, "client_created_at": raised.isoformat()}
    response = post_sos(client_for(cast.trekker), body, uuid.uuid4())
    assert response.status_code == 201
    assert response.json()["delayed"] is True
    incident = Incident.objects.get()
    assert incident.device_time == raised
    assert incident.location_at == raised
    assert "delayed" in incident.updates.get().note
    # Escalation counts from when ops could first know, not from the device time.
    assert incident.next_escalation_at == incident.received_at + timedelta(minutes=5)


def test_recent_device_time_is_not_delayed(cast: Cast, client_for: Any) -> None:
    body = {**FULL, "client_created_at": (timezone.now() - timedelta(seconds=20)).isoformat()}
    assert post_sos(client_for(cast.trekker), body, uuid.uuid4()).json()["delayed"] is False


def test_unauthenticated_is_401(client_for: Any, db: None) -> None:
    assert post_sos(client_for(None), FULL, uuid.uuid4()).status_code == 401


def test_no_throttle_applies_to_sos(cast: Cast, client_for: Any, monkeypatch: Any) -> None:
    """With production's default throttles on every other view (strict rate), the SOS is never throttled."""
    from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle
    from rest_framework.views import APIView

    monkeypatch.setattr(APIView, "throttle_classes", (AnonRateThrottle, UserRateThrottle))
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "user": "1/hour"})
    client = client_for(cast.trekker)
    assert [post_sos(client, {}, uuid.uuid4()).status_code for _ in range(4)] == [201] * 4
    assert client.get("/api/v1/emergency/incidents/").status_code == 200
    assert client.get("/api/v1/emergency/incidents/").status_code == 429  # the throttle is really on


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_with_one_key_create_one_incident_and_one_set_of_alerts(
    cast: Cast, client_for: Any, race: Race
) -> None:
    key = uuid.uuid4()
    clients = [client_for(cast.trekker) for _ in range(10)]
    responses = race(*(partial(post_sos, client, FULL, key) for client in clients))
    codes = [response.status_code for response in responses]
    ids = {response.json()["id"] for response in responses}
    assert sorted(codes) == [200] * 9 + [201]
    assert len(ids) == 1
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    deliveries = Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    assert deliveries.count() == 9
    assert Counter((d.channel, d.recipient) for d in deliveries).most_common(1)[0][1] == 1
    assert Counter(m.to for m in sms.outbox) == Counter(
        {"+919822222222": 1, "+919833333333": 1, cast.ops.phone: 1, cast.cs.phone: 1, cast.admin.phone: 1}
    )
    assert incident.status == IncidentStatus.OPEN
