"""Departure announcements: ops (`batches.manage`) or the departure's acting guide tell everyone booked on it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.bookings import services
from apps.bookings.errors import DepartureNotActive
from apps.bookings.models import DepartureAnnouncement
from apps.bookings.throttles import AnnounceDepartureThrottle, AnnounceSenderThrottle
from apps.bookings.views.common import BATCH_ID, batch_or_404
from apps.common.exceptions import Forbidden
from apps.common.schema import error_responses
from apps.users.current import authenticated_user


class AnnouncementCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=1000)
    urgent = serializers.BooleanField(default=False, help_text="Also by SMS.")


class AnnouncementSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.display_name", default=None, read_only=True)

    class Meta:
        model = DepartureAnnouncement
        fields = ["id", "batch", "sender", "body", "urgent", "recipients", "message_id", "created_at"]


class MayAnnounce(BasePermission):
    """Decided before the throttles count the request, so nobody else can spend a departure's allowance."""

    message = "Only operations or this departure's guide may announce to it."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not hasattr(view, (request.method or "").lower()):
            return True  # a method the route does not take: the view answers 405
        batch = batch_or_404(view.kwargs["batch_id"])
        view.batch = batch
        return services.may_announce(user=request.user, batch=batch)


@extend_schema(tags=["operations"], parameters=[BATCH_ID])
class DepartureAnnouncementView(APIView):
    permission_classes = [IsAuthenticated, MayAnnounce]
    batch: Any

    def get_throttles(self) -> list[Any]:
        return [*super().get_throttles(), AnnounceSenderThrottle(), AnnounceDepartureThrottle()]

    @extend_schema(
        summary="Announce to everyone booked on the departure (inbox, push; SMS when urgent)",
        description=(
            "Ops holding `batches.manage`, or the departure's acting guide (current guide role, active profile, "
            "still on this departure). Recorded in the departure's group chat and audited (`batch.announced`). "
            "Rate-limited per sender and per departure (429 with `Retry-After`)."
        ),
        request=AnnouncementCreateSerializer,
        responses={
            201: AnnouncementSerializer,
            **error_responses(400, 401, Forbidden, 404, DepartureNotActive, 429),
        },
    )
    def post(self, request: Request, batch_id: Any) -> Response:
        data = AnnouncementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        announcement = services.departure_announce(
            sender=authenticated_user(request),
            batch=self.batch,
            body=data.validated_data["body"],
            urgent=data.validated_data["urgent"],
        )
        return Response(AnnouncementSerializer(announcement).data, status=status.HTTP_201_CREATED)
