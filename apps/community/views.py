"""HTTP for the Trekking Tribe: feed, comments, likes, reports, moderation, journals, challenges, badges and
the leaderboard. Views parse, authorize, call one selector or service, and serialize."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import CursorPagination, PageNumberPagination
from apps.common.permissions import HasCapability
from apps.common.schema import error_responses
from apps.community import selectors, services
from apps.community.filters import JournalFilter, PostFilter
from apps.community.models import Challenge, Comment, JournalEntry, Post, PostLike, PostReport, UserBadge
from apps.community.serializers import (
    BadgeSerializer,
    ChallengeSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    HideSerializer,
    JournalCreateSerializer,
    JournalEntrySerializer,
    JournalUpdateSerializer,
    LeaderboardSerializer,
    LikeSerializer,
    PostCreateSerializer,
    PostSerializer,
    ReplySerializer,
    ReportCreateSerializer,
    ReportSerializer,
)
from apps.community.throttles import CommentCreateThrottle, PostCreateThrottle
from apps.treks.selectors import trek_get
from apps.users.models import User
from apps.users.roles import Capability

Moderate = HasCapability(Capability.COMMUNITY_MODERATE)
UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _upload_request(serializer: Any) -> dict[str, Any]:
    return {"multipart/form-data": serializer, "application/json": serializer}


# --- posts ---------------------------------------------------------------------------------------


class PostListView(GenericAPIView[Post]):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = UPLOAD_PARSERS
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = PostFilter
    serializer_class = PostSerializer
    queryset = Post.objects.none()

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.request.method == "POST":
            throttles.append(PostCreateThrottle())
        return throttles

    def get_queryset(self) -> QuerySet[Post]:
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.none()
        return selectors.post_list(user=self.request.user)

    @extend_schema(
        tags=["community"],
        summary="The feed, newest first (cursor pagination); filter by trek slug or author id",
        description="Anonymous callers see public posts; members also see tribe-only posts. Hidden posts are shown "
        "only to their author (with `is_hidden: true`) and to moderators; deleted posts to nobody.",
        responses={200: PostSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PostSerializer(page, many=True).data)

    @extend_schema(
        tags=["community"],
        summary="Publish a post (text up to 5,000 characters, up to 10 photos, optional trek and batch tags)",
        description="Send `multipart/form-data` to attach photos (repeat `photos`). Photos are checked by content, "
        "re-encoded as JPEG without EXIF. Rate-limited per user (`community_post`).",
        request=_upload_request(PostCreateSerializer),
        responses={201: PostSerializer, **error_responses(400, 401, 413, 429)},
    )
    def post(self, request: Request) -> Response:
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=_user(request), **data.validated_data)
        return Response(
            PostSerializer(selectors.post_get(user=request.user, post_id=post.pk)).data, status=status.HTTP_201_CREATED
        )


class PostDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(tags=["community"], summary="One post", responses={200: PostSerializer, **error_responses(404)})
    def get(self, request: Request, post_id: str) -> Response:
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)

    @extend_schema(
        tags=["community"],
        summary="Delete your post (it vanishes for everyone)",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_delete(post=post, user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostLikeView(APIView):
    permission_classes = [IsAuthenticated]

    def _answer(self, post_id: str, *, liked: bool) -> Response:
        count = PostLike.objects.filter(post_id=post_id).count()
        return Response(LikeSerializer({"liked": liked, "likes_count": count}).data)

    @extend_schema(
        tags=["community"],
        summary="Like a post (idempotent: liking twice keeps one like)",
        request=None,
        responses={200: LikeSerializer, **error_responses(401, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_like(post=post, user=_user(request))
        return self._answer(post_id, liked=True)

    @extend_schema(
        tags=["community"],
        summary="Unlike a post (idempotent)",
        responses={200: LikeSerializer, **error_responses(401, 404)},
    )
    def delete(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_unlike(post=post, user=_user(request))
        return self._answer(post_id, liked=False)


class PostReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["community"],
        summary="Report a post to the moderators (once per member)",
        request=ReportCreateSerializer,
        responses={201: None, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_report(post=post, reporter=_user(request), **data.validated_data)
        return Response(status=status.HTTP_201_CREATED)


class PostHideView(APIView):
    permission_classes = [Moderate]

    @extend_schema(
        tags=["community moderation"],
        summary="Hide a post (community.moderate); its open reports are resolved",
        request=HideSerializer,
        responses={200: PostSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = HideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_hide(post=post, actor=_user(request), reason=data.validated_data["reason"])
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)


class PostUnhideView(APIView):
    permission_classes = [Moderate]

    @extend_schema(
        tags=["community moderation"],
        summary="Show a hidden post again (community.moderate)",
        request=None,
        responses={200: PostSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_unhide(post=post, actor=_user(request))
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)


class ReportListView(GenericAPIView[PostReport]):
    permission_classes = [Moderate]
    serializer_class = ReportSerializer
    queryset = PostReport.objects.none()

    @extend_schema(
        tags=["community moderation"],
        summary="Reports on posts, newest first (community.moderate)",
        parameters=[OpenApiParameter("open", OpenApiTypes.BOOL, description="Only unresolved reports.")],
        responses={200: ReportSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.report_list()
        if request.query_params.get("open") in ("true", "1"):
            queryset = queryset.filter(resolved_at__isnull=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ReportSerializer(page, many=True).data)


# --- comments ------------------------------------------------------------------------------------


class PostCommentsView(GenericAPIView[Comment]):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = PageNumberPagination
    serializer_class = CommentSerializer
    queryset = Comment.objects.none()

    def get_throttles(self) -> list[Any]:
        throttles = list(super().get_throttles())
        if self.request.method == "POST":
            throttles.append(CommentCreateThrottle())
        return throttles

    @extend_schema(
        tags=["community"],
        summary="Comments of a post, oldest first, each with its replies",
        responses={200: CommentSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        page = self.paginate_queryset(selectors.comment_list(user=request.user, post=post))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(
        tags=["community"],
        summary="Comment on a post, or reply to a top-level comment (`parent`); a reply to a reply is 400",
        request=CommentCreateSerializer,
        responses={201: ReplySerializer, **error_responses(400, 401, 404, 429)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            post=post,
            author=_user(request),
            body=data.validated_data["body"],
            parent_id=data.validated_data.get("parent"),
        )
        return Response(ReplySerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["community"],
        summary="Delete your comment",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = selectors.comment_get(user=request.user, comment_id=comment_id)
        services.comment_delete(comment=comment, user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentHideView(APIView):
    permission_classes = [Moderate]
    hidden = True

    @extend_schema(
        tags=["community moderation"],
        summary="Hide a comment (community.moderate)",
        request=None,
        responses={200: ReplySerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, comment_id: str) -> Response:
        comment = selectors.comment_get(user=request.user, comment_id=comment_id)
        comment = services.comment_set_hidden(comment=comment, actor=_user(request), hidden=self.hidden)
        return Response(ReplySerializer(comment).data)


class CommentUnhideView(CommentHideView):
    hidden = False

    @extend_schema(
        tags=["community moderation"],
        summary="Show a hidden comment again (community.moderate)",
        request=None,
        responses={200: ReplySerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, comment_id: str) -> Response:
        return super().post(request, comment_id)


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
        request=_upload_request(JournalCreateSerializer),
        responses={201: JournalEntrySerializer, **error_responses(400, 401, 403, 413)},
    )
    def post(self, request: Request) -> Response:
        data = JournalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.journal_create(author=_user(request), **data.validated_data)
        return Response(
            JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class JournalDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=["journals"],
        summary="One journal entry (others' private entries are 404)",
        responses={200: JournalEntrySerializer, **error_responses(404)},
    )
    def get(self, request: Request, entry_id: str) -> Response:
        return Response(JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry_id)).data)

    @extend_schema(
        tags=["journals"],
        summary="Edit your journal entry",
        request=JournalUpdateSerializer,
        responses={200: JournalEntrySerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, entry_id: str) -> Response:
        entry = selectors.journal_get(user=request.user, entry_id=entry_id)
        data = JournalUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {name: value for name, value in data.validated_data.items() if name in request.data}
        services.journal_update(entry=entry, user=_user(request), changes=changes)
        return Response(JournalEntrySerializer(selectors.journal_get(user=request.user, entry_id=entry_id)).data)

    @extend_schema(
        tags=["journals"],
        summary="Delete your journal entry",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, entry_id: str) -> Response:
        entry = selectors.journal_get(user=request.user, entry_id=entry_id)
        services.journal_delete(entry=entry, user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrekJournalsView(GenericAPIView[JournalEntry]):
    permission_classes = [AllowAny]
    serializer_class = JournalEntrySerializer
    queryset = JournalEntry.objects.none()

    @extend_schema(
        tags=["journals"],
        summary="Public journal entries about a trek, newest first",
        responses={200: JournalEntrySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        trek = trek_get(user=request.user, slug=slug, fields=("id", "slug", "status"))
        page = self.paginate_queryset(selectors.trek_public_journals(trek_id=trek.pk))
        return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)


# --- challenges, badges, leaderboard -------------------------------------------------------------


class ChallengeListView(GenericAPIView[Challenge]):
    permission_classes = [AllowAny]
    serializer_class = ChallengeSerializer
    pagination_class = None
    queryset = Challenge.objects.none()

    @extend_schema(
        tags=["challenges"],
        summary="Active challenges with your progress (`current` of `target`) and whether you earned the badge",
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
        responses={200: LeaderboardSerializer, **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        body = {
            "results": selectors.leaderboard_top(),
            "me": selectors.leaderboard_rank_of(user=request.user),
            "cached_for_seconds": settings.COMMUNITY_LEADERBOARD_CACHE_SECONDS,
        }
        return Response(LeaderboardSerializer(body).data)
