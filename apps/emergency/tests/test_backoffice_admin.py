"""The incident pages of the admin by role: the list's order and refresh, the page, and its buttons."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.common.audit import AuditAction
from apps.common.models import AuditLog
from apps.emergency.models import Incident, IncidentUpdate
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import EmergencyContactFactory, IncidentFactory, LocationPingFactory

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _handle(client: Client, incident: Incident, action: str, note: str = "") -> Any:
    return client.post(
        f"/admin/emergency/incident/{incident.pk}/handle/", {"action": action, "handling_note": note}, follow=True
    )


def test_the_list_opens_on_active_incidents_by_priority_and_reloads(cast: Cast) -> None:
    now = timezone.now()
    old_high = IncidentFactory(severity="high", received_at=now - timedelta(hours=2))
    critical = IncidentFactory(severity="critical", received_at=now)
    resolved = IncidentFactory(severity="critical", status="resolved")
    response = _signed_in(cast.cs).get("/admin/emergency/incident/")
    assert list(response.context["cl"].result_list) == [critical, old_high]
    assert '<meta http-equiv="refresh"' in response.content.decode()
    everything = _signed_in(cast.cs).get("/admin/emergency/incident/?state=all").context["cl"].result_list
    assert resolved in list(everything)


def test_the_page_says_who_and_where_with_map_contacts_and_batch(cast: Cast) -> None:
    cast.trekker.first_name, cast.trekker.last_name = "Asha", "Rao"
    cast.trekker.save()
    incident = IncidentFactory(trekker=cast.trekker)
    LocationPingFactory(incident=incident)
    EmergencyContactFactory(user=cast.trekker, name="Meera Rao", phone="+919812345678")
    page = _signed_in(cast.ops).get(f"/admin/emergency/incident/{incident.pk}/change/").content.decode()
    assert "SOS of" not in page
    assert "Asha Rao" in page
    assert incident.batch.trek.name in page
    assert "Meera Rao" in page
    assert 'id="incident-map"' in page
    assert "/static/leaflet/leaflet.js" in page  # served by the app: no CDN
    assert "unpkg" not in page
    # no address on a CDN (the page's random tokens, such as the CSRF token, may spell "cdn" by chance)
    assert not re.search(r"//[^\s\"'<>]*cdn", page.lower())
    assert 'id="incident-acknowledge"' in page


def test_acknowledge_update_and_resolve_through_the_services(cast: Cast) -> None:
    incident = IncidentFactory(trekker=cast.trekker, next_escalation_at=timezone.now() + timedelta(minutes=5))
    ops = _signed_in(cast.ops)
    _handle(ops, incident, "acknowledge")
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by, incident.next_escalation_at) == ("acknowledged", cast.ops, None)
    _handle(ops, incident, "note", "Guide reached the trekker")
    assert IncidentUpdate.objects.filter(incident=incident, kind="note", note="Guide reached the trekker").exists()
    refused = _handle(ops, incident, "resolve", "   ")  # the API refuses a resolve without notes: so does this
    assert "Not done" in refused.content.decode()
    incident.refresh_from_db()
    assert incident.status == "acknowledged"
    _handle(ops, incident, "resolve", "Walked down to the road head")
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_by, incident.resolution_notes) == (
        "resolved",
        cast.ops,
        "Walked down to the road head",
    )
    actions = set(AuditLog.objects.filter(target_id=str(incident.pk), actor=cast.ops).values_list("action", flat=True))
    A = AuditAction
    assert {A.INCIDENT_ACKNOWLEDGED, A.INCIDENT_NOTE_ADDED, A.INCIDENT_RESOLVED} <= actions


def test_mark_a_false_alarm(cast: Cast) -> None:
    incident = IncidentFactory(trekker=cast.trekker)
    _handle(_signed_in(cast.cs), incident, "false_alarm", "Pressed by mistake")
    incident.refresh_from_db()
    assert incident.status == "false_alarm"
    again = _handle(_signed_in(cast.cs), incident, "acknowledge")  # closed: the service refuses
    assert "cannot become" in again.content.decode()


def test_an_empty_update_is_refused_as_by_the_api(cast: Cast) -> None:
    incident = IncidentFactory(trekker=cast.trekker)
    _handle(_signed_in(cast.ops), incident, "note", "  ")
    assert not IncidentUpdate.objects.filter(incident=incident, kind="note").exists()


@pytest.mark.parametrize("role", ["finance", "content"])
def test_roles_without_incidents_manage_cannot_handle(cast: Cast, make_user: Any, role: str) -> None:
    incident = IncidentFactory(trekker=cast.trekker)
    client = _signed_in(make_user(staff_role=role))
    assert client.get(f"/admin/emergency/incident/{incident.pk}/change/").status_code == 403
    assert client.post(f"/admin/emergency/incident/{incident.pk}/handle/", {"action": "acknowledge"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"


@pytest.mark.parametrize("url", ["add/", "{pk}/change/"])
def test_no_admin_form_writes_an_incident(cast: Cast, make_user: Any, url: str) -> None:
    """The API raises and moves incidents only through its services: the admin has no form, even for a super admin."""
    incident = IncidentFactory(trekker=cast.trekker)
    client = _signed_in(make_user(staff_role="super_admin"))
    response = client.post(f"/admin/emergency/incident/{url.format(pk=incident.pk)}", {"status": "resolved"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "open"
