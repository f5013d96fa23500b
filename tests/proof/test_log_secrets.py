"""Run the real sign-in flows with every logger at DEBUG and check no secret reaches the logs:
OTP codes, access/refresh tokens, passwords, reset tokens, full phone numbers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from rest_framework.test import APIClient

from apps.notifications.backends import sms

pytestmark = pytest.mark.django_db(transaction=True)  # notifications go out on commit

PASSWORD = "Secret-Summit-Pass-2026"
NEW_PASSWORD = "Other-Summit-Pass-2027"
PHONE = "+919876501234"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text} {record.__dict__!r}")


@pytest.fixture
def captured_logs() -> Iterator[_Capture]:
    handler = _Capture()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    previous = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger, level in previous:
            logger.removeHandler(handler)
            logger.setLevel(level)


def _code_from_sms(phone: str) -> str:
    texts = [m.text for m in sms.outbox if m.to == phone]
    assert texts, "a code was texted"
    found = re.search(r"\b(\d{6})\b", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def test_no_secret_reaches_the_logs(captured_logs: _Capture) -> None:
    sms.outbox.clear()
    client = APIClient()
    secrets: dict[str, str] = {"password": PASSWORD, "new password": NEW_PASSWORD}

    registered = client.post(
        "/api/v1/auth/register/", {"email": "quiet@example.com", "password": PASSWORD}, format="json"
    ).json()
    assert (
        client.post(
            "/api/v1/auth/login/", {"email": "quiet@example.com", "password": "Wrong-" + PASSWORD}, format="json"
        ).status_code
        == 401
    )
    login = client.post("/api/v1/auth/login/", {"email": "quiet@example.com", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    pair = login.json()
    refreshed = client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed['access']}")
    assert client.post("/api/v1/auth/logout/", {"refresh": refreshed["refresh"]}, format="json").status_code == 204
    for name, token in [
        ("register access", registered["access"]),
        ("access", pair["access"]),
        ("refresh", pair["refresh"]),
        ("rotated refresh", refreshed["refresh"]),
    ]:
        secrets[name] = token
        secrets[f"{name} signature"] = token.rsplit(".", 1)[1]

    anonymous = APIClient()
    assert anonymous.post("/api/v1/auth/otp/send/", {"phone": PHONE}, format="json").status_code == 202
    code = _code_from_sms(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    anonymous.post("/api/v1/auth/otp/verify/", {"phone": PHONE, "code": wrong}, format="json")
    verified = anonymous.post("/api/v1/auth/otp/verify/", {"phone": PHONE, "code": code}, format="json")
    assert verified.status_code == 200, verified.content
    secrets["otp code"] = code
    secrets["otp session token"] = verified.json()["access"].rsplit(".", 1)[1]
    secrets["full phone number"] = PHONE
    secrets["national phone number"] = PHONE[3:]

    mail.outbox.clear()
    assert (
        anonymous.post("/api/v1/auth/password/reset/", {"email": "quiet@example.com"}, format="json").status_code == 202
    )
    links = re.findall(r"https?://\S+", mail.outbox[-1].body)
    query = next(parse_qs(urlparse(link).query) for link in links if "token" in link)
    secrets["reset token"] = query["token"][0]
    confirmed = anonymous.post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": query["uid"][0], "token": query["token"][0], "new_password": NEW_PASSWORD},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.content

    assert captured_logs.lines, "the flows logged something (the capture works)"
    leaks = [
        f"{name} in: {line[:200]}"
        for name, value in secrets.items()
        for line in captured_logs.lines
        if value and value in line
    ]
    assert not leaks, "secrets in logs:\n" + "\n".join(leaks)
