"""Messages in the recipient's language; SMS parts counted as GSM-7 or UCS-2."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from apps.notifications.backends import sms
from apps.notifications.models import Delivery, Notification
from apps.notifications.rendering import render_email, render_sms
from apps.notifications.services import delivery_send, notify
from apps.notifications.sms_length import GSM7, UCS2, sms_length
from apps.users.models import User

OTP = {"code": "123456", "minutes": 5}


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # extension characters take two septets
        ("[" * 81, GSM7, 162, 2),
        ("क" * 70, UCS2, 70, 1),
        ("क" * 71, UCS2, 71, 2),
        ("क" * 134, UCS2, 134, 2),
        ("क" * 135, UCS2, 135, 3),
        ("a" * 69 + "₹", UCS2, 70, 1),  # one non-GSM character turns the whole text into UCS-2
        ("😀" * 35, UCS2, 70, 1),  # outside the BMP: two UTF-16 units each
    ],
)
def test_sms_length(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_rendering_picks_the_language_and_falls_back_to_english(caplog: Any) -> None:
    assert render_sms("otp", OTP, "hi").body.startswith("123456 आपका OBS Experiences सत्यापन कोड है।")
    assert render_sms("otp", OTP, "en").body.startswith("123456 is your OBS Experiences verification code.")
    assert render_sms("otp", OTP, "hi-IN").body == render_sms("otp", OTP, "hi").body
    assert render_sms("otp", OTP, "fr").body == render_sms("otp", OTP).body
    email = render_email("password_reset", {"name": "Asha", "link": "https://x.test/r", "minutes": 30}, "hi")
    assert email.title == "अपना OBS Experiences पासवर्ड बदलें"
    assert "30 मिनट" in email.body


def test_a_template_without_its_twin_goes_out_in_english(settings: Any, tmp_path: Any, caplog: Any) -> None:
    (tmp_path / "sms").mkdir()
    (tmp_path / "sms" / "only_english.txt").write_text("Hello {{ name }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    assert render_sms("only_english", {"name": "Ravi"}, "hi").body == "Hello Ravi"
    assert "no hi twin of sms/only_english.txt" in caplog.text


def test_a_users_messages_and_inbox_are_in_the_users_language(make_user: Any) -> None:
    user: User = make_user(phone="+919811111111", language="hi")
    (delivery,) = notify(
        template="booking_confirmed",
        category="booking",
        context={"booking_reference": "OBS-1", "trek_name": "Hampta Pass", "start_date": "1 Jun", "first_name": "A"},
        user=user,
        channels=["sms", "inbox"],
    )
    assert delivery.language == "hi"
    inbox = Notification.objects.get(user=user)
    assert inbox.title == "बुकिंग पक्की"
    assert delivery_send(delivery_id=str(delivery.pk)) == "sent"
    (sent,) = sms.outbox
    assert sent.text == "OBS: Hampta Pass (1 Jun) के लिए बुकिंग OBS-1 पक्की हो गई है।"
    assert sent.unicode
    assert sent.language == "hi"
    delivery.refresh_from_db()
    assert (delivery.sms_encoding, delivery.sms_segments) == (UCS2, sms_length(sent.text).segments)


@pytest.mark.django_db
def test_a_raw_recipient_gets_the_language_named_else_english() -> None:
    (named,) = notify(template="otp", category="security", context=OTP, phone="+919822222222", language="hi")
    (unnamed,) = notify(template="otp", category="security", context=OTP, phone="+919833333333")
    assert (named.language, unnamed.language) == ("hi", "en")
    with pytest.raises(ValueError, match="language"):
        notify(template="otp", category="security", context=OTP, phone="+919844444444", language="fr")


@responses.activate
@pytest.mark.django_db
def test_msg91_gets_the_unicode_flag_and_the_hindi_template_id(settings: Any) -> None:
    settings.NOTIFICATIONS_SMS_BACKEND = "apps.notifications.backends.sms.MSG91SMSBackend"
    settings.MSG91_AUTH_KEY = "key"
    settings.MSG91_TEMPLATE_IDS = {"otp": "tpl-en", "hi/otp": "tpl-hi"}
    url = f"{settings.MSG91_BASE_URL.rstrip('/')}/api/v5/flow"
    responses.post(url, json={"type": "success", "message": "id-1"})
    for language in ("hi", "en"):
        (delivery,) = notify(template="otp", category="security", context=OTP, phone="+919822222222", language=language)
        assert delivery_send(delivery_id=str(delivery.pk)) == "sent"
    hindi, english = (json.loads(call.request.body) for call in responses.calls)
    assert (hindi["template_id"], hindi.get("unicode")) == ("tpl-hi", 1)
    assert (english["template_id"], "unicode" in english) == ("tpl-en", False)
    assert Delivery.objects.filter(sms_encoding=UCS2).count() == 1
