"""Overdue check-ins over HTTP: list them, arm one, check in (``services.checkins``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_responses
from apps.emergency import selectors, services
from apps.emergency.errors import CheckInAlreadyArmed, NoArmedCheckIn, NotOnTrek
from apps.emergency.models import CheckIn
from apps.emergency.serializers import CheckInArmSerializer, CheckInSerializer
from apps.emergency.throttles import CheckInArmThrottle
from apps.users.current import authenticated_user


class CheckInsView(generics.ListAPIView):
    """Overdue check-ins: list them, or arm one (rate-limited per user)."""

    permission_classes = [IsAuthenticated]
    serializer_class = CheckInSerializer

    def get_queryset(self) -> QuerySet[CheckIn]:
        if getattr(self, "swagger_fake_view", False):
            return CheckIn.objects.none()
        return selectors.check_ins_visible_to(self.request.user)

    def get_throttles(self) -> list[Any]:
        if self.request.method == "POST":
            return [*super().get_throttles(), CheckInArmThrottle()]
        return super().get_throttles()

    @extend_schema(
        summary="Check-ins I may see (mine; a guide: my departures'; incidents.manage: all), newest first",
        description=(
            "Every state: `armed`, `checked_in`, `overdue` (the alarm went off; `incident` is the overdue incident) "
            "and `checked_in_late`."
        ),
        responses={200: CheckInSerializer(many=True), **error_responses(401)},
        tags=["emergency"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary='Arm a check-in: "we expect to reach <place> by <time>"',
        description=(
            "For a trekker on a confirmed departure under way, or its acting guide; one armed at a time. Not checked "
            "in by `expected_at` plus the grace, an `overdue` incident opens and alerts ops and the guide (and the "
            "trekker's emergency contacts when `alert_contacts`)."
        ),
        request=CheckInArmSerializer,
        responses={201: CheckInSerializer, **error_responses(400, 401, NotOnTrek, CheckInAlreadyArmed, 429)},
        tags=["emergency"],
    )
    def post(self, request: Request) -> Response:
        serializer = CheckInArmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_in = services.checkin_arm(user=authenticated_user(request), **serializer.validated_data)
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)


class CheckInCompleteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Check in: disarm my check-in; after its alarm, close the overdue incident as a false alarm",
        description=(
            "Takes the caller's latest `armed` or `overdue` check-in (409 `no_armed_check_in` when there is none). "
            "Armed, it becomes `checked_in`; overdue, it becomes `checked_in_late` and its incident, if still "
            "active, is closed as a false alarm, which tells everyone the alarm reached. Audited."
        ),
        operation_id="checkInComplete",
        request=None,
        responses={200: CheckInSerializer, **error_responses(401, NoArmedCheckIn)},
        tags=["emergency"],
    )
    def post(self, request: Request) -> Response:
        check_in = services.checkin_complete(user=authenticated_user(request))
        return Response(CheckInSerializer(selectors.check_ins_visible_to(request.user).get(pk=check_in.pk)).data)
