from __future__ import annotations

from typing import Any

from django.test import Client

from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory, IncidentUpdateFactory, LocationPingFactory


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
