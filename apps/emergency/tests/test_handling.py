"""Acknowledge, notes, status changes, resolve, false alarm: who may, and the state machine."""

from __future__ import annotations

from typing import Any

import pytest

from apps.common.models import AuditLog
from apps.emergency.models import IncidentStatus
from apps.emergency.services import TRANSITIONS, incident_change_status
from apps.emergency.services.alerts import queue_incident_alerts
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import EmergencyContactFactory, IncidentFactory
from apps.notifications.backends import sms
from apps.notifications.models import Delivery


@pytest.fixture
def incident(cast: Cast) -> Any:
    return IncidentFactory(trekker=cast.trekker, next_escalation_at="2030-01-01T00:00:00Z")


def url(incident: Any, action: str = "") -> str:
    return f"/api/v1/emergency/incidents/{incident.pk}/{action + '/' if action else ''}"


@pytest.mark.parametrize("role", ["ops_manager", "cs", "super_admin", "guide"])
def test_staff_and_the_batch_guide_acknowledge(cast: Cast, incident: Any, client_for: Any, role: str) -> None:
    actor = (
        incident.batch.guide.user
        if role == "guide"
        else cast.__dict__[{"ops_manager": "ops", "cs": "cs", "super_admin": "admin"}[role]]
    )
    response = client_for(actor).post(url(incident, "acknowledge"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "acknowledged"
    assert body["acknowledged_by"]["id"] == str(actor.pk)
    assert body["next_escalation_at"] is None
    assert body["timeline"][-1]["to_status"] == "acknowledged"
    assert AuditLog.objects.filter(action="incident.acknowledged", target_id=str(incident.pk)).exists()
    # Acknowledging again changes nothing.
    again = client_for(actor).post(url(incident, "acknowledge"))
    assert again.status_code == 200
    assert len(again.json()["timeline"]) == len(body["timeline"])


def test_the_trekker_cannot_acknowledge_their_own_incident(cast: Cast, incident: Any, client_for: Any) -> None:
    response = client_for(cast.trekker).post(url(incident, "acknowledge"))
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["stranger", "finance", "other_guide"])
def test_others_get_404(cast: Cast, incident: Any, client_for: Any, make_user: Any, who: str) -> None:
    from apps.treks.tests.factories import GuideFactory

    actor = {
        "stranger": lambda: make_user(),
        "finance": lambda: cast.finance,
        "other_guide": lambda: GuideFactory().user,
    }[who]()
    client = client_for(actor)
    for action in ("", "acknowledge", "updates", "resolve", "false-alarm", "locations"):
        method = client.get if action == "" else client.post
        assert method(url(incident, action), {}, format="json").status_code == 404, action


def test_unauthenticated_is_401(incident: Any, client_for: Any) -> None:
    assert client_for(None).get(url(incident)).status_code == 401
    assert client_for(None).post(url(incident, "acknowledge")).status_code == 401


def test_add_a_note_and_change_status_through_updates(cast: Cast, incident: Any, client_for: Any) -> None:
    client = client_for(cast.ops)
    noted = client.post(url(incident, "updates"), {"note": "Helicopter requested"}, format="json")
    assert noted.status_code == 201
    assert noted.json()["timeline"][-1]["note"] == "Helicopter requested"
    assert noted.json()["status"] == "open"
    moved = client.post(url(incident, "updates"), {"status": "responding", "note": "Team on the way"}, format="json")
    assert moved.status_code == 201
    body = moved.json()
    assert body["status"] == "responding"
    assert body["acknowledged_by"]["id"] == str(cast.ops.pk)  # responding implies acknowledged
    assert [e["kind"] for e in client.get(url(incident, "updates")).json()][-2:] == ["note", "status_change"]


def test_updates_need_a_note_or_a_status(cast: Cast, incident: Any, client_for: Any) -> None:
    response = client_for(cast.ops).post(url(incident, "updates"), {"note": "  "}, format="json")
    assert response.status_code == 400


def test_illegal_moves_are_409(cast: Cast, incident: Any, client_for: Any) -> None:
    client = client_for(cast.ops)
    assert client.post(url(incident, "resolve"), {"resolution_notes": "Walked down"}, format="json").status_code == 200
    for body in ({"status": "open"}, {"status": "acknowledged"}, {"status": "false_alarm"}):
        response = client.post(url(incident, "updates"), body, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "invalid_transition"
    assert client.post(url(incident, "acknowledge")).status_code == 409
    assert client.post(url(incident, "false-alarm"), {}, format="json").status_code == 409
    # Notes can still be added to a closed incident.
    assert client.post(url(incident, "updates"), {"note": "Debrief done"}, format="json").status_code == 201


def test_the_state_machine(cast: Cast) -> None:
    for current, allowed in TRANSITIONS.items():
        for target in IncidentStatus.values:
            incident = IncidentFactory(trekker=cast.trekker, status=current)
            if target in allowed:
                incident_change_status(actor=cast.ops, incident=incident, status=target, note="n")
                incident.refresh_from_db()
                assert incident.status == target
            else:
                with pytest.raises(Exception, match="cannot become"):
                    incident_change_status(actor=cast.ops, incident=incident, status=target, note="n")


def test_resolve_needs_notes(cast: Cast, incident: Any, client_for: Any) -> None:
    client = client_for(cast.ops)
    assert client.post(url(incident, "resolve"), {}, format="json").status_code == 400
    assert client.post(url(incident, "updates"), {"status": "resolved"}, format="json").status_code == 400
    response = client.post(url(incident, "resolve"), {"resolution_notes": "Evacuated to Manali"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert body["resolution_notes"] == "Evacuated to Manali"
    assert body["resolved_by"]["id"] == str(cast.ops.pk)
    assert body["resolved_at"] is not None


def test_the_guide_resolves(cast: Cast, incident: Any, client_for: Any) -> None:
    response = client_for(incident.batch.guide.user).post(
        url(incident, "resolve"), {"resolution_notes": "Rested at camp"}, format="json"
    )
    assert response.status_code == 200


def test_the_trekker_cancels_as_false_alarm_and_contacts_hear_they_are_safe(
    cast: Cast, incident: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from apps.emergency.services.alerts import queue_incident_alerts

    queue_incident_alerts(incident)  # the SOS's first alert: the contacts were told
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.trekker).post(
            url(incident, "false-alarm"), {"note": "Pressed by mistake"}, format="json"
        )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "false_alarm"
    assert body["next_escalation_at"] is None
    safe = {m.to: m.text for m in sms.outbox if m.template == "emergency_contact_safe"}
    assert set(safe) == {"+919822222222", "+919833333333"}
    stood_down = {m.to for m in sms.outbox if m.template == "emergency_cancelled"}
    assert stood_down == {cast.ops.phone, cast.cs.phone, cast.admin.phone, incident.batch.guide.user.phone} - {None}
    assert "false alarm" in safe["+919822222222"]
    assert "safe" in safe["+919822222222"]
    # Asking again is refused and tells nobody anything more.
    assert client_for(cast.trekker).post(url(incident, "false-alarm"), {}, format="json").status_code == 409
    assert Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:safe", recipient__in=safe).count() == 2


def test_staff_mark_false_alarm(cast: Cast, incident: Any, client_for: Any) -> None:
    response = client_for(cast.cs).post(url(incident, "false-alarm"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["resolved_by"]["id"] == str(cast.cs.pk)


def test_resolving_tells_the_contacts_who_were_alerted_that_the_trekker_is_safe(
    cast: Cast, incident: Any, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queue_incident_alerts(incident)
    # Contacts change after the alert: the one removed was alerted and hears the all-clear, the one added does not.
    alerted_then_removed, kept = cast.contacts
    alerted_then_removed.delete()
    EmergencyContactFactory(user=cast.trekker, name="New", phone="+919899999999")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.ops).post(
            url(incident, "resolve"), {"resolution_notes": "Walked down"}, format="json"
        )
    assert response.status_code == 200
    safe = {m.to: m.text for m in sms.outbox if m.template == "emergency_contact_resolved"}
    assert set(safe) == {"+919822222222", "+919833333333"}
    assert "is safe" in safe[kept.phone]
    assert "false alarm" not in safe[kept.phone]
    # Responders are not stood down as for a false alarm: they handled it.
    assert not [m for m in sms.outbox if m.template == "emergency_cancelled"]


def test_resolving_an_incident_nobody_was_alerted_about_texts_nobody(
    cast: Cast, incident: Any, client_for: Any
) -> None:
    sms.outbox.clear()
    response = client_for(cast.ops).post(url(incident, "resolve"), {"resolution_notes": "Walked down"}, format="json")
    assert response.status_code == 200
    assert not Delivery.objects.filter(template="emergency_contact_resolved").exists()
