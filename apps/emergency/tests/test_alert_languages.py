"""An SOS reaches each emergency contact in the contact's own language (not the trekker's, not the request's)."""

from __future__ import annotations

import uuid
from typing import Any

from apps.emergency.services.alerts import queue_incident_alerts
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory
from apps.notifications.backends import sms
from apps.notifications.models import Delivery

HINDI_CONTACT, ENGLISH_CONTACT = "+919822222222", "+919833333333"


def _contact_languages(cast: Cast) -> None:
    asha, ravi = cast.contacts
    asha.language, ravi.language = "hi", "en"
    asha.save(update_fields=["language"])
    ravi.save(update_fields=["language"])


def _has_devanagari(text: str) -> bool:
    return any("\u0900" <= ch <= "\u097f" for ch in text)


def test_an_sos_texts_a_hindi_contact_in_hindi_and_an_english_contact_in_english(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _contact_languages(cast)
    assert cast.trekker.language == "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.trekker).post(
            "/api/v1/emergency/sos/",
            {"latitude": 30.1, "longitude": 78.2},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            HTTP_ACCEPT_LANGUAGE="en",  # the trekker's app asks in English: the contacts' language still rules
        )
    assert response.status_code == 201, response.json()
    texts = {m.to: m for m in sms.outbox if m.template == "emergency_contact_alert"}
    hindi, english = texts[HINDI_CONTACT], texts[ENGLISH_CONTACT]
    trekker_name = cast.trekker.get_full_name()

    assert hindi.language == "hi"
    assert hindi.unicode
    assert hindi.text.startswith("ज़रूरी सूचना, OBS Experiences से:")
    assert f"{trekker_name} ने" in hindi.text
    assert "SOS भेजा है" in hindi.text
    assert "maps.google.com/?q=30.100000,78.200000" in hindi.text

    assert english.language == "en"
    assert not english.unicode
    assert english.text.startswith("URGENT from OBS Experiences:")
    assert not _has_devanagari(english.text)

    rows = {d.recipient: d for d in Delivery.objects.filter(template="emergency_contact_alert")}
    assert rows[HINDI_CONTACT].language == "hi"
    assert rows[HINDI_CONTACT].sms_encoding == "ucs2"
    assert rows[ENGLISH_CONTACT].language == "en"
    assert rows[ENGLISH_CONTACT].sms_encoding == "gsm7"
    assert rows[HINDI_CONTACT].sms_segments >= 2  # a Hindi SOS text is longer than one 70-unit UCS-2 part


def test_the_safe_message_follows_each_contacts_language(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _contact_languages(cast)
    incident = IncidentFactory(trekker=cast.trekker, next_escalation_at="2030-01-01T00:00:00Z")
    queue_incident_alerts(incident)  # the first alert: the contacts were told, so they hear it is over
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.trekker).post(
            f"/api/v1/emergency/incidents/{incident.pk}/false-alarm/", {}, format="json", HTTP_ACCEPT_LANGUAGE="hi"
        )
    assert response.status_code == 200
    safe = {m.to: m.text for m in sms.outbox if m.template == "emergency_contact_safe"}
    assert "झूठा अलार्म था; वे सुरक्षित हैं" in safe[HINDI_CONTACT]
    assert "was a false alarm; they are safe" in safe[ENGLISH_CONTACT]
    # Staff keep their own language (English here), whatever the trekker's request asked for.
    stood_down = [m.text for m in sms.outbox if m.template == "emergency_cancelled"]
    assert stood_down
    assert not any(_has_devanagari(text) for text in stood_down)


def test_a_staff_member_who_prefers_hindi_is_paged_in_hindi(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cast.ops.language = "hi"
    cast.ops.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.trekker).post(
            "/api/v1/emergency/sos/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
    paged = {m.to: m.text for m in sms.outbox if m.template == "emergency_alert"}
    assert "ऑप्स ऐप में स्वीकार करें" in paged[cast.ops.phone]
    assert "Acknowledge in the ops app" in paged[cast.cs.phone]
