"""Every community write. Services run in a transaction, check the rules and raise domain errors; staff
moderation writes an audit row."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.common.audit import AuditAction, audit
from apps.common.exceptions import NotFound
from apps.common.services import enqueue_on_commit
from apps.common.uploads import ImageInvalid, file_delete_on_commit, image_upload_clean
from apps.community import errors, selectors, tasks
from apps.community.domain import challenge_points_key
from apps.community.models import (
    MAX_PHOTOS,
    Comment,
    JournalEntry,
    JournalPhoto,
    Post,
    PostLike,
    PostPhoto,
    PostReport,
    UserBadge,
)
from apps.notifications.services import notify
from apps.treks.models import Batch, Trek
from apps.users.models import PointsTransaction, User
from apps.users.services.loyalty import points_award

logger = logging.getLogger(__name__)


# --- photos --------------------------------------------------------------------------------------


def _photos_clean(files: Sequence[UploadedFile], *, field: str = "photos") -> list[ContentFile[bytes]]:
    """Check each upload by content and return clean JPEG copies (EXIF and metadata gone)."""
    if len(files) > MAX_PHOTOS:
        raise errors.TooManyPhotos(details={field: [f"At most {MAX_PHOTOS} photos."]})
    cleaned = []
    for index, upload in enumerate(files, start=1):
        try:
            cleaned.append(
                image_upload_clean(
                    upload, max_bytes=settings.COMMUNITY_PHOTO_MAX_BYTES, max_edge=settings.COMMUNITY_PHOTO_MAX_EDGE
                )
            )
        except ImageInvalid as exc:
            raise errors.PhotoInvalid(details={field: [f"Photo {index}: {exc}"]}) from exc
    return cleaned


# --- posts ---------------------------------------------------------------------------------------


def post_create(
    *,
    author: User,
    body: str = "",
    visibility: str = Post.Visibility.PUBLIC,
    trek: Trek | None = None,
    batch: Batch | None = None,
    photos: Sequence[UploadedFile] = (),
) -> Post:
    body = body.strip()
    if not body and not photos:
        raise errors.PostEmpty(details={"body": ["Write something or add a photo."]})
    if batch is not None:
        if trek is not None and batch.trek_id != trek.pk:
            raise errors.BatchNotOfTrek(details={"batch": ["This batch is not a departure of the trek tagged."]})
        trek = trek or batch.trek
    cleaned = _photos_clean(photos)
    with transaction.atomic():
        post = Post.objects.create(author=author, body=body, visibility=visibility, trek=trek, batch=batch)
        for position, image in enumerate(cleaned):
            PostPhoto.objects.create(post=post, image=image, position=position)
    logger.info("post %s created by %s", post.pk, author.pk)
    return post


def post_delete(*, post: Post, user: User) -> None:
    """Soft delete by the author: the post vanishes for everyone (moderators keep it in the admin)."""
    if post.author_id != user.pk:
        raise errors.NotAuthor("Only the author can delete this post.")
    with transaction.atomic():
        Post.objects.filter(pk=post.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), updated_at=timezone.now()
        )


def post_hide(*, post: Post, actor: User, reason: str = "") -> Post:
    """Hide a post from everyone but its author; its open reports are resolved."""
    now = timezone.now()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.hidden_at is None:
            locked.hidden_at, locked.hidden_by, locked.hidden_reason = now, actor, reason[:300]
            locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
            PostReport.objects.filter(post=locked, resolved_at__isnull=True).update(
                resolved_at=now, resolved_by=actor, updated_at=now
            )
            audit(actor=actor, action=AuditAction.POST_HIDDEN, target=locked, changes={"reason": reason[:300]})
    return locked


def post_unhide(*, post: Post, actor: User) -> Post:
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.hidden_at is not None:
            locked.hidden_at, locked.hidden_by, locked.hidden_reason = None, None, ""
            locked.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"])
            audit(actor=actor, action=AuditAction.POST_UNHIDDEN, target=locked)
    return locked


def post_like(*, post: Post, user: User) -> None:
    """Like once; liking again (or concurrently) changes nothing (ON CONFLICT DO NOTHING on the unique pair)."""
    with transaction.atomic():
        PostLike.objects.bulk_create([PostLike(post=post, user=user)], ignore_conflicts=True)


def post_unlike(*, post: Post, user: User) -> None:
    with transaction.atomic():
        PostLike.objects.filter(post=post, user=user).delete()


def post_report(*, post: Post, reporter: User, reason: str, details: str = "") -> PostReport:
    if post.author_id == reporter.pk:
        raise errors.OwnPostReport()
    try:
        with transaction.atomic():
            report = PostReport.objects.create(post=post, reporter=reporter, reason=reason, details=details)
    except IntegrityError as exc:
        raise errors.AlreadyReported() from exc
    logger.info("post %s reported (%s)", post.pk, reason)
    return report


# --- comments ------------------------------------------------------------------------------------


def comment_create(*, post: Post, author: User, body: str, parent_id: Any = None) -> Comment:
    parent = None
    if parent_id is not None:
        parent = selectors.visible_comments(user=author).filter(pk=parent_id).first()
        if parent is None or parent.post_id != post.pk:
            raise errors.ParentNotOnPost(details={"parent": ["No such comment on this post."]})
        if parent.parent_id is not None:
            raise errors.ReplyDepthExceeded(details={"parent": ["Reply to the top-level comment instead."]})
    with transaction.atomic():
        return Comment.objects.create(post=post, author=author, parent=parent, body=body.strip())


def comment_delete(*, comment: Comment, user: User) -> None:
    if comment.author_id != user.pk:
        raise errors.NotAuthor("Only the author can delete this comment.")
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk, deleted_at__isnull=True).update(
            deleted_at=timezone.now(), updated_at=timezone.now()
        )


def comment_set_hidden(*, comment: Comment, actor: User, hidden: bool) -> Comment:
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if (locked.hidden_at is not None) != hidden:
            locked.hidden_at = timezone.now() if hidden else None
            locked.hidden_by = actor if hidden else None
            locked.save(update_fields=["hidden_at", "hidden_by", "updated_at"])
            audit(
                actor=actor,
                action=AuditAction.COMMENT_HIDDEN if hidden else AuditAction.COMMENT_UNHIDDEN,
                target=locked,
            )
    return locked


# --- journals ------------------------------------------------------------------------------------


def _check_day(trek: Trek, day_number: int) -> None:
    if not 1 <= day_number <= trek.duration_days:
        raise errors.DayOutOfRange(
            details={"day_number": [f"This trek lasts {trek.duration_days} days: choose 1 to {trek.duration_days}."]}
        )


def journal_create(
    *,
    author: User,
    trek: Trek,
    day_number: int,
    title: str,
    body: str = "",
    privacy: str = JournalEntry.Privacy.PRIVATE,
    location_name: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Sequence[UploadedFile] = (),
) -> JournalEntry:
    """A journal entry for a trek the author has a confirmed or completed booking for (403 otherwise)."""
    booking = selectors.bookings_for_journal(user=author, trek_id=trek.pk).first()
    if booking is None:
        raise errors.TrekNotBooked(details={"trek": [trek.slug]})
    _check_day(trek, day_number)
    cleaned = _photos_clean(photos)
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            author=author,
            trek=trek,
            booking=booking,
            day_number=day_number,
            title=title,
            body=body,
            privacy=privacy,
            location_name=location_name,
            latitude=latitude,
            longitude=longitude,
        )
        for position, image in enumerate(cleaned):
            JournalPhoto.objects.create(entry=entry, image=image, position=position)
    return entry


JOURNAL_EDITABLE = ("day_number", "title", "body", "privacy", "location_name", "latitude", "longitude")


def journal_update(*, entry: JournalEntry, user: User, changes: dict[str, Any]) -> JournalEntry:
    if entry.author_id != user.pk:
        raise errors.NotAuthor("Only the author can edit this entry.")
    unknown = set(changes) - set(JOURNAL_EDITABLE)
    if unknown:
        raise errors.ValidationFailed(details={name: ["This field cannot be changed."] for name in sorted(unknown)})
    if "day_number" in changes:
        _check_day(entry.trek, changes["day_number"])
    with transaction.atomic():
        for name, value in changes.items():
            setattr(entry, name, value)
        entry.save(update_fields=[*changes, "updated_at"])
    return entry


def journal_delete(*, entry: JournalEntry, user: User) -> None:
    if entry.author_id != user.pk:
        raise errors.NotAuthor("Only the author can delete this entry.")
    with transaction.atomic():
        names = [str(photo.image.name) for photo in entry.photos.all() if photo.image]
        entry.delete()
        file_delete_on_commit(default_storage, *names)


def member_content_withdraw(*, user: User) -> dict[str, int]:
    """The account changed hands: what the previous holder published must not speak for the new owner. Their
    posts and comments are deleted (as by their author), their journal entries and likes removed. Inside the
    caller's transaction."""
    now = timezone.now()
    entries = JournalEntry.objects.filter(author=user)
    names = [str(name) for name in JournalPhoto.objects.filter(entry__in=entries).values_list("image", flat=True)]
    counts = {
        "posts": Post.objects.filter(author=user, deleted_at__isnull=True).update(deleted_at=now, updated_at=now),
        "comments": Comment.objects.filter(author=user, deleted_at__isnull=True).update(deleted_at=now, updated_at=now),
        "journal_entries": entries.delete()[1].get(JournalEntry._meta.label, 0),
        "likes": PostLike.objects.filter(user=user).delete()[0],
    }
    file_delete_on_commit(default_storage, *names)
    logger.info("community content of user %s withdrawn: %s", user.pk, counts)
    return counts


