"""What an SOS costs in statements: a fixed number, however many people it alerts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.common.prepared import statement_text
from apps.emergency.models import Incident
from apps.emergency.tests.factories import EmergencyContactFactory
from apps.emergency.tests.test_guide_reports import confirmed_booking
from apps.notifications.models import Delivery, Notification
from apps.notifications.tests.factories import DeviceFactory
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

SOS = "/api/v1/emergency/sos/"
BODY = {"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "fell"}


def _statements(queries: CaptureQueriesContext) -> list[str]:
    """The statements a server sends: the test runs inside a transaction, so the service's ``atomic()`` is a
    savepoint here; in production it is BEGIN ... COMMIT, which Django does not capture either."""
    sql = [statement_text(q["sql"]) for q in queries.captured_queries]
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1, sql
    return [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def _trekker_alerting(recipients: int, make_user: Callable[..., User]) -> User:
    """A trekker on a guided batch with ``recipients`` contacts and as many responders (with a push device)."""
    trekker = make_user(phone="+919811111111")
    for index in range(recipients):
        EmergencyContactFactory(user=trekker, phone=f"+9198222{index:05d}")
        DeviceFactory(user=make_user(staff_role="ops_manager", phone=f"+9198444{index:05d}"))
    guide = GuideFactory(user__phone="+919899999999", satellite_phone="+881631234567")
    DeviceFactory(user=guide.user)
    confirmed_booking(trekker, BatchFactory(guide=guide))
    return trekker


@pytest.mark.parametrize("recipients", [1, 3, 6])
def test_an_sos_is_two_statements_whatever_the_number_of_recipients(
    recipients: int, make_user: Callable[..., User], client_for: Any
) -> None:
    trekker = _trekker_alerting(recipients, make_user)
    client = client_for(trekker)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201
    statements = _statements(queries)
    # the trekker (read and checked as authentication checks it) + lock + batch + contacts + responders + devices
    # + key look-up, then one write: the incident, its breadcrumb, timeline entry and audit row, the alerts' inbox
    # rows and deliveries.
    assert len(statements) == 2, statements
    assert 'FROM "users_user" u' in statements[0]
    assert "pg_advisory_xact_lock" in statements[0]
    assert "client_key" in statements[0]
    assert statements[1].startswith('WITH rows0 AS (INSERT INTO "emergency_incident"')
    for table in ("emergency_locationping", "emergency_incidentupdate", "common_auditlog"):
        assert f'INSERT INTO "{table}"' in statements[1]
    assert 'inbox AS (INSERT INTO "notifications_notification"' in statements[1]
    assert 'INSERT INTO "notifications_delivery"' in statements[1]
    incident = Incident.objects.get()
    assert (incident.pings.count(), incident.updates.count()) == (1, 1)
    # Each contact one SMS; each responder SMS + push + inbox; the guide SMS + push; satellite; ops list.
    deliveries = Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    assert deliveries.count() == recipients * 3 + 2 + 1 + 1
    assert Notification.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert").count() == recipients


@pytest.mark.parametrize("recipients", [1, 6])
def test_a_replay_is_one_statement_and_writes_nothing(
    recipients: int, make_user: Callable[..., User], client_for: Any
) -> None:
    trekker = _trekker_alerting(recipients, make_user)
    client = client_for(trekker)
    key = str(uuid.uuid4())
    assert client.post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = client.post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 200
    statements = _statements(queries)
    assert len(statements) == 1, statements  # the trekker, lock, audience and key look-up
    assert not [s for s in statements if not s.startswith("SELECT")]


@pytest.mark.parametrize("contacts", [0, 2])
def test_an_sos_nobody_gets_an_inbox_row_for_is_written_all_the_same(
    contacts: int, make_user: Callable[..., User], client_for: Any, settings: Any
) -> None:
    """No responder and no guide: no inbox row to write the incident with (contacts are texted, or nobody is)."""
    settings.OBS_OPS_EMAILS = []
    trekker = make_user(phone="+919811111112")
    for index in range(contacts):
        EmergencyContactFactory(user=trekker, phone=f"+9198333{index:05d}")
    response = client_for(trekker).post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["id"])
    assert (incident.pings.count(), incident.updates.count()) == (1, 1)
    assert Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert").count() == contacts
    assert not Notification.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert").exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_key_committed_while_waiting_for_the_lock_is_a_replay(
    make_user: Callable[..., User], client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock's statement reads in a snapshot taken before it waited, so it misses an incident the same key's
    first request committed meanwhile (made here by hiding the incident from the look-up): the write is refused
    by the unique index, rolls back whole, and the answer is the replay of the first incident. Nothing of the
    second request remains: one incident, one timeline entry, one set of alerts."""
    from apps.emergency.services import intake

    trekker = _trekker_alerting(2, make_user)
    client = client_for(trekker)
    key = str(uuid.uuid4())
    first = client.post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    deliveries, inbox = Delivery.objects.count(), Notification.objects.count()
    real = intake._lock_and_read
    monkeypatch.setattr(intake, "_lock_and_read", lambda *args: (real(*args)[0], None))
    again = client.post(SOS, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    incident = Incident.objects.get()
    assert (incident.pings.count(), incident.updates.count()) == (1, 1)
    assert (Delivery.objects.count(), Notification.objects.count()) == (deliveries, inbox)
    changed = client.post(SOS, {**BODY, "message": "another"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (changed.status_code, changed.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert Incident.objects.count() == 1
