from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail

from apps.notifications.backends import DeliveryError, InvalidRecipient, PermanentDeliveryError
from apps.notifications.backends.push import FCMPushBackend
from apps.notifications.backends.sms import ConsoleSMSBackend, MSG91SMSBackend
from apps.notifications.models import Delivery, Device
from apps.notifications.services import delivery_send, notify
from apps.notifications.tests.factories import DeliveryFactory, DeviceFactory
from apps.users.tests.factories import UserFactory

MSG91_URL = "https://control.msg91.com/api/v5/flow"
TOKEN_URL = "https://oauth2.googleapis.com/token"
FCM_URL = "https://fcm.googleapis.com/v1/projects/obs-test/messages:send"


# --- MSG91 ---------------------------------------------------------------------------------------------------


@pytest.fixture
def msg91_settings(settings: Any) -> Any:
    settings.MSG91_AUTH_KEY = "auth-123"
    settings.MSG91_SENDER_ID = "OBSEXP"
    settings.MSG91_TEMPLATE_IDS = {"otp": "tmpl-otp"}
    settings.MSG91_DEFAULT_TEMPLATE_ID = ""
    return settings


@responses.activate
def test_msg91_sends_the_flow_request(msg91_settings: Any) -> None:
    responses.add(responses.POST, MSG91_URL, json={"type": "success", "message": "req-1"})
    result = MSG91SMSBackend().send(
        to="+919812345678", text="493817 is your code", template="otp", context={"code": "493817"}, sensitive=True
    )
    assert result == "req-1"
    request = responses.calls[0].request
    assert request.headers["authkey"] == "auth-123"
    assert json.loads(request.body) == {
        "template_id": "tmpl-otp",
        "short_url": "0",
        "sender": "OBSEXP",
        "recipients": [{"mobiles": "919812345678", "code": "493817", "content": "493817 is your code"}],
    }


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"type": "error", "message": "internal"}, DeliveryError),
        (429, {"type": "error", "message": "slow down"}, DeliveryError),
        (400, {"type": "error", "message": "Mobile number not valid"}, PermanentDeliveryError),
        (200, {"type": "error", "message": "Template not approved"}, PermanentDeliveryError),
    ],
)
def test_msg91_errors(msg91_settings: Any, status: int, body: dict[str, str], error: type[Exception]) -> None:
    responses.add(responses.POST, MSG91_URL, json=body, status=status)
    with pytest.raises(error) as raised:
        MSG91SMSBackend().send(to="+919812345678", text="t", template="otp", context={}, sensitive=False)
    assert isinstance(raised.value, error)
    if error is DeliveryError:
        assert not isinstance(raised.value, PermanentDeliveryError)


@responses.activate
def test_msg91_network_error_is_retryable(msg91_settings: Any) -> None:
    import requests

    responses.add(responses.POST, MSG91_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(DeliveryError):
        MSG91SMSBackend().send(to="+919812345678", text="t", template="otp", context={}, sensitive=False)


def test_msg91_without_configuration_fails_permanently(msg91_settings: Any) -> None:
    msg91_settings.MSG91_AUTH_KEY = ""
    with pytest.raises(PermanentDeliveryError, match="not configured"):
        MSG91SMSBackend().send(to="+919812345678", text="t", template="otp", context={}, sensitive=False)


def test_console_sms_backend_withholds_sensitive_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    ConsoleSMSBackend().send(to="+919812345678", text="code 111222", template="otp", context={}, sensitive=True)
    ConsoleSMSBackend().send(to="+919812345678", text="Trek tomorrow", template="x", context={}, sensitive=False)
    assert "111222" not in caplog.text
    assert "Trek tomorrow" in caplog.text
    assert "9812345678" not in caplog.text


@pytest.mark.parametrize("debug", [True, False])
def test_console_sms_backend_prints_the_message_only_in_development(
    settings: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    settings.DEBUG = debug
    caplog.set_level("INFO")
    ConsoleSMSBackend().send(to="+919812345678", text="code 111222", template="otp", context={}, sensitive=True)
    assert ("111222" in capsys.readouterr().out) is debug
    assert "111222" not in caplog.text


# --- FCM -----------------------------------------------------------------------------------------------------


@pytest.fixture
def fcm(settings: Any) -> Any:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.FCM_CREDENTIALS_JSON = json.dumps(
        {
            "type": "service_account",
            "project_id": "obs-test",
            "private_key_id": "key-1",
            "private_key": pem,
            "client_email": "fcm@obs-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": TOKEN_URL,
        }
    )
    settings.FCM_PROJECT_ID = ""
    settings.NOTIFICATIONS_PUSH_BACKEND = "apps.notifications.backends.push.FCMPushBackend"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test-token", "expires_in": 3600})
        yield mocked


def test_fcm_sends_with_a_service_account_token(fcm: Any) -> None:
    fcm.add(responses.POST, FCM_URL, json={"name": "projects/obs-test/messages/0:123"})
    result = FCMPushBackend().send(token="tok-1", title="Hello", body="World", data={"category": "booking"})
    assert result == "projects/obs-test/messages/0:123"
    send = fcm.calls[-1].request
    assert send.headers["Authorization"] == "Bearer ya29.test-token"
    assert json.loads(send.body) == {
        "message": {
            "token": "tok-1",
            "notification": {"title": "Hello", "body": "World"},
            "data": {"category": "booking"},
        }
    }
    FCMPushBackend().send(token="tok-2", title="Again", body="", data={})
    assert sum(call.request.url == TOKEN_URL for call in fcm.calls) == 1, "the OAuth token is reused"


def _fcm_error(status: int, state: str, code: str | None) -> dict[str, Any]:
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}] if code else []
    return {"error": {"code": status, "message": "x", "status": state, "details": details}}


