"""End to end through the notifications app: codes and links really go out, on commit, and never into logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from apps.notifications.backends import sms
from apps.notifications.models import Delivery
from apps.notifications.signals import on_account_message
from apps.users import sending
from apps.users.signals import account_message

pytestmark = pytest.mark.django_db

NUMBER = "+919812345678"


@pytest.fixture
def sent() -> None:
    """Overrides the capturing fixture of conftest.py: here the real ``notify()`` runs."""
    return None


@pytest.fixture(autouse=True)
def _empty_outboxes() -> Iterator[None]:
    sms.outbox.clear()
    mail.outbox.clear()
    yield
    sms.outbox.clear()


def test_otp_goes_out_by_sms_on_commit_and_is_never_logged(
    api_client: Any, django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post("/api/v1/auth/otp/send/", {"phone": "98123 45678"}, format="json")
        assert not sms.outbox, "nothing is sent before the transaction commits"
    assert response.status_code == 202
    assert callbacks
    (message,) = sms.outbox
    assert message.to == NUMBER
    assert message.template == "otp"
    code = re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]
    delivery = Delivery.objects.get(channel="sms", recipient=NUMBER)
    assert delivery.category == "security"
    assert delivery.sensitive
    assert delivery.user is None

    verify = api_client.post("/api/v1/auth/otp/verify/", {"phone": NUMBER, "code": code}, format="json")
    assert verify.status_code == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert code not in logged
    assert NUMBER not in logged


def test_registration_mails_a_working_verification_link(
    api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/", {"email": "new@example.com", "password": "Kedarkantha-2026"}, format="json"
        )
    assert response.status_code == 201
    (email,) = mail.outbox
    assert email.to == ["new@example.com"]
    assert "Confirm your e-mail" in email.subject
    link = re.search(r"https?://\S+", email.body).group(0)  # type: ignore[union-attr]
    token = parse_qs(urlparse(link).query)["token"][0]
    assert api_client.post("/api/v1/auth/email/verify/", {"token": token}).json()["email_verified"] is True


def test_password_reset_mail_only_for_known_addresses(
    api_client: Any, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        unknown = api_client.post("/api/v1/auth/password/reset/", {"email": "nobody@example.com"})
    assert not mail.outbox
    assert not Delivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post("/api/v1/auth/password/reset/", {"email": user.email})
    assert known.json() == unknown.json()
    (email,) = mail.outbox
    assert email.to == [user.email]
    link = re.search(r"https?://\S+", email.body).group(0)  # type: ignore[union-attr]
    params = {key: values[0] for key, values in parse_qs(urlparse(link).query).items()}
    confirm = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {**params, "new_password": "Chadar-Trek-2027!"}, format="json"
    )
    assert confirm.status_code == 200
    delivery = Delivery.objects.get(channel="email")
    assert delivery.sensitive
    assert delivery.category == "security"


def test_a_message_nobody_delivers_is_an_error_not_silence() -> None:
    assert account_message.disconnect(dispatch_uid="notifications.on_account_message")
    try:
        with pytest.raises(ImproperlyConfigured):
            sending.send_otp_sms(phone=NUMBER, code="123456", purpose="login")
    finally:
        account_message.connect(on_account_message, dispatch_uid="notifications.on_account_message")
