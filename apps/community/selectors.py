"""Community reads. Every list runs a constant number of queries: counts and "liked by me" are annotated
(subqueries, so joins never multiply rows), authors and tags are joined, photos and replies prefetched.

Who sees what:

- posts: anonymous visitors see public posts; members also see tribe-only ones. Hidden posts vanish for
  everyone but their author (who sees them marked hidden) and moderators (``community.moderate``).
  Deleted posts vanish for everyone.
- comments: the same rule as posts, inside a post the reader can see.
- journal entries: public ones for everyone, tribe ones for members, private ones for their author only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Rank

from apps.bookings.models import Booking, BookingStatus
from apps.common.exceptions import NotFound
from apps.community.models import (
    Challenge,
    ChallengeKind,
    Comment,
    JournalEntry,
    JournalPhoto,
    JournalPrivacy,
    Post,
    PostLike,
    PostPhoto,
    PostReport,
    UserBadge,
    Visibility,
)
from apps.users.models import User
from apps.users.roles import Capability, has_capability


def is_member(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_moderator(user: Any) -> bool:
    return is_member(user) and has_capability(user, Capability.COMMUNITY_MODERATE)


# --- posts ---------------------------------------------------------------------------------------


def visible_posts(*, user: Any) -> QuerySet[Post]:
    qs = Post.objects.filter(deleted_at__isnull=True)
    if not is_member(user):
        return qs.filter(visibility=Visibility.PUBLIC, hidden_at__isnull=True)
    if is_moderator(user):
        return qs
    return qs.filter(Q(hidden_at__isnull=True) | Q(author=user))


def public_comments() -> QuerySet[Comment]:
    """Comments everyone can see (what the counts count)."""
    return Comment.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)


def visible_comments(*, user: Any) -> QuerySet[Comment]:
    qs = Comment.objects.filter(deleted_at__isnull=True)
    if not is_member(user):
        return qs.filter(hidden_at__isnull=True)
    if is_moderator(user):
        return qs
    return qs.filter(Q(hidden_at__isnull=True) | Q(author=user))


def _count(qs: QuerySet[Any], group: str) -> Coalesce:
    counted = qs.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def post_list(*, user: Any) -> QuerySet[Post]:
    """The feed as the caller may see it, newest first, with counts and ``liked_by_me`` annotated."""
    liked: Any = (
        Exists(PostLike.objects.filter(post=OuterRef("pk"), user=user))
        if is_member(user)
        else Value(False, output_field=BooleanField())
    )
    return (
        visible_posts(user=user)
        .select_related("author", "trek", "batch")
        .prefetch_related(Prefetch("photos", queryset=PostPhoto.objects.order_by("position")))
        .annotate(
            likes_count=_count(PostLike.objects.filter(post=OuterRef("pk")), "post"),
            comments_count=_count(public_comments().filter(post=OuterRef("pk")), "post"),
            liked_by_me=liked,
        )
        .order_by("-created_at", "-id")
    )


def post_get(*, user: Any, post_id: Any) -> Post:
    """The post, annotated, if the caller may see it; 404 otherwise."""
    post = post_list(user=user).filter(pk=post_id).first()
    if post is None:
        raise NotFound("No such post.")
    return post


def comment_list(*, user: Any, post: Post) -> QuerySet[Comment]:
    """Top-level comments of ``post`` (oldest first), each with its visible replies prefetched."""
    replies = visible_comments(user=user).select_related("author").order_by("created_at", "id")
    return (
        visible_comments(user=user)
        .filter(post=post, parent__isnull=True)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by("created_at", "id")
    )


def comment_get(*, user: Any, comment_id: Any) -> Comment:
    """A comment the caller can see, on a post the caller can see; 404 otherwise."""
    comment = (
        visible_comments(user=user)
        .filter(pk=comment_id, post__in=visible_posts(user=user))
        .select_related("author", "post")
        .first()
    )
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def report_list() -> QuerySet[PostReport]:
    return PostReport.objects.select_related("post__author", "reporter", "resolved_by").order_by("-created_at", "-id")


# --- journals ------------------------------------------------------------------------------------


def visible_journal_entries(*, user: Any) -> QuerySet[JournalEntry]:
    qs = JournalEntry.objects.all()
    if not is_member(user):
        qs = qs.filter(privacy=JournalPrivacy.PUBLIC)
    else:
        qs = qs.filter(Q(author=user) | Q(privacy__in=[JournalPrivacy.TRIBE, JournalPrivacy.PUBLIC]))
    return (
        qs.select_related("author", "trek")
        .prefetch_related(Prefetch("photos", queryset=JournalPhoto.objects.order_by("position")))
        .order_by("-created_at", "-id")
    )


def journal_get(*, user: Any, entry_id: Any) -> JournalEntry:
    entry = visible_journal_entries(user=user).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("No such journal entry.")
    return entry


def trek_public_journals(*, trek_id: Any) -> QuerySet[JournalEntry]:
    """The public entries written about one trek (listed on the trek), newest first."""
    return visible_journal_entries(user=None).filter(trek_id=trek_id)


def bookings_for_journal(*, user: Any, trek_id: Any) -> QuerySet[Booking]:
    """The author's bookings on this trek that allow journal entries (confirmed or completed), latest first."""
    return Booking.objects.filter(
        user=user, batch__trek_id=trek_id, status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED]
    ).order_by("-batch__start_date", "-created_at")


