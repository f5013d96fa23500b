"""The feed: posts, likes, reports, comments and their moderation."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import CursorPagination, PageNumberPagination
from apps.common.schema import error_responses
from apps.community import selectors, services
from apps.community.errors import (
    AlreadyReported,
    BatchNotOfTrek,
    NotAuthor,
    OwnPostReport,
    ParentNotOnPost,
    PhotoInvalid,
    PostEmpty,
    ReplyDepthExceeded,
    TooManyPhotos,
)
from apps.community.filters import PostFilter
from apps.community.models import Comment, Post, PostLike, PostReport
from apps.community.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    HideSerializer,
    LikeSerializer,
    PostCreateSerializer,
    PostSerializer,
    ReplySerializer,
    ReportCreateSerializer,
    ReportSerializer,
)
from apps.community.throttles import CommentCreateThrottle, PostCreateThrottle
from apps.community.views.common import UPLOAD_PARSERS, Moderate, upload_request
from apps.users.current import authenticated_user

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
        request=upload_request(PostCreateSerializer),
        responses={
            201: PostSerializer,
            **error_responses(400, PostEmpty, PhotoInvalid, TooManyPhotos, BatchNotOfTrek, 401, 413, 429),
        },
    )
    def post(self, request: Request) -> Response:
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=authenticated_user(request), **data.validated_data)
        return Response(
            PostSerializer(selectors.post_get(user=request.user, post_id=post.pk)).data, status=status.HTTP_201_CREATED
        )


class PostDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        tags=["community"],
        summary="One post",
        description="A post the caller may see (public, or tribe for members; a hidden one for its author and "
        "moderators); anything else is 404.",
        responses={200: PostSerializer, **error_responses(404)},
    )
    def get(self, request: Request, post_id: str) -> Response:
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)

    @extend_schema(
        tags=["community"],
        summary="Delete your post (it vanishes for everyone)",
        description=("The author only (403 `not_author`). It vanishes for everyone (404 afterwards)."),
        responses={204: None, **error_responses(401, NotAuthor, 404)},
    )
    def delete(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_delete(post=post, user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostLikeView(APIView):
    permission_classes = [IsAuthenticated]

    def _answer(self, post_id: str, *, liked: bool) -> Response:
        count = PostLike.objects.filter(post_id=post_id).count()
        return Response(LikeSerializer({"liked": liked, "likes_count": count}).data)

    @extend_schema(
        tags=["community"],
        summary="Like a post (idempotent: liking twice keeps one like)",
        description="Signed in, on a post the caller may see (else 404). Answers the like count.",
        request=None,
        responses={200: LikeSerializer, **error_responses(401, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_like(post=post, user=authenticated_user(request))
        return self._answer(post_id, liked=True)

    @extend_schema(
        operation_id="postUnlike",
        tags=["community"],
        summary="Unlike a post (idempotent)",
        description="Signed in. Unliking a post not liked is harmless. Answers the like count.",
        responses={200: LikeSerializer, **error_responses(401, 404)},
    )
    def delete(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_unlike(post=post, user=authenticated_user(request))
        return self._answer(post_id, liked=False)


class PostReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["community"],
        summary="Report a post to the moderators (once per member)",
        description=(
            "Signed in, on a post the caller may see. Reporting your own post is 400 "
            "`own_post`, reporting it twice 409 `already_reported`. The moderators see "
            "it in `reportList`."
        ),
        request=ReportCreateSerializer,
        responses={201: None, **error_responses(400, OwnPostReport, 401, 404, AlreadyReported)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_report(post=post, reporter=authenticated_user(request), **data.validated_data)
        return Response(status=status.HTTP_201_CREATED)


class PostHideView(APIView):
    permission_classes = [Moderate]

    @extend_schema(
        tags=["community moderation"],
        summary="Hide a post (community.moderate); its open reports are resolved",
        description=(
            "Moderators only. The post disappears for everyone but its author (shown "
            "with `is_hidden`) and moderators. Audited."
        ),
        request=HideSerializer,
        responses={200: PostSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = HideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_hide(post=post, actor=authenticated_user(request), reason=data.validated_data["reason"])
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)


class PostUnhideView(APIView):
    permission_classes = [Moderate]

    @extend_schema(
        tags=["community moderation"],
        summary="Show a hidden post again (community.moderate)",
        description="Moderators only. Audited.",
        request=None,
        responses={200: PostSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.post_unhide(post=post, actor=authenticated_user(request))
        return Response(PostSerializer(selectors.post_get(user=request.user, post_id=post_id)).data)


class ReportListView(GenericAPIView[PostReport]):
    permission_classes = [Moderate]
    serializer_class = ReportSerializer
    queryset = PostReport.objects.none()

    @extend_schema(
        tags=["community moderation"],
        summary="Reports on posts, newest first (community.moderate)",
        description="Moderators only. Page-number pagination.",
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
        description=(
            "On a post the caller may see (else 404); no sign-in needed for public "
            "posts. Hidden comments show to their author and moderators only. "
            "Page-number pagination."
        ),
        responses={200: CommentSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        page = self.paginate_queryset(selectors.comment_list(user=request.user, post=post))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(
        tags=["community"],
        summary="Comment on a post, or reply to a top-level comment (`parent`); a reply to a reply is 400",
        description=(
            "Signed in, on a post the caller may see. `parent` must be a visible comment "
            "of this post (400 `parent_not_on_post`); a reply to a reply is 400 "
            "`reply_depth_exceeded`. Rate-limited (429 `throttled`)."
        ),
        request=CommentCreateSerializer,
        responses={201: ReplySerializer, **error_responses(400, ReplyDepthExceeded, ParentNotOnPost, 401, 404, 429)},
    )
    def post(self, request: Request, post_id: str) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            post=post,
            author=authenticated_user(request),
            body=data.validated_data["body"],
            parent_id=data.validated_data.get("parent"),
        )
        return Response(ReplySerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["community"],
        summary="Delete your comment",
        description="The author only (403 `not_author`). It disappears for everyone.",
        responses={204: None, **error_responses(401, NotAuthor, 404)},
    )
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = selectors.comment_get(user=request.user, comment_id=comment_id)
        services.comment_delete(comment=comment, user=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentHideView(APIView):
    permission_classes = [Moderate]
    hidden = True

    @extend_schema(
        tags=["community moderation"],
        summary="Hide a comment (community.moderate)",
        description=("Moderators only. The comment disappears for everyone but its author and moderators. Audited."),
        request=None,
        responses={200: ReplySerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, comment_id: str) -> Response:
        comment = selectors.comment_get(user=request.user, comment_id=comment_id)
        comment = services.comment_set_hidden(comment=comment, actor=authenticated_user(request), hidden=self.hidden)
        return Response(ReplySerializer(comment).data)


class CommentUnhideView(CommentHideView):
    hidden = False

    @extend_schema(
        tags=["community moderation"],
        summary="Show a hidden comment again (community.moderate)",
        description="Moderators only. Audited.",
        request=None,
        responses={200: ReplySerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request: Request, comment_id: str) -> Response:
        return super().post(request, comment_id)
