"""Challenges: progress computed in the database, idempotent evaluation on booking completion, badges and
the leaderboard."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

import pytest

from apps.bookings.models import BookingStatus
from apps.bookings.services import booking_complete
from apps.common.tests.race import Race
from apps.community import services
from apps.community.domain import challenge_points_key
from apps.community.models import ChallengeKind, UserBadge
from apps.community.tests.conftest import Client
from apps.community.tests.factories import ChallengeFactory, make_booking
from apps.notifications.models import Notification
from apps.treks.models import Trek
from apps.treks.tests.factories import RegionFactory, TrekFactory
from apps.users.models import PointsTransaction, User
from apps.users.tests.factories import UserFactory

CHALLENGES = "/api/v1/community/challenges/"


def progress(client: object) -> dict[str, tuple[int | None, int, bool]]:
    rows = client.get(CHALLENGES).json()  # type: ignore[attr-defined]
    return {row["slug"]: (row["current"], row["target"], row["earned"]) for row in rows}


@pytest.mark.django_db
def test_progress_of_every_kind(client_for: Client, user: User, django_assert_num_queries: Callable) -> None:
    ChallengeFactory(slug="three-treks", kind=ChallengeKind.TREKS_COMPLETED, target=3)
    ChallengeFactory(slug="altitude", kind=ChallengeKind.ALTITUDE_REACHED, target=5000)
    ChallengeFactory(slug="regions", kind=ChallengeKind.REGIONS_VISITED, target=2)
    ChallengeFactory(slug="hard", kind=ChallengeKind.DIFFICULTY_COMPLETED, target=1, difficulty="difficult")
    ChallengeFactory(slug="monsoon", kind=ChallengeKind.SEASON_COMPLETED, target=1, month_from=7, month_to=9)
    ChallengeFactory(slug="winter", kind=ChallengeKind.SEASON_COMPLETED, target=2, month_from=12, month_to=2)
    ChallengeFactory(slug="retired", is_active=False)
    region = RegionFactory()
    easy = TrekFactory(region=region, max_altitude=3200, difficulty=Trek.Difficulty.EASY)
    high = TrekFactory(region=region, max_altitude=5300, difficulty=Trek.Difficulty.DIFFICULT)
    make_booking(user, trek=easy, status=BookingStatus.COMPLETED, start=date(2025, 12, 20))
    make_booking(user, trek=high, status=BookingStatus.COMPLETED, start=date(2026, 1, 10))
    make_booking(user, trek=TrekFactory(max_altitude=6000), status=BookingStatus.CONFIRMED)  # not completed
    make_booking(user, trek=TrekFactory(max_altitude=6000), status=BookingStatus.CANCELLED)
    make_booking(UserFactory(), trek=TrekFactory(), status=BookingStatus.COMPLETED)  # someone else's

    client = client_for(user)
    client.get(CHALLENGES)  # warm the token/user lookups
    with django_assert_num_queries(2):  # the user, then one query for every challenge's progress
        client.get(CHALLENGES)
    assert progress(client) == {
        "three-treks": (2, 3, False),
        "altitude": (5300, 5000, False),
        "regions": (1, 2, False),
        "hard": (1, 1, False),
        "monsoon": (0, 1, False),
        "winter": (2, 2, False),
    }
    assert {slug: row[0] for slug, row in progress(client_for(None)).items()} == dict.fromkeys(
        ["three-treks", "altitude", "regions", "hard", "monsoon", "winter"]
    )


@pytest.mark.django_db
def test_evaluation_is_idempotent(client_for: Client, user: User) -> None:
    first = ChallengeFactory(slug="first", target=1, points_reward=100)
    ChallengeFactory(slug="two", target=2, points_reward=300)
    ChallengeFactory(slug="zero-points", kind=ChallengeKind.ALTITUDE_REACHED, target=1000, points_reward=0)
    make_booking(user, status=BookingStatus.COMPLETED)

    awarded = services.challenges_evaluate(user_id=user.pk)
    assert sorted(badge.challenge.slug for badge in awarded) == ["first", "zero-points"]
    assert services.challenges_evaluate(user_id=user.pk) == []
    assert services.challenges_evaluate(user_id=user.pk) == []
    assert UserBadge.objects.filter(user=user).count() == 2
    ledger = PointsTransaction.objects.filter(user=user, reason=PointsTransaction.Reason.CHALLENGE)
    assert [(t.amount, t.idempotency_key) for t in ledger] == [
        (100, challenge_points_key(user_id=user.pk, challenge_id=first.pk))
    ]
    user.refresh_from_db()
    assert user.obs_points == 100
    assert progress(client_for(user))["first"] == (1, 1, True)
    inbox = Notification.objects.filter(user=user, category="community")  # one each, not again on reruns
    assert sorted(n.title for n in inbox) == sorted(f"New badge: {b.challenge.badge_name}" for b in awarded)

    badges = client_for(user).get("/api/v1/users/me/badges/")
    assert badges.status_code == 200
    assert sorted(row["challenge"] for row in badges.json()["results"]) == ["first", "zero-points"]
    assert client_for(None).get("/api/v1/users/me/badges/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_evaluations_award_once(race: Race) -> None:
    user = UserFactory()
    ChallengeFactory(slug="first", target=1, points_reward=100)
    make_booking(user, status=BookingStatus.COMPLETED)
    race(*(partial(services.challenges_evaluate, user_id=user.pk) for _ in range(4)))
    assert UserBadge.objects.filter(user=user).count() == 1
    assert PointsTransaction.objects.filter(user=user, reason="challenge").count() == 1
    user.refresh_from_db()
    assert user.obs_points == 100


@pytest.mark.django_db
def test_completing_a_booking_awards_badges(user: User, django_capture_on_commit_callbacks: Callable) -> None:
    ChallengeFactory(slug="first", target=1, points_reward=150)
    booking = make_booking(user, status=BookingStatus.CONFIRMED)
    today = booking.batch.end_date + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        booking_complete(booking=booking, today=today)
    assert list(UserBadge.objects.filter(user=user).values_list("challenge__slug", flat=True)) == ["first"]
    with django_capture_on_commit_callbacks(execute=True):
        booking_complete(booking=booking, today=today)  # already completed: nothing more
    assert UserBadge.objects.filter(user=user).count() == 1
    assert PointsTransaction.objects.filter(user=user, reason="challenge").count() == 1


@pytest.mark.django_db
def test_leaderboard_ranks_cached_and_own_rank(
    client_for: Client, user: User, staff_user: Callable[[str], User], settings: object
) -> None:
    leaders = [UserFactory(obs_points=points) for points in (900, 700, 700)]
    user.obs_points = 100
    user.save()
    staff_user("ops_manager")
    client = client_for(user)
    response = client.get("/api/v1/community/leaderboard/")
    assert response.status_code == 200
    body = response.json()
    assert [(row["rank"], row["points"]) for row in body["results"]] == [(1, 900), (2, 700), (2, 700), (4, 100)]
    assert body["results"][0]["user_id"] == str(leaders[0].pk)
    assert body["me"] == {"rank": 4, "points": 100}

    User.objects.filter(pk=user.pk).update(obs_points=1000)
    cached = client.get("/api/v1/community/leaderboard/").json()
    assert cached["results"][0]["points"] == 900  # the top list is cached
    assert cached["me"] == {"rank": 1, "points": 1000}  # your own rank is live
    assert client_for(None).get("/api/v1/community/leaderboard/").status_code == 401
    assert client_for(staff_user("content")).get("/api/v1/community/leaderboard/").json()["me"] is None
