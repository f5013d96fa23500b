"""Staff administration: who has which role (the ``users.manage`` capability)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.exceptions import NotFound
from apps.common.schema import error_responses
from apps.users import selectors, services
from apps.users.errors import OwnRoleChange
from apps.users.models import User
from apps.users.permissions import HasCapability
from apps.users.roles import Capability
from apps.users.serializers import RoleAssignSerializer, StaffMemberSerializer


class StaffListView(generics.ListAPIView):
    permission_classes = [HasCapability(Capability.USERS_MANAGE)]
    serializer_class = StaffMemberSerializer

    @extend_schema(
        tags=["staff"],
        summary="Staff members and their roles",
        description="Staff with `users.manage`: every account with a staff role, and its role. Page-number pagination.",
        responses={200: StaffMemberSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[User]:
        return selectors.staff_members()


class UserRoleView(APIView):
    permission_classes = [HasCapability(Capability.USERS_MANAGE)]

    @extend_schema(
        tags=["staff"],
        summary="Assign or remove a user's staff role",
        description="Audited. A guide gets a Guide profile in the catalog. Nobody changes their own role.",
        request=RoleAssignSerializer,
        responses={200: StaffMemberSerializer, **error_responses(400, 401, 403, NotFound, OwnRoleChange)},
    )
    def put(self, request: Request, user_id: uuid.UUID) -> Response:
        serializer = RoleAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = User.objects.filter(pk=user_id, deleted_at__isnull=True).first()
        if target is None:
            raise NotFound("No such user.")
        if target.pk == request.user.pk:
            raise OwnRoleChange()
        actor = request.user
        assert isinstance(actor, User)
        user = services.user_set_role(actor=actor, user=target, role=serializer.validated_data["role"])
        return Response(StaffMemberSerializer(user).data)
