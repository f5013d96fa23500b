"""Demo incidents: one resolved with its timeline, one open with pings; seeded history alerts nobody."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from apps.emergency.models import Incident, IncidentStatus
from apps.notifications.models import Delivery


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
