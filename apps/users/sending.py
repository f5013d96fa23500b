"""Messages the accounts domain sends. Each goes out through the notifications app's ``notify()``, reached by the
``account_message`` signal (notifications sits above users and handles it).

Call these inside the caller's transaction: ``notify()`` writes the deliveries there and hands them to the
workers when it commits, so a rolled-back request sends nothing. Codes and links are ``sensitive``: the
notifications app never logs them and erases them once delivered.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.common.i18n import DEFAULT_LANGUAGE
from apps.users.models import User
from apps.users.signals import account_message

SECURITY = "security"
TEMPLATE_OTP = "otp"  # templates/sms/otp.txt, the MSG91 (DLT) template "otp"
TEMPLATE_EMAIL_VERIFICATION = "email_verification"
TEMPLATE_PASSWORD_RESET = "password_reset"


def _notify(**kwargs: Any) -> None:
    """Hand the message to the notifications app (the receiver of ``account_message``), which sits above users."""
    if not account_message.send(sender=User, **kwargs):
        raise ImproperlyConfigured("No app delivers account messages (apps.notifications is not installed).")


def send_otp_sms(*, phone: str, code: str, purpose: str, language: str = DEFAULT_LANGUAGE) -> None:
    """Text a one-time code to ``phone`` (E.164), whoever it belongs to, in ``language``."""
    _notify(
        template=TEMPLATE_OTP,
        category=SECURITY,
        context={"code": code, "minutes": settings.OTP_CODE_TTL_SECONDS // 60, "purpose": purpose},
        channels=["sms"],
        phone=phone,
        sensitive=True,
        language=language,
    )


def send_email_verification(*, user: User, email: str, link: str) -> None:
    """Mail the verification link to ``email`` (the account's address, or the new one being confirmed)."""
    _notify(
        template=TEMPLATE_EMAIL_VERIFICATION,
        category=SECURITY,
        context={"name": user.display_name, "link": link, "hours": settings.EMAIL_VERIFICATION_MAX_AGE // 3600},
        channels=["email"],
        email=email,
        sensitive=True,
        language=user.language,
    )


def send_password_reset(*, user: User, link: str) -> None:
    assert user.email
    _notify(
        template=TEMPLATE_PASSWORD_RESET,
        category=SECURITY,
        context={"name": user.display_name, "link": link, "minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
        channels=["email"],
        email=user.email,
        sensitive=True,
        language=user.language,
    )