# --- challenges ----------------------------------------------------------------------------------


def challenges_evaluate(*, user_id: Any) -> list[UserBadge]:
    """Award every challenge the user has reached and not yet earned: a badge and its points.

    Idempotent: the user's row is locked, so evaluations of one user run one at a time; a badge exists at
    most once per user and challenge (unique constraint) and its points carry an idempotency key per user
    and challenge. Running it again awards nothing.
    """
    awarded: list[UserBadge] = []
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            raise NotFound("No such user.")
        reached = [
            challenge
            for challenge in selectors.challenge_progress(user=user)
            if getattr(challenge, "earned_at", None) is None
            and (getattr(challenge, "current", 0) or 0) >= challenge.target
        ]
        for challenge in reached:
            badge, created = UserBadge.objects.get_or_create(
                user=user,
                challenge=challenge,
                defaults={"earned_at": timezone.now(), "points_awarded": challenge.points_reward},
            )
            if not created:
                continue
            if challenge.points_reward > 0:
                points_award(
                    user=user,
                    amount=challenge.points_reward,
                    reason=PointsTransaction.Reason.CHALLENGE,
                    reference=f"challenge:{challenge.slug}",
                    idempotency_key=challenge_points_key(user_id=user.pk, challenge_id=challenge.pk),
                )
            notify(
                template="badge_earned",
                category="community",
                context={
                    "badge_name": challenge.badge_name,
                    "challenge_name": challenge.name,
                    "points": challenge.points_reward,
                },
                user=user,
                dedupe_key=f"badge:{badge.pk}",
            )
            awarded.append(badge)
    for badge in awarded:
        logger.info("badge %s earned by %s", badge.challenge.slug, user_id)
    return awarded


def challenges_evaluate_everyone() -> int:
    """Queue an evaluation for every member with a completed booking (after a challenge is added or
    changed); returns how many were queued. Each evaluation is idempotent."""
    user_ids = list(
        Booking.objects.filter(status=BookingStatus.COMPLETED).order_by().values_list("user_id", flat=True).distinct()
    )
    for user_id in user_ids:
        enqueue_on_commit(tasks.evaluate_challenges, str(user_id))
    return len(user_ids)
