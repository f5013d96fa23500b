from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import CursorPagination
from apps.common.schema import error_responses
from apps.notifications import selectors, services
from apps.notifications.errors import InvalidUnsubscribeToken, PreferenceLocked
from apps.notifications.serializers import (
    CategoryPreferenceSerializer,
    DeviceRegisterSerializer,
    DeviceSerializer,
    NotificationSerializer,
    PreferencesUpdateSerializer,
    ReadAllResponseSerializer,
    UnreadCountSerializer,
    UnreadQuerySerializer,
    UnsubscribeResponseSerializer,
    UnsubscribeSerializer,
)
from apps.users.current import authenticated_user


class NotificationPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = NotificationPagination

    @extend_schema(
        tags=["notifications"],
        summary="My inbox",
        description="The signed-in person's notifications, newest first: every non-sensitive message, whatever "
        "the e-mail, SMS and push choices. Cursor pagination (follow `next`).",
        parameters=[
            OpenApiParameter("unread", bool, description="true: unread only; false: read only"),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request: Request) -> Response:
        query = UnreadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queryset = selectors.notification_list(user=authenticated_user(request), unread=query.validated_data["unread"])
        paginator = NotificationPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class UnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Count my unread notifications",
        description="For a badge on the app icon: how many inbox items are unread.",
        responses={200: UnreadCountSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.notification_unread_count(user=authenticated_user(request))})


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Mark a notification read",
        description="One of the caller's notifications (anyone else's is 404). Marking it again is harmless.",
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 404)},
    )
    def post(self, request: Request, pk: Any) -> Response:
        notification = services.notification_mark_read(user=authenticated_user(request), notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class ReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Mark every notification read",
        description="Answers how many were unread.",
        request=None,
        responses={200: ReadAllResponseSerializer, **error_responses(401)},
    )
    def post(self, request: Request) -> Response:
        return Response({"updated": services.notifications_mark_all_read(user=authenticated_user(request))})


class PreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="My notification preferences",
        description="Every category with its e-mail, SMS and push switches. Security and emergency messages are "
        "`locked` (always sent); marketing is off until switched on.",
        responses={200: CategoryPreferenceSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        table = selectors.preference_table(user=authenticated_user(request))
        return Response(CategoryPreferenceSerializer(table, many=True).data)

    @extend_schema(
        tags=["notifications"],
        summary="Change notification preferences",
        description="Switches one or more (category, channel) pairs; answers the whole table. Switching off a "
        "locked category (security, emergency) is 400 `preference_locked`, and nothing changes.",
        request=PreferencesUpdateSerializer,
        responses={200: CategoryPreferenceSerializer(many=True), **error_responses(400, PreferenceLocked, 401)},
    )
    def patch(self, request: Request) -> Response:
        serializer = PreferencesUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.preferences_update(user=authenticated_user(request), changes=serializer.validated_data["preferences"])
        table = selectors.preference_table(user=authenticated_user(request))
        return Response(CategoryPreferenceSerializer(table, many=True).data)


class DeviceListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="My push devices",
        description="The devices registered for push by the signed-in person (at most 100, newest first).",
        responses={200: DeviceSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(DeviceSerializer(selectors.device_list(user=authenticated_user(request))[:100], many=True).data)

    @extend_schema(
        tags=["notifications"],
        request=DeviceRegisterSerializer,
        responses={200: DeviceSerializer, 201: DeviceSerializer, **error_responses(400, 401)},
        summary="Register a device for push",
        description="An FCM token and its platform, for the signed-in person: 201 for a new token, 200 when it is "
        "already known (refreshed, and moved to this account if another one held it).",
    )
    def post(self, request: Request) -> Response:
        serializer = DeviceRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = services.device_register(user=authenticated_user(request), **serializer.validated_data)
        return Response(
            DeviceSerializer(device).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class DeviceDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["notifications"],
        summary="Unregister a push device",
        description="One of the caller's devices (anyone else's is 404): no more push to it. Call it on sign-out.",
        responses={204: None, **error_responses(401, 404)},
    )
    def delete(self, request: Request, pk: Any) -> Response:
        services.device_remove(user=authenticated_user(request), device_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UnsubscribeView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["notifications"],
        request=UnsubscribeSerializer,
        responses={200: UnsubscribeResponseSerializer, **error_responses(400, InvalidUnsubscribeToken)},
        summary="Unsubscribe from e-mails of a category",
        description="No sign-in: the signed `token` of an e-mail's unsubscribe link is the authority. Turns off "
        "e-mail for that category; an invalid or expired token is 400 `invalid_token`.",
    )
    def post(self, request: Request) -> Response:
        serializer = UnsubscribeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _, category = services.unsubscribe(token=serializer.validated_data["token"])
        return Response({"category": category, "channel": "email", "enabled": False})
