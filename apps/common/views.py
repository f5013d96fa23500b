from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseBase
from django.utils import translation
from drf_spectacular.settings import patched_settings
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from apps.common.exceptions import NotReady, error_body
from apps.common.schema import error_responses

logger = logging.getLogger(__name__)

_status_serializer = inline_serializer("HealthStatus", {"status": serializers.CharField()})


class HealthView(APIView):
    """Liveness: the process answers. No I/O."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(
        tags=["health"],
        summary="Liveness",
        description="The process answers; no I/O. For load balancers: no sign-in, never throttled.",
        responses={200: _status_serializer},
    )
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
    from config.celery import app  # late: the project's Celery app, not loaded by importing apps

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
        summary="Readiness",
        responses={
            200: inline_serializer(
                "ReadyStatus", {"status": serializers.CharField(), "checks": serializers.DictField()}
            ),
            **error_responses(NotReady),
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
        body = error_body(NotReady.status_code, NotReady.code, NotReady.message, {"checks": named})
        return Response(body, status=NotReady.status_code)


# --- API index --------------------------------------------------------------------------------------

# (area, what it holds, its main endpoint's URL name); the area is also its tag in the API documentation.
API_AREAS: tuple[tuple[str, str, str], ...] = (
    ("catalog", "Regions, treks, batches, itineraries, routes and guides.", "trek-list"),
    ("auth", "Register, sign in (password, Google, phone code), refresh tokens, reset a password.", "auth-login"),
    ("me", "Your profile, e-mail, phone, photo, emergency contacts, points and badges.", "users-me"),
    ("bookings", "Bookings, payments, documents, cancellations and waitlists.", "booking-list"),
    ("community", "Posts, comments, journals, challenges and the leaderboard.", "community-posts"),
    ("messaging", "Direct and group conversations and their messages.", "conversation-list"),
    ("emergency", "SOS and incidents.", "emergency-sos"),
    ("notifications", "Inbox, preferences and push devices.", "notifications-list"),
)

_link = serializers.URLField()
_api_index_serializer = inline_serializer(
    "ApiIndex",
    {
        "name": serializers.CharField(),
        "version": serializers.CharField(),
        "docs": inline_serializer("ApiIndexDocs", {"swagger_ui": _link, "redoc": _link, "schema": _link}),
        "areas": inline_serializer(
            "ApiArea",
            {
                "name": serializers.CharField(),
                "description": serializers.CharField(),
                "url": serializers.URLField(help_text="The area's main endpoint."),
                "docs": serializers.URLField(help_text="The area's operations in Swagger UI."),
            },
            many=True,
        ),
    },
)


class ApiIndexView(APIView):
    """``/api/v1/``: the areas of the API with links to their main endpoint and to the documentation."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["index"],
        summary="The areas of the API and the documentation",
        responses=_api_index_serializer,
    )
    def get(self, request: Request) -> Response:
        swagger_ui = reverse("swagger-ui", request=request)
        return Response(
            {
                "name": settings.SPECTACULAR_SETTINGS["TITLE"],
                "version": settings.SPECTACULAR_SETTINGS["VERSION"],
                "docs": {
                    "swagger_ui": swagger_ui,
                    "redoc": reverse("redoc", request=request),
                    "schema": reverse("schema", request=request),
                },
                "areas": [
                    {
                        "name": name,
                        "description": description,
                        "url": reverse(url_name, request=request),
                        "docs": f"{swagger_ui}#/{name}",
                    }
                    for name, description, url_name in API_AREAS
                ],
            }
        )


# --- ReDoc -----------------------------------------------------------------------------------------------

# The documentation page takes everything from this server. ReDoc's side menu always shows its maker's logo from
# cdn.redoc.ly (no setting turns it off): under this policy the browser never asks for it and the image hides
# itself. The inline styles and the one inline script are ReDoc's own (styled-components, the init call).
REDOC_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'self'",
    )
)


class RedocView(SpectacularRedocView):
    """drf-spectacular's ReDoc page with system fonts (templates/docs/redoc.html) and a same-origin policy."""

    template_name = "docs/redoc.html"

    def finalize_response(self, request: Request, response: Response, *args: object, **kwargs: object) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CONTENT_SECURITY_POLICY
        return response


# The OpenAPI document as sent, per variant (see SchemaView): (body, [(header, value)]).
_schemas: dict[tuple[str, ...], tuple[bytes, list[tuple[str, str]]]] = {}
_SCHEMA_HEADERS = ("Content-Type", "Content-Disposition")


@receiver(setting_changed)
def _forget_schemas(**kwargs: Any) -> None:
    _schemas.clear()


class SchemaView(SpectacularAPIView):
    """drf-spectacular's OpenAPI document (``/api/schema/``), built once per process and variant.

    The document is public, the same for every caller (whatever the host or the token) and fixed for the life of a
    deployment, and building it costs 0.4-0.8 s of CPU (the generator, then 0.8 MB of YAML or 1.6 MB of JSON):
    under the anonymous rate one client could keep a server's CPUs busy. Its bytes and headers are kept in this
    process per variant, and a variant is one of a fixed few: the renderer chosen (YAML or JSON, by ``Accept`` or
    ``?format=``), the language (``?lang=`` or the request's, as the supported language Django would translate
    into, the default one for any other: the document is built in that language) and the URL configuration.
    ``?version=`` is not a variant: the API has one version, and the parameter no
    longer writes its value into the document.
    """

    def _get_version_parameter(self, request: Any) -> None:
        return None

    def _variant(self, request: Request) -> tuple[str, ...]:
        return (
            request.accepted_renderer.media_type,
            request.accepted_renderer.format,
            _schema_language(request),
            str(self.urlconf or settings.ROOT_URLCONF),
        )

    @extend_schema(exclude=True)  # as drf-spectacular's own view (SERVE_INCLUDE_SCHEMA is off)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.variant = self._variant(request)
        kept = _schemas.get(self.variant)
        if kept is None:  # built in the language it is kept under (drf-spectacular would use ?lang= as given)
            with patched_settings(self.custom_settings), translation.override(self.variant[2]):
                return self._get_schema_response(request)
        content, headers = kept
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        variant = getattr(self, "variant", None)
        if variant is not None and isinstance(response, Response) and response.status_code == 200:
            response.render()
            headers = [(name, response[name]) for name in _SCHEMA_HEADERS if response.has_header(name)]
            _schemas[variant] = (response.content, headers)
        return response


def _schema_language(request: Request) -> str:
    """One of ``LANGUAGES``: ``?lang=`` or the request's language, as Django would match it to a supported one;
    the default language for anything else (a code Django has strings for but the API does not speak, say
    ``zh-hans``, or one that is no language at all)."""
    requested = (request.GET.get("lang") if settings.USE_I18N else None) or translation.get_language()
    try:
        supported = translation.get_supported_language_variant(requested or settings.LANGUAGE_CODE)
    except LookupError:
        supported = translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    codes = {code.lower(): code for code, _name in settings.LANGUAGES}
    return codes.get(supported.lower(), supported)  # "EN" is "en"
