"""Logging, slow queries, Prometheus metrics, Sentry and backups."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from apps.common.logging import logging_config
from apps.common.observability import init_sentry
from config.settings.parts.core import MIDDLEWARE
from config.settings.parts.environment import VAR_DIR, env

# --- logging and observability ------------------------------------------------------------------
# One logging configuration for every process (web, gunicorn, Celery worker and beat): a console handler
# with the request id and redaction (apps/common/logging.py). Workers and beat apply it too (config/celery.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "text" or "json"
LOGGING: dict[str, Any] = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
# SQL statements slower than this many milliseconds are logged with their route or task (0: off).
SLOW_QUERY_MS = env.float("SLOW_QUERY_MS", default=200.0)
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.common.middleware.RequestIDMiddleware") + 1, "apps.common.middleware.SlowQueryMiddleware"
)
# Prometheus: request latency by view and responses by status (django-prometheus) around the whole stack;
# /metrics answers only this bearer token or clients in these networks (CIDR list), everyone else 404.
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS: list[str] = env.list("METRICS_ALLOWED_NETWORKS", default=[])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_exc}") from _exc
# Sentry: on only when SENTRY_DSN is set; events are scrubbed of personal data before they leave.
SENTRY_DSN: str = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT: str = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE: str = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE: float = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
# Backups (manage.py backup / restore): where timestamped backup directories are written; where pg_dump and
# pg_restore of the server's major version are (else PATH, then /usr/lib/postgresql/*/bin).
BACKUP_DIR = env.path("BACKUP_DIR", default=str(VAR_DIR / "backups"))
PG_BIN_DIR: str = env.str("PG_BIN_DIR", default="")
