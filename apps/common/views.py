from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import error_body

logger = logging.getLogger(__name__)

_status_serializer = inline_serializer("HealthStatus", {"status": serializers.CharField()})


class HealthView(APIView):
    """Liveness: the process answers. No I/O."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(tags=["health"], responses={200: _status_serializer})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("readiness: database check failed", exc_info=True)
        return False


def _check_cache() -> bool:
    ping = getattr(caches["default"], "ping", None)
    if ping is not None:  # Redis behind a fallback: ask Redis itself
        return bool(ping())
    key, value = f"ready:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=10)
        ok = bool(cache.get(key) == value)
        cache.delete(key)
        return ok
    except Exception:
        logger.warning("readiness: cache check failed", exc_info=True)
        return False


def _check_broker() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("readiness: broker check failed", exc_info=True)
        return False


class ReadyView(APIView):
    """Readiness: database query, cache round trip and, when a broker is configured, a broker ping.

    Only the database is required: without Redis (cache and broker) the API keeps serving, degraded
    (``"status": "degraded"``, 200), so a load balancer must not take every instance out for it.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(
        tags=["health"],
        responses={
            200: inline_serializer(
                "ReadyStatus", {"status": serializers.CharField(), "checks": serializers.DictField()}
            )
        },
    )
    def get(self, request: Request) -> Response:
        checks = {"database": _check_database(), "cache": _check_cache()}
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            checks["broker"] = _check_broker()
        named = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
        if all(checks.values()):
            return Response({"status": "ok", "checks": named})
        if checks["database"]:
            return Response({"status": "degraded", "checks": named})
        body = error_body(503, "not_ready", "One or more dependencies are unavailable.", {"checks": named})
        return Response(body, status=503)
