"""Trip journals, and the public entries listed on a trek."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_responses
from apps.community import selectors, services
from apps.community.errors import DayOutOfRange, NotAuthor, PhotoInvalid, TrekNotBooked
from apps.community.filters import JournalFilter
from apps.community.models import JournalEntry
from apps.community.serializers import (
    JournalCreateSerializer,
    JournalEntrySerializer,
    JournalUpdateSerializer,
)
from apps.community.views.common import UPLOAD_PARSERS, upload_request
from apps.treks.selectors import trek_get
from apps.users.current import authenticated_user

# --- journals ------------------------------------------------------------------------------------


class JournalListView(GenericAPIView[JournalEntry]):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = UPLOAD_PARSERS
    filter_backends = [DjangoFilterBackend]
    filterset_class = JournalFilter
    serializer_class = JournalEntrySerializer
    queryset = JournalEntry.objects.none()

    def get_queryset(self) -> QuerySet[JournalEntry]:
        if getattr(self, "swagger_fake_view", False):
            return JournalEntry.objects.none()
        return selectors.visible_journal_entries(user=self.request.user)

    @extend_schema(
        tags=["journals"],
        summary="Journal entries I may read (mine, members' tribe entries, public ones), newest first",
        description=("Anonymous callers see public entries. Filter by `trek` slug. Page-number pagination."),
        responses={200: JournalEntrySerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)

    @extend_schema(
        tags=["journals"],
        summary="Write a journal entry for a trek you have a confirmed or completed booking for",
        description="403 `trek_not_booked` without such a booking; 400 `day_out_of_range` when `day_number` is "
        "outside the trek's duration. Photos as for posts (multipart, repeat `photos`).",
        request=upload_request(JournalCreateSerializer),
        responses={
            201: JournalEntrySerializer,
            **error_responses(400, DayOutOfRange, PhotoInvalid, 401, TrekNotBooked, 413),
        },
    )
    def post(self, request: Request) -> Response:
        data = JournalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.journal_create(author=authenticated_user(request), **data.validated_data)
        return Response(
            JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class JournalDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=["journals"],
        summary="One journal entry (others' private entries are 404)",
        description=("Public entries for anyone, tribe entries for members, private ones for their author."),
        responses={200: JournalEntrySerializer, **error_responses(404)},
    )
    def get(self, request: Request, entry_id: str) -> Response:
        return Response(JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry_id)).data)

    @extend_schema(
        tags=["journals"],
        summary="Edit your journal entry",
        description=(
            "The author only (403 `not_author`). `day_number` stays within the trek's "
            "duration (400 `day_out_of_range`)."
        ),
        request=JournalUpdateSerializer,
        responses={
            200: JournalEntrySerializer,
            **error_responses(400, DayOutOfRange, PhotoInvalid, 401, NotAuthor, 404),
        },
    )
    def patch(self, request: Request, entry_id: str) -> Response:
        entry = selectors.journal_get(user=request.user, entry_id=entry_id)
        data = JournalUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {name: value for name, value in data.validated_data.items() if name in request.data}
        services.journal_update(entry=entry, user=authenticated_user(request), changes=changes)
        return Response(JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry_id)).data)

    @extend_schema(
        tags=["journals"],
        summary="Delete your journal entry",
        description="The author only (403 `not_author`).",
        responses={204: None, **error_responses(401, NotAuthor, 404)},
    )
    def delete(self, request: Request, entry_id: str) -> Response:
        entry = selectors.journal_get(user=request.user, entry_id=entry_id)
        services.journal_delete(entry=entry, user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrekJournalsView(GenericAPIView[JournalEntry]):
    permission_classes = [AllowAny]
    serializer_class = JournalEntrySerializer
    queryset = JournalEntry.objects.none()

    @extend_schema(
        tags=["journals"],
        summary="Public journal entries about a trek, newest first",
        description=("No sign-in. 404 for a trek that is not in the public catalog. Page-number pagination."),
        responses={200: JournalEntrySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        trek = trek_get(user=request.user, slug=slug, fields=("id", "slug", "status"))
        page = self.paginate_queryset(selectors.trek_public_journals(trek_id=trek.pk))
        return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)
