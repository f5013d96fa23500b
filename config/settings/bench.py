"""Benchmark settings (`make bench`): production-like, served on loopback over plain HTTP.

Differs from prod.py only where a loopback benchmark must: no HTTPS redirect or secure cookies, no
throttling (one client makes all the requests), quieter logs, a per-request query counter header,
the *floor* endpoint (a minimal DRF view) and the naive seed list that exist only here.
"""

import os

# prod.py insists on these; on loopback they have obvious values (DATABASE_URL and REDIS_URL come from
# scripts/bench.py, which points them at the bench database and a Redis).
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("CORS_ALLOWED_ORIGINS", "http://127.0.0.1")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0b5-experiences-never-used-in-production-000")
# the booking storm takes no payments and nothing may reach a real person: the local gateway (with secrets
# of its own) and console delivery, which prod.py accepts only under this settings module
os.environ.setdefault("PAYMENTS_GATEWAY", "local")
os.environ.setdefault("PAYMENTS_LOCAL_SECRET", "bench-only-payments-secret")
os.environ.setdefault("PAYMENTS_LOCAL_WEBHOOK_SECRET", "bench-only-webhook-secret")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("NOTIFICATIONS_SMS_BACKEND", "apps.notifications.backends.sms.ConsoleSMSBackend")
os.environ.setdefault("NOTIFICATIONS_PUSH_BACKEND", "apps.notifications.backends.push.ConsolePushBackend")

from .prod import *  # noqa: F403  production settings, then the bench overrides
from .prod import DATABASES, LOGGING, MIDDLEWARE, REST_FRAMEWORK, env

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The benchmark runs on PostgreSQL only; DATABASE_URL must be a postgres:// URL.")

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": ()}
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
LOGGING["root"]["level"] = LOG_LEVEL
MIDDLEWARE = ["config.bench.QueryCountMiddleware", *MIDDLEWARE]

BENCH_FLOOR_ENABLED = True
ROOT_URLCONF = "config.bench_urls"  # the floor and the naive list, routed only here
# Requests carrying this header skip the catalog response cache (to measure the uncached path).
CATALOG_CACHE_BYPASS_HEADER = "X-Bench-No-Cache"
