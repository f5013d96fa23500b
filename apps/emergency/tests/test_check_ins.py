"""Overdue check-ins with frozen time: armed, checked in, the alarm once (and only once, under retries and two
workers at once), its escalation, the late check-in that closes it as a false alarm; the missed camp check-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from apps.bookings.models import CampCheckIn
from apps.common.models import AuditLog
from apps.emergency.models import CheckIn, Incident, IncidentStatus, MissedCampCheckIn
from apps.emergency.services import camp_check_ins_missed, check_ins_raise_overdue, checkin_arm, checkin_complete
from apps.emergency.tasks import escalate, missed_camp_check_ins, overdue_check_ins
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.test_guide_reports import confirmed_booking
from apps.emergency.throttles import CheckInArmThrottle
from apps.notifications.models import Delivery
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory

URL = "/api/v1/emergency/check-ins/"
IST = ZoneInfo("Asia/Kolkata")
START = datetime(2026, 10, 12, 9, 0, tzinfo=IST)


def _on_trek(trekker: Any, start: datetime = START) -> Batch:
    """``trekker`` booked and paid (through the bookings services) on a departure that then starts on ``start``."""
    guide = GuideFactory(user__phone="+919899999999", satellite_phone="+881631234567")
    batch = BatchFactory(guide=guide)
    confirmed_booking(trekker, batch)
    Batch.objects.filter(pk=batch.pk).update(start_date=start.date(), end_date=start.date() + timedelta(days=5))
    batch.refresh_from_db()
    return batch


def _sms(key: str) -> dict[str, str]:
    return {d.recipient: d.template for d in Delivery.objects.filter(dedupe_key=key, channel="sms")}


def test_arming_needs_a_departure_under_way_and_a_time_ahead(cast: Cast, client_for: Any) -> None:
    client = client_for(cast.trekker)
    body = {"place": "Juda ka Talab", "expected_at": (timezone.now() + timedelta(hours=3)).isoformat()}
    assert client.post(URL, body, format="json").json()["error"]["code"] == "not_on_trek"
    confirmed_booking(cast.trekker, BatchFactory(start_date=timezone.localdate() + timedelta(days=3)))
    assert client.post(URL, body, format="json").json()["error"]["code"] == "not_on_trek"  # not started yet
    _on_trek(cast.trekker, start=timezone.localtime())
    past = {**body, "expected_at": (timezone.now() - timedelta(minutes=1)).isoformat()}
    assert client.post(URL, past, format="json").status_code == 400
    far = {**body, "expected_at": (timezone.now() + timedelta(days=3)).isoformat()}
    assert client.post(URL, far, format="json").status_code == 400
    assert client.post(URL, {**body, "latitude": 30.9}, format="json").status_code == 400
    armed = client.post(URL, body, format="json")
    assert armed.status_code == 201, armed.content
    assert armed.json()["status"] == "armed"
    assert client.post(URL, body, format="json").json()["error"]["code"] == "check_in_already_armed"
    assert AuditLog.objects.filter(action="checkin.armed", actor_id=cast.trekker.pk).count() == 1
    assert client.post(f"{URL}check-in/").json()["status"] == "checked_in"
    assert client.post(f"{URL}check-in/").json()["error"]["code"] == "no_armed_check_in"


def test_checking_in_in_time_disarms(cast: Cast) -> None:
    _on_trek(cast.trekker)
    with time_machine.travel(START, tick=False) as clock:
        checkin_arm(user=cast.trekker, place="Juda ka Talab", expected_at=START + timedelta(hours=2))
        clock.shift(timedelta(hours=2, minutes=10))
        assert checkin_complete(user=cast.trekker).status == CheckIn.Status.CHECKED_IN
        clock.shift(timedelta(hours=1))
        assert overdue_check_ins.apply().get() == 0
    assert not Incident.objects.exists()


def test_the_alarm_fires_once_escalates_and_a_late_check_in_closes_it_with_everyone_told(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    batch = _on_trek(cast.trekker)
    guide_user = batch.guide.user
    with time_machine.travel(START, tick=False) as clock:
        check_in = checkin_arm(
            user=cast.trekker,
            place="Juda ka Talab",
            expected_at=START + timedelta(hours=2),
            latitude=30.9951,
            longitude=78.0012,
            alert_contacts=True,
        )
        clock.shift(timedelta(hours=2, minutes=29, seconds=59))  # the grace is 30 minutes
        assert overdue_check_ins.apply().get() == 0
        clock.shift(timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert overdue_check_ins.apply().get() == 1
            assert overdue_check_ins.apply().get() == 0  # a retry, or the next beat run
        incident = Incident.objects.get()
        check_in.refresh_from_db()
        assert (check_in.status, check_in.incident_id) == ("overdue", incident.pk)
        assert (incident.kind, incident.source, incident.status) == ("overdue", "check_in", "open")
        assert str(incident.latitude) == "30.995100"
        assert incident.location_at == START  # where and when it was armed: the last known location
        assert "Juda ka Talab" in incident.message
        alerted = _sms(f"emergency:{incident.pk}:alert")
        assert alerted[guide_user.phone] == "emergency_overdue_alert"
        assert alerted[cast.ops.phone] == "emergency_overdue_alert"
        assert alerted[batch.guide.satellite_phone] == "emergency_overdue_alert"
        assert {alerted[c.phone] for c in cast.contacts} == {"emergency_overdue_contact_alert"}
        assert AuditLog.objects.filter(action="checkin.missed", actor_id=None).count() == 1
        assert AuditLog.objects.get(action="incident.raised", target_id=str(incident.pk)).actor_id is None

        clock.shift(timedelta(seconds=settings.EMERGENCY_ESCALATE_AFTER_SECONDS))
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate.apply().get() == 1  # the SOS path: escalation until acknowledged

        clock.shift(timedelta(minutes=20))
        with django_capture_on_commit_callbacks(execute=True):
            late = checkin_complete(user=cast.trekker)
        assert late.status == "checked_in_late"
        incident.refresh_from_db()
        assert incident.status == IncidentStatus.FALSE_ALARM
        assert incident.next_escalation_at is None
        safe = _sms(f"emergency:{incident.pk}:safe")
        assert {safe[c.phone] for c in cast.contacts} == {"emergency_overdue_safe"}
        assert safe[guide_user.phone] == safe[cast.ops.phone] == "emergency_overdue_cancelled"


def test_contacts_hear_nothing_unless_the_trekker_chose_so(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    _on_trek(cast.trekker)
    with time_machine.travel(START, tick=False) as clock:
        checkin_arm(user=cast.trekker, place="Bugyal", expected_at=START + timedelta(hours=1))
        clock.shift(timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            assert check_ins_raise_overdue() == 1
        incident = Incident.objects.get()
        assert incident.latitude is None  # armed without a location and no camp check-in: unknown
        phones = {c.phone for c in cast.contacts}
        assert not phones & set(_sms(f"emergency:{incident.pk}:alert"))
        assert cast.ops.phone in _sms(f"emergency:{incident.pk}:alert")
        with django_capture_on_commit_callbacks(execute=True):
            checkin_complete(user=cast.trekker)
        assert not phones & set(_sms(f"emergency:{incident.pk}:safe"))  # not told it ended: never told it began


def test_a_guide_arms_for_their_departure_and_the_last_camp_is_the_known_location(cast: Cast) -> None:
    batch = _on_trek(cast.trekker)
    guide_user = batch.guide.user
    CampCheckIn.objects.create(
        batch=batch, camp="Juda ka Talab", day=START.date(), latitude="30.9951", longitude="78.0012",
        posted_by=guide_user, posted_at=START - timedelta(hours=1),
    )  # fmt: skip
    with time_machine.travel(START, tick=False) as clock:
        checkin_arm(user=guide_user, place="Kedarkantha base", expected_at=START + timedelta(hours=3))
        clock.shift(timedelta(hours=4))
        assert check_ins_raise_overdue() == 1
    incident = Incident.objects.get()
    assert (incident.trekker_id, incident.batch_id) == (guide_user.pk, batch.pk)
    assert (str(incident.latitude), incident.location_at) == ("30.995100", START - timedelta(hours=1))
    alerted = _sms(f"emergency:{incident.pk}:alert")
    assert guide_user.phone not in alerted  # the missing guide is not paged about themselves
    assert cast.ops.phone in alerted


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_open_one_incident(race: Any, make_user: Any) -> None:
    trekker = make_user(phone="+919811111111")
    _on_trek(trekker)
    make_user(staff_role="ops_manager", phone="+919844444444")
    with time_machine.travel(START, tick=False):
        checkin_arm(user=trekker, place="Juda ka Talab", expected_at=START + timedelta(hours=1))
    late = START + timedelta(hours=3)
    ahead = late + timedelta(minutes=7)  # one worker's clock runs ahead of the other's
    outcomes = race(*(partial(check_ins_raise_overdue, now=now) for now in (late, ahead, late, ahead)))
    assert sorted(outcomes) == [0, 0, 0, 1]
    assert Incident.objects.count() == 1
    assert AuditLog.objects.filter(action="checkin.missed").count() == 1


def test_arming_is_rate_limited(cast: Cast, client_for: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(CheckInArmThrottle, "rate", "2/hour", raising=False)
    _on_trek(cast.trekker, start=timezone.localtime())
    client = client_for(cast.trekker)
    body = {"place": "Camp", "expected_at": (timezone.now() + timedelta(hours=1)).isoformat()}
    assert client.post(URL, body, format="json").status_code == 201
    assert client.post(f"{URL}check-in/").status_code == 200
    assert client.post(URL, body, format="json").status_code == 201
    throttled = client.post(URL, body, format="json")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    assert client.get(URL).status_code == 200  # reading is not limited


def test_a_missed_camp_check_in_alerts_ops_once_per_day(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR = 19
    silent = _on_trek(cast.trekker, start=START - timedelta(days=1))
    posted = BatchFactory(guide=GuideFactory(), start_date=silent.start_date, end_date=silent.end_date)
    CampCheckIn.objects.create(
        batch=posted, camp="Bugyal", day=START.date(), posted_by=posted.guide.user, posted_at=START
    )
    BatchFactory(start_date=START.date(), end_date=START.date() + timedelta(days=4), status="cancelled")
    evening = START.replace(hour=18, minute=59)
    with time_machine.travel(evening, tick=False) as clock:
        assert missed_camp_check_ins.apply().get() == 0
        clock.shift(timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert missed_camp_check_ins.apply().get() == 1
            assert camp_check_ins_missed() == 0  # the next run, or a retry
    assert MissedCampCheckIn.objects.get().batch_id == silent.pk
    key = f"camp:{silent.pk}:{START.date().isoformat()}:missed"
    assert _sms(key) == dict.fromkeys([cast.ops.phone, cast.cs.phone, cast.admin.phone], "camp_check_in_missed")
    assert Delivery.objects.filter(dedupe_key=key, channel="email", recipient="ops-desk@example.com").exists()
    assert AuditLog.objects.filter(action="batch.camp_check_in_missed", target_id=str(silent.pk)).count() == 1
