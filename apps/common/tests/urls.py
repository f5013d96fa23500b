"""Views that raise each kind of error (envelope tests), enqueue a task, run slow SQL, fail with personal data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, connection
from django.http import Http404
from django.urls import include, path
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import Conflict, RateLimited
from apps.common.services import enqueue_on_commit
from apps.common.tests.tasks import log_line
from apps.users.models import User
from apps.users.permissions import HasCapability


class _SeatsGone(Conflict):
    """A domain error as an app declares one: its own class with its own code."""

    code = "batch_full"


class _Payload(serializers.Serializer):
    name = serializers.CharField(max_length=5)


class Boom(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, kind: str) -> Response:  # noqa: C901  one branch per error kind the test asks for
        if kind == "validation":
            _Payload(data=request.query_params).is_valid(raise_exception=True)
        if kind == "django-validation":
            raise DjangoValidationError({"field": ["bad value"]})
        if kind == "django-denied":
            raise DjangoPermissionDenied
        if kind == "http404":
            raise Http404
        if kind == "conflict":
            raise _SeatsGone("Seats are gone.", details={"seats_left": 0})
        if kind == "unique":
            User.objects.create_user(email="dup@example.com")
            User.objects.create_user(email="dup@example.com")
        if kind == "integrity":
            raise IntegrityError("check constraint violated")
        if kind == "throttled":
            raise Throttled(wait=42)
        if kind == "rate-limited":
            raise RateLimited(retry_after=30)
        if kind == "db-down":
            raise OperationalError("connection refused to 10.0.0.5 password=hunter2")
        raise RuntimeError("secret internals: /srv/app/settings.py password=hunter2")


class OnlyGet(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class Echo(APIView):
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        return Response(request.data)


class NeedsAuth(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class NeedsCapability(APIView):
    permission_classes = [HasCapability("catalog.write")]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class Enqueue(APIView):
    """Enqueue ``tests.log_line`` the way services do (on commit), inside this request."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        enqueue_on_commit(log_line, request.data["text"], float(request.data.get("sleep_seconds", 0)))
        return Response(status=202)


class Sleep(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get(self, request: Request, slug: str) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [float(request.query_params["seconds"])])
        return Response({"slept": slug})


class Fail(APIView):
    """Raise an unexpected error that repeats the personal data it was sent."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        body = dict(request.data)
        raise RuntimeError(f"could not reach {body['phone']} / {body['email']}: {body['note']}")


urlpatterns = [
    path("boom/<str:kind>/", Boom.as_view()),
    path("obs-test/enqueue/", Enqueue.as_view()),
    path("obs-test/sleep/<slug:slug>/", Sleep.as_view()),
    path("obs-test/fail/", Fail.as_view()),
    path("only-get/", OnlyGet.as_view()),
    path("echo/", Echo.as_view()),
    path("needs-auth/", NeedsAuth.as_view()),
    path("needs-capability/", NeedsCapability.as_view()),
    path("", include("config.urls")),
]

handler404 = "apps.common.exceptions.page_not_found"
handler500 = "apps.common.exceptions.server_error"
