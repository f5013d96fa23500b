"""The Trekking Tribe: feed posts with photos, likes, comments (one level of replies) and reports; trip
journal entries; challenges (defined as data) and the badges earned by completing them.

Posts and comments are never removed by their authors, only marked deleted (``deleted_at``); moderators
hide and unhide them (``hidden_at``). Counts are annotated by the selectors, never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from apps.common.models import BaseModel

POST_BODY_MAX = 5000
COMMENT_BODY_MAX = 2000
JOURNAL_BODY_MAX = 20000
MAX_PHOTOS = 10


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    TRIBE = "tribe", "Signed-in members of the tribe"


class JournalPrivacy(models.TextChoices):
    PRIVATE = "private", "Only me"
    TRIBE = "tribe", "Signed-in members of the tribe"
    PUBLIC = "public", "Everyone"


class Post(BaseModel):
    Visibility = Visibility

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    body = models.TextField(blank=True)
    trek = models.ForeignKey("treks.Trek", on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    batch = models.ForeignKey("treks.Batch", on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="post_feed_idx"),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
            models.Index(fields=["trek", "-created_at"], name="post_trek_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(visibility__in=Visibility.values), name="post_visibility_valid"),
            models.CheckConstraint(condition=LessThanOrEqual(Length("body"), POST_BODY_MAX), name="post_body_max_5000"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} by {self.author_id}"


class PostPhoto(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="community/posts/", max_length=255)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="post_photo_position_unique"),
            models.CheckConstraint(condition=Q(position__lt=MAX_PHOTOS), name="post_photo_at_most_10"),
        ]


class PostLike(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_likes")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="post_like_one_per_user")]


class Comment(BaseModel):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "parent", "created_at"], name="comment_post_idx")]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), COMMENT_BODY_MAX), name="comment_body_max_2000"
            ),
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_blank"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="comment_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.post_id}"


class ReportReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    ABUSE = "abuse", "Harassment or hate"
    UNSAFE = "unsafe", "Dangerous advice"
    INAPPROPRIATE = "inappropriate", "Inappropriate content"
    OTHER = "other", "Something else"


class PostReport(BaseModel):
    Reason = ReportReason

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    details = models.CharField(max_length=1000, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="post_report_once_per_user"),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values), name="post_report_reason_valid"),
        ]


class JournalEntry(BaseModel):
    Privacy = JournalPrivacy

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries")
    trek = models.ForeignKey("treks.Trek", on_delete=models.PROTECT, related_name="journal_entries")
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="journal_entries")
    day_number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    location_name = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    privacy = models.CharField(max_length=10, choices=JournalPrivacy.choices, default=JournalPrivacy.PRIVATE)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["trek", "privacy", "-created_at"], name="journal_trek_idx"),
            models.Index(fields=["author", "-created_at"], name="journal_author_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(privacy__in=JournalPrivacy.values), name="journal_privacy_valid"),
            models.CheckConstraint(condition=Q(day_number__gte=1), name="journal_day_positive"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), JOURNAL_BODY_MAX), name="journal_body_max_20000"
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="journal_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Day {self.day_number}: {self.title}"


class JournalPhoto(BaseModel):
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="community/journals/", max_length=255)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="journal_photo_position_unique"),
            models.CheckConstraint(condition=Q(position__lt=MAX_PHOTOS), name="journal_photo_at_most_10"),
        ]


class ChallengeKind(models.TextChoices):
    TREKS_COMPLETED = "treks_completed", "Treks completed (at least target)"
    ALTITUDE_REACHED = "altitude_reached", "Highest altitude reached on a completed trek (metres)"
    REGIONS_VISITED = "regions_visited", "Distinct regions of completed treks"
    DIFFICULTY_COMPLETED = "difficulty_completed", "Completed treks of a difficulty"
    SEASON_COMPLETED = "season_completed", "Completed treks starting in a range of months"


class Challenge(BaseModel):
    """A rule over the user's completed bookings, its target, and the badge and points it earns.

    ``season_completed`` counts completed treks whose departure month lies in ``month_from..month_to``
    (a range may wrap the year: 12..2 is December to February).
    """

    Kind = ChallengeKind

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=30, choices=ChallengeKind.choices)
    target = models.PositiveIntegerField(help_text="N treks / regions, or metres for altitude_reached.")
    difficulty = models.CharField(
        max_length=20, blank=True, help_text="Trek difficulty counted by difficulty_completed."
    )
    month_from = models.PositiveSmallIntegerField(null=True, blank=True)
    month_to = models.PositiveSmallIntegerField(null=True, blank=True)
    points_reward = models.PositiveIntegerField(default=0)
    badge_name = models.CharField(max_length=80)
    badge_icon = models.CharField(max_length=200, help_text="Icon name or URL shown with the badge.")
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChallengeKind.values), name="challenge_kind_valid"),
            models.CheckConstraint(condition=Q(target__gte=1), name="challenge_target_positive"),
            models.CheckConstraint(
                condition=~Q(kind="difficulty_completed")
                | Q(difficulty__in=["easy", "moderate", "difficult", "very_difficult"]),
                name="challenge_difficulty_set",
            ),
            models.CheckConstraint(
                condition=~Q(kind="season_completed")
                | Q(month_from__gte=1, month_from__lte=12, month_to__gte=1, month_to__lte=12),
                name="challenge_season_months_set",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UserBadge(BaseModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="badges")
    earned_at = models.DateTimeField()
    points_awarded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-earned_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "challenge"], name="user_badge_once_per_challenge")]

    def __str__(self) -> str:
        return f"{self.challenge.badge_name} for {self.user_id}"