@pytest.mark.parametrize(
    ("status", "state", "code", "error"),
    [
        (404, "NOT_FOUND", "UNREGISTERED", InvalidRecipient),
        (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", InvalidRecipient),
        (400, "INVALID_ARGUMENT", None, PermanentDeliveryError),  # a bad payload is not a dead token
        (503, "UNAVAILABLE", "UNAVAILABLE", DeliveryError),
        (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", DeliveryError),
        (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", DeliveryError),
    ],
)
def test_fcm_errors(fcm: Any, status: int, state: str, code: str | None, error: type[Exception]) -> None:
    fcm.add(responses.POST, FCM_URL, json=_fcm_error(status, state, code), status=status)
    with pytest.raises(error) as raised:
        FCMPushBackend().send(token="tok", title="t", body="b", data={})
    assert type(raised.value) is error


def test_fcm_without_credentials_fails_permanently(settings: Any) -> None:
    settings.FCM_CREDENTIALS_JSON = ""
    settings.FCM_CREDENTIALS_FILE = ""
    with pytest.raises(PermanentDeliveryError, match="not configured"):
        FCMPushBackend().send(token="tok", title="t", body="b", data={})


@pytest.mark.parametrize("code", ["UNREGISTERED", "INVALID_ARGUMENT"])
def test_invalid_push_tokens_are_removed(
    db: None, fcm: Any, code: str, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    dead, alive = DeviceFactory(user=user), DeviceFactory(user=user)

    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        token = json.loads(request.body)["message"]["token"]
        if token == dead.token:
            status = 404 if code == "UNREGISTERED" else 400
            state = "NOT_FOUND" if code == "UNREGISTERED" else "INVALID_ARGUMENT"
            return status, {}, json.dumps(_fcm_error(status, state, code))
        return 200, {}, json.dumps({"name": "projects/obs-test/messages/1"})

    fcm.add_callback(responses.POST, FCM_URL, callback=answer)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries = notify(
            template="hold_expiring",
            category="booking",
            context={"trek_name": "Kedarkantha", "hold_expires_at": "10:15"},
            user=user,
            channels=["push"],
        )
    assert len(deliveries) == 2
    assert list(Device.objects.filter(user=user)) == [alive]
    statuses = dict(Delivery.objects.values_list("recipient", "status"))
    assert statuses == {f"device:{dead.pk}": "failed", f"device:{alive.pk}": "sent"}
    failed = Delivery.objects.get(status="failed")
    assert failed.attempts == 1, "a dead token is not retried"
    assert code in failed.last_error


# --- e-mail --------------------------------------------------------------------------------------------------


def test_email_has_html_alternative_and_an_unsubscribe_link_that_works(
    db: None, django_capture_on_commit_callbacks: Any, api_client: Any
) -> None:
    user = UserFactory()
    context = {
        "trek_name": "Kedarkantha",
        "start_date": "2026-12-20",
        "days_before": 7,
        "first_name": "Priya",
        "booking_reference": "OBS-1",
        "balance_due": "4500.00",
        "missing_items": [{"name": "Priya", "labels": ["Fitness certificate"]}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        notify(template="pretrek_reminder", category="reminder", context=context, user=user, channels=["email"])
    [message] = mail.outbox
    assert message.subject == "Kedarkantha starts in 7 days"
    assert "Balance due: Rs 4500.00" in message.body
    assert "Fitness certificate" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>Kedarkantha</strong>" in html
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlparse(link).query)["token"][0]
    assert token in message.body

    response = api_client.post("/api/v1/notifications/unsubscribe/", {"token": token}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"category": "reminder", "channel": "email", "enabled": False}
    assert (
        notify(template="pretrek_reminder", category="reminder", context=context, user=user, channels=["email"]) == []
    )


def test_security_email_has_no_unsubscribe_link(db: None, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            template="sos_alert",
            category="emergency",
            context={"trekker_name": "Priya", "trek_name": "Hampta Pass", "ops_phone": "+911140000000"},
            user=UserFactory(),
            channels=["email"],
        )
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_bad_unsubscribe_token_is_a_400(db: None, api_client: Any) -> None:
    response = api_client.post("/api/v1/notifications/unsubscribe/", {"token": "forged"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"


def test_smtp_failure_is_retryable(db: None, settings: Any) -> None:
    settings.EMAIL_BACKEND = "apps.notifications.tests.test_backends.BrokenSMTP"
    delivery = DeliveryFactory(
        channel="email", recipient="a@example.com", context={"trek_name": "X", "hold_expires_at": "1"}
    )
    assert delivery_send(delivery_id=str(delivery.pk)) == "retrying"
    delivery.refresh_from_db()
    assert "ConnectionRefusedError" in delivery.last_error


class BrokenSMTP:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("smtp down")
