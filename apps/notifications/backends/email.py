"""E-mail through Django's mail API: whatever ``EMAIL_BACKEND`` is configured (SMTP, console, locmem)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid

from apps.notifications.backends import DeliveryError
from apps.notifications.rendering import Rendered


def send_email(*, to: str, message: Rendered, headers: dict[str, str] | None = None) -> str:
    """Send one e-mail; returns its Message-ID."""
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or None)
    email = EmailMultiAlternatives(
        subject=message.title,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={**(headers or {}), "Message-ID": message_id},
        connection=get_connection(fail_silently=False),
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except OSError as exc:  # smtplib errors are OSError subclasses
        raise DeliveryError(f"mail server error: {type(exc).__name__}: {exc}") from exc
    return message_id
