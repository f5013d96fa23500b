"""Demo community: challenges (by slug), posts with likes, comments and a reply, journal entries on the demo
trekker's booked treks, and the badges earned so far. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.bookings.models import Booking, BookingStatus
from apps.community import services
from apps.community.models import Challenge, ChallengeKind, JournalEntry, Post, UserBadge
from apps.demo.accounts import demo_user

DEMO_CHALLENGES: list[dict[str, Any]] = [
    {
        "slug": "first-footsteps",
        "name": "First Footsteps",
        "description": "Complete your first trek with OBS.",
        "kind": ChallengeKind.TREKS_COMPLETED,
        "target": 1,
        "points_reward": 100,
        "badge_name": "Trail Starter",
        "badge_icon": "badge-boot",
        "position": 1,
    },
    {
        "slug": "five-trails",
        "name": "Five Trails",
        "description": "Complete five treks.",
        "kind": ChallengeKind.TREKS_COMPLETED,
        "target": 5,
        "points_reward": 500,
        "badge_name": "Trail Regular",
        "badge_icon": "badge-five",
        "position": 2,
    },
    {
        "slug": "cloud-walker",
        "name": "Cloud Walker",
        "description": "Reach 4,000 m on a completed trek.",
        "kind": ChallengeKind.ALTITUDE_REACHED,
        "target": 4000,
        "points_reward": 250,
        "badge_name": "Cloud Walker",
        "badge_icon": "badge-cloud",
        "position": 3,
    },
    {
        "slug": "three-valleys",
        "name": "Three Valleys",
        "description": "Complete treks in three different regions.",
        "kind": ChallengeKind.REGIONS_VISITED,
        "target": 3,
        "points_reward": 300,
        "badge_name": "Valley Hopper",
        "badge_icon": "badge-compass",
        "position": 4,
    },
    {
        "slug": "tough-nut",
        "name": "Tough Nut",
        "description": "Complete a difficult trek.",
        "kind": ChallengeKind.DIFFICULTY_COMPLETED,
        "target": 1,
        "difficulty": "difficult",
        "points_reward": 300,
        "badge_name": "Tough Nut",
        "badge_icon": "badge-ice-axe",
        "position": 5,
    },
    {
        "slug": "winter-wanderer",
        "name": "Winter Wanderer",
        "description": "Complete a trek departing between December and February.",
        "kind": ChallengeKind.SEASON_COMPLETED,
        "target": 1,
        "month_from": 12,
        "month_to": 2,
        "points_reward": 200,
        "badge_name": "Snow Leopard",
        "badge_icon": "badge-snowflake",
        "position": 6,
    },
]


def seed_community(write: Callable[[str], None]) -> None:
    for row in DEMO_CHALLENGES:
        Challenge.objects.update_or_create(slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"})

    trekker, guide, content = (demo_user(role) for role in ("trekker", "guide", "content"))
    if trekker is None or guide is None or content is None:
        write("  community: demo users missing, posts skipped")
        return

    bookings = list(
        Booking.objects.filter(user=trekker, status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED])
        .select_related("batch__trek")
        .order_by("-status", "batch__start_date")
    )
    if not Post.objects.filter(author=trekker).exists():
        trek = bookings[0].batch.trek if bookings else None
        first = services.post_create(
            author=trekker,
            body="Back from the mountains with sore legs and a full heart. Who else is going this season?",
            trek=trek,
        )
        tips = services.post_create(
            author=guide,
            body="Packing tip: two pairs of woollen socks, one kept dry only for the tents. Your toes will thank you.",
            visibility=Post.Visibility.TRIBE,
        )
        services.post_create(
            author=content, body="Share your best sunrise photo from a trek this month and tag the trek!"
        )
        services.post_like(post=first, user=guide)
        services.post_like(post=first, user=content)
        services.post_like(post=tips, user=trekker)
        question = services.comment_create(post=tips, author=trekker, body="Do liners help as well?")
        services.comment_create(
            post=tips, author=guide, body="Yes, silk liners are light and warm.", parent_id=question.pk
        )
        services.comment_create(post=first, author=guide, body="Great to have you with us, see you on the next one!")

    if not JournalEntry.objects.filter(author=trekker).exists():
        for booking in bookings:
            trek = booking.batch.trek
            completed = booking.status == BookingStatus.COMPLETED
            services.journal_create(
                author=trekker,
                trek=trek,
                day_number=1,
                title="Base camp" if completed else "Getting ready",
                body=(
                    "Reached camp by noon, tea with the team and a walk to the stream."
                    if completed
                    else "Boots broken in, permits uploaded, counting the days."
                ),
                privacy=JournalEntry.Privacy.PUBLIC if completed else JournalEntry.Privacy.PRIVATE,
                location_name=f"{trek.name} base camp" if completed else "",
            )

    for user_id in Booking.objects.filter(status=BookingStatus.COMPLETED).values_list("user_id", flat=True).distinct():
        services.challenges_evaluate(user_id=user_id)
    write(
        f"  community: {Challenge.objects.count()} challenges, {Post.objects.count()} posts, "
        f"{JournalEntry.objects.count()} journal entries, {UserBadge.objects.count()} badges earned"
    )
