"""SMS providers. ``NOTIFICATIONS_SMS_BACKEND`` names the class; each has ``send(*, to, text, template, context)``.

- :class:`ConsoleSMSBackend` (development): logs that a message went out, never its content when sensitive;
  with ``DEBUG`` on it also prints the whole message to the terminal.
- :class:`LocmemSMSBackend` (tests): keeps messages in :data:`outbox`, like ``django.core.mail.outbox``.
- :class:`MSG91SMSBackend` (production, India): MSG91's Flow API (``POST /api/v5/flow``), which sends a
  DLT-registered template with variables.
"""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string  # noqa: TID251  the backend class is named by a setting (NOTIFICATIONS_SMS_BACKEND)

from apps.notifications.backends import DeliveryError, OutcomeUnknown, PermanentDeliveryError

logger = logging.getLogger(__name__)


class SMSBackend(Protocol):
    def send(
        self,
        *,
        to: str,
        text: str,
        template: str,
        context: dict[str, Any],
        sensitive: bool,
        language: str = "en",
        unicode: bool = False,
    ) -> str:
        """Send ``text`` to the E.164 number ``to``; return the provider's message id.

        ``language`` is the recipient's (the template was rendered in it); ``unicode`` says the text needs UCS-2
        (it is not all GSM-7, ``apps.notifications.sms_length``)."""
        ...


def get_sms_backend() -> SMSBackend:
    backend_class: type[SMSBackend] = import_string(settings.NOTIFICATIONS_SMS_BACKEND)
    return backend_class()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}******{phone[-4:]}" if len(phone) > 7 else "******"


class ConsoleSMSBackend:
    """Development backend. The log line never carries sensitive content; with ``DEBUG`` on, the whole
    message is also written to the terminal (like Django's console e-mail backend), so a developer
    running ``make run`` can read the sign-in code it contains."""

    def send(
        self,
        *,
        to: str,
        text: str,
        template: str,
        context: dict[str, Any],
        sensitive: bool,
        language: str = "en",
        unicode: bool = False,
    ) -> str:
        shown = "[sensitive content withheld]" if sensitive else text
        logger.info("SMS (console) to %s, template %s (%s): %s", mask_phone(to), template, language, shown)
        if settings.DEBUG:
            sys.stdout.write(f"--- SMS to {to} ---\n{text}\n---\n")
            sys.stdout.flush()
        return f"console-{uuid.uuid4().hex[:12]}"


@dataclass
class SentSMS:
    to: str
    text: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    unicode: bool = False


outbox: list[SentSMS] = []


class LocmemSMSBackend:
    def send(
        self,
        *,
        to: str,
        text: str,
        template: str,
        context: dict[str, Any],
        sensitive: bool,
        language: str = "en",
        unicode: bool = False,
    ) -> str:
        outbox.append(
            SentSMS(to=to, text=text, template=template, context=dict(context), language=language, unicode=unicode)
        )
        return f"locmem-{len(outbox)}"


class MSG91SMSBackend:
    """MSG91 Flow API.

    Every SMS sent in India must match a DLT-registered template, so the provider receives the MSG91
    template id of our template (``MSG91_TEMPLATE_IDS[name]``, else ``MSG91_DEFAULT_TEMPLATE_ID``) and the
    variables: every scalar value of the context under its own name, plus the rendered text as ``content``.
    A text in another language is a template of its own for DLT: its id is ``MSG91_TEMPLATE_IDS["hi/<name>"]``
    (else the English one's). A text that is not all GSM-7 (Hindi) is sent with ``"unicode": 1``.
    """

    timeout = (3.05, 10)

    def send(
        self,
        *,
        to: str,
        text: str,
        template: str,
        context: dict[str, Any],
        sensitive: bool,
        language: str = "en",
        unicode: bool = False,
    ) -> str:
        auth_key = settings.MSG91_AUTH_KEY
        template_id = (
            settings.MSG91_TEMPLATE_IDS.get(f"{language}/{template}")
            or settings.MSG91_TEMPLATE_IDS.get(template)
            or settings.MSG91_DEFAULT_TEMPLATE_ID
        )
        if not auth_key or not template_id:
            raise PermanentDeliveryError(f"MSG91 is not configured for template {template!r}")
        recipient: dict[str, Any] = {
            key: str(value) for key, value in context.items() if isinstance(value, str | int | float)
        }
        recipient.update({"mobiles": to.lstrip("+"), "content": text})
        payload: dict[str, Any] = {"template_id": template_id, "short_url": "0", "recipients": [recipient]}
        if unicode:
            payload["unicode"] = 1
        if settings.MSG91_SENDER_ID:
            payload["sender"] = settings.MSG91_SENDER_ID
        try:
            response = requests.post(
                f"{settings.MSG91_BASE_URL.rstrip('/')}/api/v5/flow",
                json=payload,
                headers={"authkey": auth_key, "accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.ReadTimeout as exc:
            raise OutcomeUnknown(f"MSG91 did not answer: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            raise DeliveryError(f"MSG91 unreachable: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        reason = str(body.get("message", ""))[:200]
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(f"MSG91 HTTP {response.status_code}: {reason}")
        if response.status_code >= 400 or body.get("type") != "success":
            raise PermanentDeliveryError(f"MSG91 rejected the message (HTTP {response.status_code}): {reason}")
        return reason or "msg91"
