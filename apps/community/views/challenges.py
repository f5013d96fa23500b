"""Challenges with the caller's progress, earned badges and the leaderboard."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.schema import error_responses
from apps.community import selectors
from apps.community.models import Challenge, UserBadge
from apps.community.serializers import (
    BadgeSerializer,
    ChallengeSerializer,
    LeaderboardSerializer,
)

# --- challenges, badges, leaderboard -------------------------------------------------------------


class ChallengeListView(GenericAPIView[Challenge]):
    permission_classes = [AllowAny]
    serializer_class = ChallengeSerializer
    pagination_class = None
    queryset = Challenge.objects.none()

    @extend_schema(
        tags=["challenges"],
        summary="Active challenges with your progress (`current` of `target`) and whether you earned the badge",
        description="No sign-in needed; anonymous callers get the challenges without progress.",
        responses={200: ChallengeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(ChallengeSerializer(selectors.challenge_progress(user=request.user), many=True).data)


class MyBadgesView(GenericAPIView[UserBadge]):
    permission_classes = [IsAuthenticated]
    serializer_class = BadgeSerializer
    queryset = UserBadge.objects.none()

    @extend_schema(
        tags=["me"],
        summary="The badges I have earned, newest first",
        description="Signed in. Page-number pagination.",
        responses={200: BadgeSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.badges_of(user=request.user))
        return self.get_paginated_response(BadgeSerializer(page, many=True).data)


class LeaderboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["challenges"],
        summary="Top members by OBS points (cached briefly) and your own rank",
        description=(
            "Signed in. Active trekkers (staff are not ranked) by points, ties sharing a "
            "rank; the caller's own rank too, even outside the top."
        ),
        responses={200: LeaderboardSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        body = {
            "results": selectors.leaderboard_top(),
            "me": selectors.leaderboard_rank_of(user=request.user),
            "cached_for_seconds": settings.COMMUNITY_LEADERBOARD_CACHE_SECONDS,
        }
        return Response(LeaderboardSerializer(body).data)