# --- challenges and badges ----------------------------------------------------------------------


def _aggregate(qs: QuerySet[Booking], aggregate: Any) -> Coalesce:
    value = qs.order_by().values("user").annotate(v=aggregate).values("v")[:1]
    return Coalesce(Subquery(value, output_field=IntegerField()), Value(0))


def challenge_progress(*, user: Any) -> QuerySet[Challenge]:
    """Active challenges, each annotated with ``current`` (the caller's progress towards ``target``) and
    ``earned_at`` (their badge, if earned). Computed in the database in one query; anonymous: both null."""
    qs = Challenge.objects.filter(is_active=True).order_by("position", "name")
    if not is_member(user):
        return qs.annotate(
            current=Value(None, output_field=IntegerField()), earned_at=Value(None, output_field=DateTimeField())
        )
    done = Booking.objects.filter(user=user, status=BookingStatus.COMPLETED)
    month = "batch__start_date__month"
    current = Case(
        When(kind=ChallengeKind.TREKS_COMPLETED, then=_aggregate(done, Count("pk"))),
        When(kind=ChallengeKind.ALTITUDE_REACHED, then=_aggregate(done, Max("batch__trek__max_altitude"))),
        When(kind=ChallengeKind.REGIONS_VISITED, then=_aggregate(done, Count("batch__trek__region", distinct=True))),
        When(
            kind=ChallengeKind.DIFFICULTY_COMPLETED,
            then=_aggregate(done.filter(batch__trek__difficulty=OuterRef("difficulty")), Count("pk")),
        ),
        When(
            kind=ChallengeKind.SEASON_COMPLETED,
            month_from__lte=F("month_to"),
            then=_aggregate(
                done.filter(**{f"{month}__gte": OuterRef("month_from"), f"{month}__lte": OuterRef("month_to")}),
                Count("pk"),
            ),
        ),
        When(  # a range wrapping the year end, e.g. December (12) to February (2)
            kind=ChallengeKind.SEASON_COMPLETED,
            then=_aggregate(
                done.filter(
                    Q(**{f"{month}__gte": OuterRef("month_from")}) | Q(**{f"{month}__lte": OuterRef("month_to")})
                ),
                Count("pk"),
            ),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    earned_at = Subquery(
        UserBadge.objects.filter(user=user, challenge=OuterRef("pk")).values("earned_at")[:1],
        output_field=DateTimeField(),
    )
    return qs.annotate(current=current, earned_at=earned_at)


def badges_of(*, user: Any) -> QuerySet[UserBadge]:
    return UserBadge.objects.filter(user=user).select_related("challenge").order_by("-earned_at", "-id")


# --- leaderboard ---------------------------------------------------------------------------------


def leaderboard_members() -> QuerySet[User]:
    """Who is ranked: active trekkers (staff accounts are not)."""
    return User.objects.filter(is_active=True, staff_role__isnull=True)


def _leaderboard_rows(limit: int) -> list[dict[str, Any]]:
    ranked = (
        leaderboard_members()
        .annotate(rank=Window(Rank(), order_by=F("obs_points").desc()))
        .order_by("-obs_points", "id")
        .values("id", "first_name", "last_name", "tribe_handle", "tribe_tier", "obs_points", "rank")[:limit]
    )
    return [
        {
            "rank": row["rank"],
            "user_id": row["id"],
            "display_name": f"{row['first_name']} {row['last_name']}".strip() or row["tribe_handle"] or "Trekker",
            "tribe_handle": row["tribe_handle"],
            "tribe_tier": row["tribe_tier"],
            "points": row["obs_points"],
        }
        for row in ranked
    ]


def leaderboard_top(*, limit: int | None = None) -> list[dict[str, Any]]:
    """The top ``limit`` members by points (competition ranking: ties share a rank), cached for
    ``COMMUNITY_LEADERBOARD_CACHE_SECONDS``."""
    limit = limit or settings.COMMUNITY_LEADERBOARD_SIZE
    key = f"community:leaderboard:{limit}"
    rows = cache.get(key)
    if rows is None:
        rows = _leaderboard_rows(limit)
        cache.set(key, rows, settings.COMMUNITY_LEADERBOARD_CACHE_SECONDS)
    return rows


def leaderboard_rank_of(*, user: Any) -> dict[str, Any] | None:
    """The caller's own rank and points (live), or None for staff and anonymous callers."""
    if not is_member(user) or getattr(user, "staff_role", None):
        return None
    points = User.objects.values_list("obs_points", flat=True).get(pk=user.pk)
    ahead = leaderboard_members().filter(obs_points__gt=points).count()
    return {"rank": ahead + 1, "points": points}
