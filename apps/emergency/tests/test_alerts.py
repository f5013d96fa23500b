"""Who is alerted, once per recipient and channel, and never a second SMS to a contact for one incident."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from apps.emergency.services.alerts import _incident_context, queue_incident_alerts
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory
from apps.notifications.backends import push, sms
from apps.notifications.models import Delivery
from apps.notifications.rendering import render_email, render_push, render_sms
from apps.notifications.services import deliveries_sweep, delivery_send
from apps.notifications.services.delivery import _claim
from apps.notifications.tasks import deliver
from apps.notifications.tests.factories import DeviceFactory

MSG91_URL = "https://control.msg91.com/api/v5/flow"


@pytest.fixture
def incident(cast: Cast) -> Any:
    found = IncidentFactory(trekker=cast.trekker, batch__guide__user__phone="+919899999999")
    DeviceFactory(user=found.batch.guide.user)
    return found


def test_alerts_reach_contacts_guide_satellite_phone_staff_and_ops_list(
    cast: Cast, incident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    guide = incident.batch.guide
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_incident_alerts(incident) == 12
    recipients = Counter(
        (d.channel, d.recipient) for d in Delivery.objects.filter(dedupe_key=f"emergency:{incident.pk}:alert")
    )
    assert recipients[("sms", "+919899999999")] == 1  # the guide's phone
    assert recipients[("push", f"device:{guide.user.devices.get().pk}")] == 1
    assert recipients[("sms", guide.satellite_phone)] == 1
    assert recipients[("email", "ops-desk@example.com")] == 1
    assert sum(1 for channel, _ in recipients if channel == "sms") == 7  # 2 contacts, guide, satellite, 3 staff
    texts = {m.to: m.text for m in sms.outbox}
    contact = texts["+919822222222"]
    trek, batch = incident.batch.trek, incident.batch
    assert trek.name in contact
    assert f"{batch.start_date:%d %b}" in contact
    assert "maps.google.com/?q=32.318200,77.187400" in contact
    assert django_settings.OBS_OPS_PHONE in contact
    assert trek.name in texts[guide.satellite_phone]
    assert len(push.outbox) == 4  # guide + ops, cs, super admin


def test_queueing_again_adds_nothing(cast: Cast, incident: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queue_incident_alerts(incident)
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_incident_alerts(incident) == 0
    assert len(sms.outbox) == 7


def test_a_bad_satellite_number_does_not_stop_the_other_alerts(cast: Cast, incident: Any) -> None:
    incident.batch.guide.satellite_phone = "ask at base camp"
    incident.batch.guide.save()
    assert queue_incident_alerts(incident) == 11


def test_a_reporting_guide_is_not_alerted_about_their_own_report(cast: Cast, incident: Any) -> None:
    guide_user = incident.batch.guide.user
    queue_incident_alerts(incident, skip=guide_user)
    assert not Delivery.objects.filter(user=guide_user).exists()


def _contact_delivery(incident: Any) -> Delivery:
    return Delivery.objects.get(dedupe_key=f"emergency:{incident.pk}:alert", recipient="+919822222222")


def test_a_delivery_task_run_twice_sends_one_sms(cast: Cast, incident: Any) -> None:
    queue_incident_alerts(incident)  # no commit callbacks: the tasks are run by hand below
    delivery = _contact_delivery(incident)
    assert deliver.apply(args=(str(delivery.pk),)).get() == "sent"
    assert deliver.apply(args=(str(delivery.pk),)).get() == "skipped"
    assert [m.to for m in sms.outbox] == ["+919822222222"]


def test_a_worker_killed_mid_send_never_texts_a_contact_twice(
    cast: Cast, incident: Any, django_capture_on_commit_callbacks: Any
) -> None:
    queue_incident_alerts(incident)
    delivery = _contact_delivery(incident)
    _claim(str(delivery.pk))  # claimed and committed; the worker dies before recording the outcome
    staff_sms = Delivery.objects.get(dedupe_key=f"emergency:{incident.pk}:alert", recipient=cast.ops.phone)
    _claim(str(staff_sms.pk))
    later = timezone.now() + timedelta(seconds=django_settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = deliveries_sweep(now=later)
    assert counts["unknown_failed"] == 1
    assert counts["unknown_requeued"] == 1
    assert counts["requeued"] == 10  # the rest were never picked up: sent now
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "outcome unknown" in delivery.last_error
    # The redelivered task (acks_late) finds the row settled and sends nothing.
    assert delivery_send(delivery_id=str(delivery.pk)) == "skipped"
    assert "+919822222222" not in [m.to for m in sms.outbox]
    # A responder's alert is sent again: a duplicate to staff beats a missing one.
    staff_sms.refresh_from_db()
    assert staff_sms.status == "sent"
    assert Counter(m.to for m in sms.outbox) == Counter(
        {
            "+919833333333": 1,
            cast.ops.phone: 1,
            cast.cs.phone: 1,
            cast.admin.phone: 1,
            "+919899999999": 1,
            incident.batch.guide.satellite_phone: 1,
        }
    )


@pytest.fixture
def msg91(settings: Any) -> Any:
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.sms.MSG91SMSBackend"
    settings.MSG91_AUTH_KEY = "test-auth-key"
    settings.MSG91_DEFAULT_TEMPLATE_ID = "tmpl-default"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


def test_a_provider_timeout_is_not_retried_for_a_contact(cast: Cast, incident: Any, msg91: Any) -> None:
    """No answer from the provider: the text may have gone out, so a contact is not texted again."""
    msg91.add(responses.POST, MSG91_URL, body=requests.ReadTimeout("read timed out"))
    queue_incident_alerts(incident)
    delivery = _contact_delivery(incident)
    assert delivery_send(delivery_id=str(delivery.pk)) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "outcome unknown" in delivery.last_error
    assert len(msg91.calls) == 1


def test_a_provider_timeout_is_retried_for_staff(cast: Cast, incident: Any, msg91: Any) -> None:
    msg91.add(responses.POST, MSG91_URL, body=requests.ReadTimeout("read timed out"))
    queue_incident_alerts(incident)
    delivery = Delivery.objects.get(dedupe_key=f"emergency:{incident.pk}:alert", recipient=cast.ops.phone)
    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    delivery.refresh_from_db()
    assert delivery.status == "queued"


def test_a_refused_connection_is_retried_for_a_contact(cast: Cast, incident: Any, msg91: Any) -> None:
    """The request never reached the provider: nothing was sent, so trying again cannot duplicate."""
    msg91.add(responses.POST, MSG91_URL, body=requests.ConnectionError("refused"))
    msg91.add(responses.POST, MSG91_URL, json={"type": "success", "message": "abc"})
    queue_incident_alerts(incident)
    delivery = _contact_delivery(incident)
    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert delivery_send(delivery_id=str(delivery.pk)) == "sent"
    assert len(msg91.calls) == 2


# --- a delayed SOS says when it was raised and when it arrived ------------------------------------------

RAISED_UTC = datetime(2026, 11, 29, 18, 55, tzinfo=UTC)  # 30 Nov 00:25 IST, when the phone raised it
ARRIVED_UTC = datetime(2026, 11, 29, 21, 55, tzinfo=UTC)  # 30 Nov 03:25 IST, when it reached the server
RAISED_IST, ARRIVED_IST = "30 Nov 2026 00:25 IST", "30 Nov 2026 03:25 IST"
TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"
RENDERERS = {"sms": render_sms, "push": render_push, "email": render_email}


def _templates_mentioning_delay() -> list[tuple[str, str]]:
    """Every (channel, template) whose text depends on ``delayed``: found in the files, not listed by hand."""
    found = []
    for path in sorted(TEMPLATES_DIR.glob("*/*.txt")):
        if re.search(r"{%\s*if\s+delayed\b", path.read_text()):
            found.append((path.parent.name, path.stem))
    return found


def test_the_templates_mentioning_delay_are_found() -> None:
    assert ("sms", "emergency_alert") in _templates_mentioning_delay()


@pytest.mark.parametrize(("channel", "name"), _templates_mentioning_delay())
def test_every_delayed_text_names_the_raise_time_and_the_arrival_time(
    cast: Cast, channel: str, name: str, make_user: Any
) -> None:
    delayed = IncidentFactory(trekker=cast.trekker, device_time=RAISED_UTC, received_at=ARRIVED_UTC, delayed=True)
    text = RENDERERS[channel](name, _incident_context(delayed))
    full = f"{text.title}\n{text.body}"
    assert f"raised {RAISED_IST}" in full or f"raised on the device {RAISED_IST}" in full, full
    assert f"arrived {ARRIVED_IST}" in full, full

    on_time = IncidentFactory(trekker=make_user(), device_time=ARRIVED_UTC, received_at=ARRIVED_UTC, delayed=False)
    text = RENDERERS[channel](name, _incident_context(on_time))
    assert "delayed" not in f"{text.title}\n{text.body}".lower()
    assert "arrived" not in text.body


def test_a_delayed_sos_texts_the_raise_time_not_only_the_arrival_time(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(ARRIVED_UTC, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.trekker).post(
            "/api/v1/emergency/sos/",
            {"latitude": 30.1, "longitude": 78.2, "client_created_at": RAISED_UTC.isoformat()},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert response.status_code == 201, response.json()
    assert response.json()["delayed"] is True
    staff_sms = {m.to: m.text for m in sms.outbox}[cast.ops.phone]
    assert f"(DELAYED: raised {RAISED_IST}, arrived {ARRIVED_IST})" in staff_sms
    assert f"sent {ARRIVED_IST}" not in staff_sms
    (ops_mail,) = [m for m in mail.outbox if "ops-desk@example.com" in m.to]
    assert f"raised on the device {RAISED_IST}, arrived {ARRIVED_IST}" in ops_mail.body
    assert any(f"raised {RAISED_IST}, arrived {ARRIVED_IST}" in m.body for m in push.outbox)
