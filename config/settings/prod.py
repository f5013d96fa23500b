"""Production. Every secret and address comes from the process environment (not from a .env file).

Anything missing, and any e-mail, SMS or push backend or payment gateway that reaches nobody, stops
start-up with one message listing all of it (config/production_checks.py). The variables are listed in
.env.production.example and in README.md ("Production").
"""

import os

from config.production_checks import refuse_incomplete_production

from .base import *  # noqa: F403  the shared settings, then the production overrides
from .base import env

# The live providers unless told otherwise; refuse_incomplete_production() accepts nothing else.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="apps.notifications.backends.sms.MSG91SMSBackend"
)
NOTIFICATIONS_PUSH_BACKEND = env.str(
    "NOTIFICATIONS_PUSH_BACKEND", default="apps.notifications.backends.push.FCMPushBackend"
)
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="razorpay")

DEBUG = False
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405  LOGGING comes from the star import of the shared settings

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"

# config.settings.bench builds on these settings to measure them on loopback, with the local gateway and
# console delivery; everywhere else they are production and must be complete.
if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.bench":
    refuse_incomplete_production(os.environ, globals())
