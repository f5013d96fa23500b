"""What ``config.settings.prod`` refuses to start without.

Production must deliver for real: an SOS text, a sign-in code or a password-reset link that goes to a
console, an in-memory outbox or a file reaches nobody (and a log reader can use it), and the local payment
gateway takes no money. So each channel accepts only its live provider, the provider's credentials must be
set, and media go to S3-compatible storage (local disk is lost with the container and not shared between
web servers). Everything wrong is reported at once, in one ``ImproperlyConfigured``.

The variables listed here are exactly the uncommented ones of ``.env.production.example`` and the table
in README.md ("Production"); a test keeps the three in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The only providers production delivers through (setting -> accepted backends). Another real provider is
# added here together with its backend.
LIVE_BACKENDS: dict[str, tuple[str, ...]] = {
    "EMAIL_BACKEND": ("django.core.mail.backends.smtp.EmailBackend",),
    "NOTIFICATIONS_SMS_BACKEND": ("apps.notifications.backends.sms.MSG91SMSBackend",),
    "NOTIFICATIONS_PUSH_BACKEND": ("apps.notifications.backends.push.FCMPushBackend",),
}
LIVE_PAYMENT_GATEWAYS: tuple[str, ...] = ("razorpay",)

# Variables that must be set (non-blank). A tuple is a choice: one of them is enough.
REQUIRED_ENV: tuple[str | tuple[str, ...], ...] = (
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CORS_ALLOWED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "OBS_FRONTEND_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "EMAIL_HOST",
    "MSG91_AUTH_KEY",
    ("MSG91_DEFAULT_TEMPLATE_ID", "MSG91_TEMPLATE_IDS"),
    ("FCM_CREDENTIALS_FILE", "FCM_CREDENTIALS_JSON"),
    "RAZORPAY_KEY_ID",
    "RAZORPAY_KEY_SECRET",
    "RAZORPAY_WEBHOOK_SECRET",
    # the seller on every GST tax invoice and credit note (no default is anybody's real registration)
    "OBS_COMPANY_LEGAL_NAME",
    "OBS_COMPANY_GSTIN",
    "OBS_COMPANY_ADDRESS",
    "OBS_COMPANY_STATE",
)


def _is_set(environ: Mapping[str, str], name: str) -> bool:
    return bool(environ.get(name, "").strip())


def production_problems(environ: Mapping[str, str], settings: Mapping[str, Any]) -> list[str]:
    """Every reason these settings (and the environment they were read from) cannot serve production."""
    problems: list[str] = []
    missing = [
        " or ".join(choice) if isinstance(choice, tuple) else choice
        for choice in REQUIRED_ENV
        if not any(_is_set(environ, name) for name in (choice if isinstance(choice, tuple) else (choice,)))
    ]
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    gstin, state = environ.get("OBS_COMPANY_GSTIN", "").strip(), environ.get("OBS_COMPANY_STATE", "").strip()
    if gstin and state and gstin[:2] != state:
        problems.append(f"OBS_COMPANY_GSTIN {gstin} is registered in state {gstin[:2]}, not OBS_COMPANY_STATE={state}")
    for setting, live in LIVE_BACKENDS.items():
        if settings[setting] not in live:
            problems.append(f"{setting}={settings[setting]} delivers to nobody; production uses {' or '.join(live)}")
    if settings["PAYMENTS_GATEWAY"] not in LIVE_PAYMENT_GATEWAYS:
        problems.append(
            f"PAYMENTS_GATEWAY={settings['PAYMENTS_GATEWAY']} takes no money; "
            f"production uses {' or '.join(LIVE_PAYMENT_GATEWAYS)}"
        )
    if _is_set(environ, "DATABASE_URL") and settings["DATABASES"]["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        problems.append("DATABASE_URL must name a PostgreSQL database (postgres://...)")
    if _is_set(environ, "OBS_FRONTEND_URL") and not str(settings["OBS_FRONTEND_URL"]).startswith("https://"):
        problems.append("OBS_FRONTEND_URL must be an https:// address (links in e-mails point there)")
    return problems


def refuse_incomplete_production(environ: Mapping[str, str], settings: Mapping[str, Any]) -> None:
    problems = production_problems(environ, settings)
    if problems:
        raise ImproperlyConfigured(
            'config.settings.prod cannot start (README.md, "Production"; .env.production.example):\n'
            + "\n".join(f"- {problem}" for problem in problems)
        )
