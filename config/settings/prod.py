"""Production. Every secret and address comes from the environment; a missing one stops start-up."""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED_ENV = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CORS_ALLOWED_ORIGINS")
_missing = [name for name in REQUIRED_ENV if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        f"Production settings need these environment variables: {', '.join(_missing)} (see README.md)."
    )

from .base import *  # noqa: E402, F403
from .base import PAYMENTS_GATEWAY, env  # noqa: E402

# Payments: the real gateway needs its keys; the local one may not run on its published development secrets
# (anyone could sign a payment with them).
if PAYMENTS_GATEWAY == "razorpay":
    _missing = [
        n for n in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET") if not os.environ.get(n)
    ]
    if _missing:
        raise ImproperlyConfigured(f"PAYMENTS_GATEWAY=razorpay needs {', '.join(_missing)} (see README.md).")
elif not (os.environ.get("PAYMENTS_LOCAL_SECRET") and os.environ.get("PAYMENTS_LOCAL_WEBHOOK_SECRET")):
    raise ImproperlyConfigured("Production payments need PAYMENTS_GATEWAY=razorpay and its keys (see README.md).")

DEBUG = False
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
