"""Shapes of the community API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.community.models import (
    COMMENT_BODY_MAX,
    JOURNAL_BODY_MAX,
    MAX_PHOTOS,
    POST_BODY_MAX,
    Challenge,
    Comment,
    JournalEntry,
    JournalPhoto,
    JournalPrivacy,
    Post,
    PostPhoto,
    PostReport,
    UserBadge,
    Visibility,
)
from apps.treks.models import Batch, Trek
from apps.users.models import User


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "display_name", "tribe_handle", "tribe_tier")
        read_only_fields = fields


class TrekTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Trek
        fields = ("slug", "name")
        read_only_fields = fields


class BatchTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Batch
        fields = ("id", "start_date", "end_date")
        read_only_fields = fields


class CommunityPhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    position = serializers.IntegerField(read_only=True)

    @extend_schema_field(serializers.URLField())
    def get_url(self, photo: PostPhoto | JournalPhoto) -> str:
        return photo.image.url


class PostSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    trek = TrekTagSerializer(read_only=True, allow_null=True)
    batch = BatchTagSerializer(read_only=True, allow_null=True)
    photos = CommunityPhotoSerializer(many=True, read_only=True)
    likes_count = serializers.IntegerField(read_only=True)
    comments_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True)
    is_hidden = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = (
            "id",
            "author",
            "body",
            "visibility",
            "trek",
            "batch",
            "photos",
            "likes_count",
            "comments_count",
            "liked_by_me",
            "is_hidden",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_hidden(self, post: Post) -> bool:
        return post.hidden_at is not None


class PostCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=POST_BODY_MAX, allow_blank=True, required=False, default="")
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    trek = serializers.SlugRelatedField(
        slug_field="slug", queryset=Trek.objects.filter(status=Trek.Status.ACTIVE), required=False, allow_null=True
    )
    batch = serializers.PrimaryKeyRelatedField(
        queryset=Batch.objects.select_related("trek"), required=False, allow_null=True
    )
    photos = serializers.ListField(child=serializers.FileField(), max_length=MAX_PHOTOS, required=False, default=list)


class LikeSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    likes_count = serializers.IntegerField()


class ReportCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=PostReport.Reason.choices)
    details = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    post = serializers.UUIDField(source="post_id", read_only=True)
    post_author = AuthorSerializer(source="post.author", read_only=True)
    reporter = AuthorSerializer(read_only=True)
    post_is_hidden = serializers.SerializerMethodField()

    class Meta:
        model = PostReport
        fields = (
            "id",
            "post",
            "post_author",
            "reporter",
            "reason",
            "details",
            "post_is_hidden",
            "resolved_at",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_post_is_hidden(self, report: PostReport) -> bool:
        return report.post.hidden_at is not None


class HideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReplySerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    is_hidden = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields: tuple[str, ...] = ("id", "parent", "author", "body", "is_hidden", "created_at")
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_hidden(self, comment: Comment) -> bool:
        return comment.hidden_at is not None


class CommentSerializer(ReplySerializer):
    replies = serializers.SerializerMethodField()

    class Meta(ReplySerializer.Meta):
        fields: tuple[str, ...] = (*ReplySerializer.Meta.fields, "replies")
        read_only_fields: tuple[str, ...] = fields

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, comment: Comment) -> list[dict[str, Any]]:
        replies = getattr(comment, "visible_replies", [])
        return ReplySerializer(replies, many=True).data  # type: ignore[return-value]


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_BODY_MAX)
    parent = serializers.UUIDField(  # type: ignore[assignment]  # a field named like Field.parent
        required=False, allow_null=True, help_text="Reply to this top-level comment."
    )


class JournalEntrySerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    trek = TrekTagSerializer(read_only=True)
    photos = CommunityPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = (
            "id",
            "author",
            "trek",
            "day_number",
            "title",
            "body",
            "photos",
            "location_name",
            "latitude",
            "longitude",
            "privacy",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class _JournalFields(serializers.Serializer):
    day_number = serializers.IntegerField(min_value=1, max_value=365)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=JOURNAL_BODY_MAX, allow_blank=True, required=False, default="")
    privacy = serializers.ChoiceField(choices=JournalPrivacy.choices, default=JournalPrivacy.PRIVATE)
    location_name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False, allow_null=True, default=None
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_lat = attrs.get("latitude") is not None
        has_lng = attrs.get("longitude") is not None
        if ("latitude" in attrs or "longitude" in attrs) and has_lat != has_lng:
            raise serializers.ValidationError({"latitude": ["Give both latitude and longitude, or neither."]})
        return attrs


class JournalCreateSerializer(_JournalFields):
    trek = serializers.SlugRelatedField(slug_field="slug", queryset=Trek.objects.all())
    photos = serializers.ListField(child=serializers.FileField(), max_length=MAX_PHOTOS, required=False, default=list)


class JournalUpdateSerializer(_JournalFields):
    pass


class ChallengeSerializer(serializers.ModelSerializer):
    current = serializers.IntegerField(read_only=True, allow_null=True, help_text="Your progress (null if anonymous).")
    earned = serializers.SerializerMethodField()
    earned_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Challenge
        fields = (
            "id",
            "slug",
            "name",
            "description",
            "kind",
            "target",
            "difficulty",
            "month_from",
            "month_to",
            "points_reward",
            "badge_name",
            "badge_icon",
            "current",
            "earned",
            "earned_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_earned(self, challenge: Challenge) -> bool:
        return getattr(challenge, "earned_at", None) is not None


class BadgeSerializer(serializers.ModelSerializer):
    challenge = serializers.CharField(source="challenge.slug", read_only=True)
    name = serializers.CharField(source="challenge.badge_name", read_only=True)
    icon = serializers.CharField(source="challenge.badge_icon", read_only=True)
    challenge_name = serializers.CharField(source="challenge.name", read_only=True)

    class Meta:
        model = UserBadge
        fields = ("id", "challenge", "challenge_name", "name", "icon", "points_awarded", "earned_at")
        read_only_fields = fields


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.UUIDField()
    display_name = serializers.CharField()
    tribe_handle = serializers.CharField(allow_null=True)
    tribe_tier = serializers.CharField()
    points = serializers.IntegerField()


class MyRankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    points = serializers.IntegerField()


class LeaderboardSerializer(serializers.Serializer):
    results = LeaderboardRowSerializer(many=True)
    me = MyRankSerializer(allow_null=True, help_text="Your own rank (null for staff accounts and anonymous callers).")
    cached_for_seconds = serializers.IntegerField()
