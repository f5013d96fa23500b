"""Push providers. ``NOTIFICATIONS_PUSH_BACKEND`` names the class; each has ``send(*, token, title, body, data)``.

- :class:`ConsolePushBackend` (development) and :class:`LocmemPushBackend` (tests, :data:`outbox`).
- :class:`FCMPushBackend`: Firebase Cloud Messaging HTTP v1
  (``POST https://fcm.googleapis.com/v1/projects/<project>/messages:send``) with a service-account OAuth token
  from google-auth. ``UNREGISTERED`` and token ``INVALID_ARGUMENT`` answers raise :class:`InvalidRecipient`,
  and the caller forgets the device.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string  # noqa: TID251  the backend class is named by a setting (NOTIFICATIONS_PUSH_BACKEND)

from apps.notifications.backends import DeliveryError, InvalidRecipient, PermanentDeliveryError

logger = logging.getLogger(__name__)

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


class PushBackend(Protocol):
    def send(self, *, token: str, title: str, body: str, data: dict[str, str]) -> str:
        """Send one push message to a device token; return the provider's message id."""
        ...


def get_push_backend() -> PushBackend:
    backend_class: type[PushBackend] = import_string(settings.NOTIFICATIONS_PUSH_BACKEND)
    return backend_class()


class ConsolePushBackend:
    def send(self, *, token: str, title: str, body: str, data: dict[str, str]) -> str:
        logger.info("push (console) to device …%s: %s", token[-6:], title)
        return f"console-{uuid.uuid4().hex[:12]}"


@dataclass
class SentPush:
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


outbox: list[SentPush] = []


class LocmemPushBackend:
    def send(self, *, token: str, title: str, body: str, data: dict[str, str]) -> str:
        outbox.append(SentPush(token=token, title=title, body=body, data=dict(data)))
        return f"locmem-{len(outbox)}"


_credentials_lock = threading.Lock()
_credentials: Any = None


def _service_account_info() -> dict[str, Any]:
    if settings.FCM_CREDENTIALS_JSON:
        info: dict[str, Any] = json.loads(settings.FCM_CREDENTIALS_JSON)
        return info
    if settings.FCM_CREDENTIALS_FILE:
        with open(settings.FCM_CREDENTIALS_FILE, encoding="utf-8") as handle:
            loaded: dict[str, Any] = json.load(handle)
            return loaded
    raise PermanentDeliveryError("FCM is not configured (FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON)")


def _get_credentials() -> Any:
    """Service-account credentials, built once per process and refreshed when their token expires."""
    global _credentials
    from google.auth.exceptions import GoogleAuthError
    from google.auth.transport.requests import Request as GoogleRequest
    from google.oauth2 import service_account

    with _credentials_lock:
        if _credentials is None:
            try:
                _credentials = service_account.Credentials.from_service_account_info(
                    _service_account_info(), scopes=[FCM_SCOPE]
                )
            except (ValueError, KeyError) as exc:
                raise PermanentDeliveryError(f"FCM service account is invalid: {type(exc).__name__}") from exc
        if not _credentials.valid:
            try:
                _credentials.refresh(GoogleRequest())
            except GoogleAuthError as exc:
                raise DeliveryError(f"FCM OAuth token refresh failed: {type(exc).__name__}") from exc
        return _credentials


def reset_credentials() -> None:
    global _credentials
    with _credentials_lock:
        _credentials = None


def _fcm_error_code(body: dict[str, Any]) -> str:
    error = body.get("error") or {}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("@type") == FCM_ERROR_TYPE:
            return str(detail.get("errorCode", ""))
    return ""


class FCMPushBackend:
    timeout = (3.05, 10)

    def send(self, *, token: str, title: str, body: str, data: dict[str, str]) -> str:
        credentials = _get_credentials()
        project_id = settings.FCM_PROJECT_ID or getattr(credentials, "project_id", None)
        if not project_id:
            raise PermanentDeliveryError("FCM project id is not configured (FCM_PROJECT_ID)")
        payload = {"message": {"token": token, "notification": {"title": title, "body": body}, "data": data}}
        try:
            response = requests.post(
                f"{settings.FCM_BASE_URL.rstrip('/')}/v1/projects/{project_id}/messages:send",
                json=payload,
                headers={"Authorization": f"Bearer {credentials.token}"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DeliveryError(f"FCM unreachable: {type(exc).__name__}") from exc
        if response.ok:
            return str(response.json().get("name", ""))
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        code = _fcm_error_code(answer)
        status = str((answer.get("error") or {}).get("status", ""))
        described = f"FCM HTTP {response.status_code} {code or status}".strip()
        if code in {"UNREGISTERED", "INVALID_ARGUMENT"}:
            raise InvalidRecipient(described)
        if response.status_code == 401:
            reset_credentials()  # a revoked or expired token: fetch a new one on the next attempt
            raise DeliveryError(described)
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(described)
        raise PermanentDeliveryError(described)
