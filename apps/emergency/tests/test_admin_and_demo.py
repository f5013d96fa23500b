from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client

from apps.emergency.models import Incident, IncidentStatus
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory, IncidentUpdateFactory, LocationPingFactory
from apps.notifications.models import Delivery


def test_admin_lists_and_shows_incidents_with_their_timeline(cast: Cast) -> None:
    incident = IncidentFactory(trekker=cast.trekker)
    IncidentUpdateFactory(incident=incident, note="Radio check at 14:00")
    LocationPingFactory(incident=incident)
    client = Client()
    client.force_login(cast.cs)
    assert client.get("/admin/emergency/incident/").status_code == 200
    page = client.get(f"/admin/emergency/incident/{incident.pk}/change/")
    assert page.status_code == 200
    assert "Radio check at 14:00" in page.content.decode()
    assert client.post(f"/admin/emergency/incident/{incident.pk}/delete/").status_code == 403


def test_admin_is_closed_to_roles_without_the_capability(cast: Cast, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(staff_role="content"))
    assert client.get("/admin/emergency/incident/").status_code == 403


def test_seed_demo_adds_a_resolved_and_an_open_incident_once(db: None) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    statuses = sorted(Incident.objects.values_list("status", flat=True))
    assert statuses == [IncidentStatus.OPEN, IncidentStatus.RESOLVED]
    assert not Delivery.objects.filter(category="emergency").exists()
    resolved = Incident.objects.get(status=IncidentStatus.RESOLVED)
    assert [u.to_status for u in resolved.updates.all()] == ["open", "acknowledged", "responding", "resolved"]
    assert Incident.objects.get(status=IncidentStatus.OPEN).pings.count() == 3
