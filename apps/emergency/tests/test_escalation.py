"""Escalation with frozen time: fires after 5 minutes, repeats every 5, stops on acknowledgement."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import time_machine
from django.utils import timezone

from apps.emergency.models import Incident, IncidentStatus
from apps.emergency.services import IncidentReport, incident_acknowledge, incident_report_sos
from apps.emergency.tasks import escalate
from apps.emergency.tests.conftest import Cast
from apps.notifications.backends import sms
from apps.notifications.models import Delivery


def _escalation_sms(incident: Incident) -> list[str]:
    prefix = f"emergency:{incident.pk}:escalation:"
    return sorted(d.recipient for d in Delivery.objects.filter(dedupe_key__startswith=prefix, channel="sms"))


def test_escalation_fires_repeats_and_stops_on_acknowledgement(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        incident, _ = incident_report_sos(trekker=cast.trekker, key=uuid.uuid4(), report=IncidentReport())
        sms.outbox.clear()

        clock.shift(timedelta(minutes=4, seconds=59))
        assert escalate.apply().get() == 0

        clock.shift(timedelta(seconds=1))  # 5 minutes, nobody acknowledged
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate.apply().get() == 1
        incident.refresh_from_db()
        assert incident.escalation_count == 1
        assert incident.next_escalation_at == start + timedelta(minutes=10)
        # Ops managers and super admins (not CS, not finance), and the ops list.
        assert _escalation_sms(incident) == sorted([cast.ops.phone, cast.admin.phone])
        assert Delivery.objects.filter(
            dedupe_key=f"emergency:{incident.pk}:escalation:1", channel="email", recipient="ops-desk@example.com"
        ).exists()
        assert {m.to for m in sms.outbox} == {cast.ops.phone, cast.admin.phone}
        assert "NOT ACKNOWLEDGED" in sms.outbox[0].text

        clock.shift(timedelta(minutes=2))  # a beat run in between escalates nothing
        assert escalate.apply().get() == 0

        clock.shift(timedelta(minutes=3))  # 10 minutes: again
        assert escalate.apply().get() == 1
        incident.refresh_from_db()
        assert incident.escalation_count == 2
        assert len(_escalation_sms(incident)) == 4

        incident_acknowledge(actor=cast.cs, incident=incident)
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.ACKNOWLEDGED
        assert incident.next_escalation_at is None

        for _ in range(3):
            clock.shift(timedelta(minutes=5))
            assert escalate.apply().get() == 0
        incident.refresh_from_db()
        assert incident.escalation_count == 2
        assert len(_escalation_sms(incident)) == 4


def test_false_alarm_stops_escalation(cast: Cast) -> None:
    from apps.emergency.services import incident_mark_false_alarm

    with time_machine.travel(timezone.now(), tick=False) as clock:
        incident, _ = incident_report_sos(trekker=cast.trekker, key=uuid.uuid4(), report=IncidentReport())
        incident_mark_false_alarm(actor=cast.trekker, incident=incident)
        clock.shift(timedelta(minutes=30))
        assert escalate.apply().get() == 0


def test_the_delay_is_a_setting(cast: Cast, settings: Any) -> None:
    settings.EMERGENCY_ESCALATE_AFTER_SECONDS = 60
    settings.EMERGENCY_ESCALATE_EVERY_SECONDS = 120
    with time_machine.travel(timezone.now(), tick=False) as clock:
        incident_report_sos(trekker=cast.trekker, key=uuid.uuid4(), report=IncidentReport())
        clock.shift(timedelta(seconds=60))
        assert escalate.apply().get() == 1
        clock.shift(timedelta(seconds=119))
        assert escalate.apply().get() == 0
        clock.shift(timedelta(seconds=1))
        assert escalate.apply().get() == 1
