"""Points ledger, tiers, the discount function and users/me/points/."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum

from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.users.models import PointsTransaction, User
from apps.users.services import points_award, points_reverse
from apps.users.tiers import next_tier_for_points, tier_discount_percent, tier_for_points

pytestmark = pytest.mark.django_db

POINTS = "/api/v1/users/me/points/"


@pytest.mark.parametrize(
    ("points", "tier", "discount"),
    [
        (0, "basecamp", "0"),
        (999, "basecamp", "0"),
        (1000, "trail_blazer", "5"),
        (2999, "trail_blazer", "5"),
        (3000, "summit_seeker", "7"),
        (7000, "peak_bagger", "10"),
        (14999, "peak_bagger", "10"),
        (15000, "obs_legend", "15"),
        (10**6, "obs_legend", "15"),
    ],
)
def test_tier_thresholds_and_discounts(points: int, tier: str, discount: str) -> None:
    assert tier_for_points(points).tier == tier
    assert tier_for_points(points).discount_percent == Decimal(discount)


def test_next_tier() -> None:
    upcoming = next_tier_for_points(2500)
    assert upcoming is not None
    assert upcoming.tier == "summit_seeker"
    assert upcoming.min_points == 3000
    assert next_tier_for_points(15000) is None


def test_award_updates_balance_ledger_and_tier(user: User) -> None:
    entry = points_award(user=user, amount=1200, reason="trek_completed", reference="booking:1", idempotency_key="k1")
    user.refresh_from_db()
    assert (user.obs_points, user.tribe_tier) == (1200, "trail_blazer")
    assert entry.balance_after == 1200
    assert entry.amount == 1200
    assert tier_discount_percent(user) == Decimal("5")


def test_award_is_idempotent(user: User) -> None:
    first = points_award(user=user, amount=500, reason="review", idempotency_key="review:1")
    again = points_award(user=user, amount=500, reason="review", idempotency_key="review:1")
    assert first.pk == again.pk
    user.refresh_from_db()
    assert user.obs_points == 500
    assert PointsTransaction.objects.count() == 1


def test_reused_key_with_other_values_conflicts(user: User, make_user: Any) -> None:
    points_award(user=user, amount=500, reason="review", idempotency_key="review:1")
    with pytest.raises(ApplicationError) as excinfo:
        points_award(user=user, amount=700, reason="review", idempotency_key="review:1")
    assert (excinfo.value.code, excinfo.value.status_code) == ("idempotency_key_reused", 422)
    with pytest.raises(ApplicationError):
        points_award(user=make_user(), amount=500, reason="review", idempotency_key="review:1")


@pytest.mark.parametrize(
    ("amount", "reason", "key"),
    [(0, "review", "k"), (-5, "review", "k"), (10, "bogus", "k"), (10, "reversal", "k"), (10, "review", "")],
)
def test_invalid_awards(user: User, amount: int, reason: str, key: str) -> None:
    with pytest.raises(ApplicationError):
        points_award(user=user, amount=amount, reason=reason, idempotency_key=key)


def test_reversal_takes_points_back_and_can_demote(user: User) -> None:
    points_award(user=user, amount=800, reason="referral", idempotency_key="ref:1")
    points_award(user=user, amount=400, reason="trek_completed", idempotency_key="booking:9:completed")
    user.refresh_from_db()
    assert user.tribe_tier == "trail_blazer"
    reversal = points_reverse(idempotency_key="booking:9:completed")
    assert reversal is not None
    assert reversal.amount == -400
    assert reversal.reason == "reversal"
    user.refresh_from_db()
    assert (user.obs_points, user.tribe_tier) == (800, "basecamp")
    assert points_reverse(idempotency_key="booking:9:completed").pk == reversal.pk  # idempotent
    assert points_reverse(idempotency_key="never-awarded") is None
    assert user.obs_points == PointsTransaction.objects.filter(user=user).aggregate(s=Sum("amount"))["s"]


def test_discount_is_zero_for_anonymous_and_inactive(make_user: Any) -> None:
    assert tier_discount_percent(AnonymousUser()) == Decimal("0")
    assert tier_discount_percent(None) == Decimal("0")
    legend = make_user(tribe_tier="obs_legend", is_active=False)
    assert tier_discount_percent(legend) == Decimal("0")


def test_tiers_come_from_settings(settings: Any) -> None:
    settings.LOYALTY_TIERS = [
        {"tier": "basecamp", "name": "Basecamp", "min_points": 0, "discount_percent": "0"},
        {"tier": "trail_blazer", "name": "Trail Blazer", "min_points": 10, "discount_percent": "2.5"},
    ]
    assert tier_for_points(10).discount_percent == Decimal("2.5")


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_awards_keep_balance_equal_to_ledger_sum(make_user: Any, race: Race) -> None:
    user = make_user()

    def award(worker: int) -> None:
        for i in range(10):
            points_award(user=user, amount=7 + i, reason="challenge", idempotency_key=f"challenge:{worker}:{i}")
            if i == 0:  # some duplicates, racing the first call
                points_award(user=user, amount=7, reason="challenge", idempotency_key=f"challenge:{worker}:0")

    errors = race(*(partial(award, worker) for worker in range(20)), catch=BaseException).errors

    assert not errors
    user.refresh_from_db()
    ledger = PointsTransaction.objects.filter(user=user)
    assert ledger.count() == 200
    expected = 20 * sum(7 + i for i in range(10))
    assert user.obs_points == expected == ledger.aggregate(s=Sum("amount"))["s"]
    assert sorted(ledger.values_list("balance_after", flat=True)) == sorted(
        {entry.balance_after for entry in ledger}
    ), "every line saw a distinct running balance"
    assert user.tribe_tier == tier_for_points(expected).tier


def test_points_endpoint(client_for: Any, make_user: Any, django_assert_max_num_queries: Any) -> None:
    user = make_user()
    for i in range(25):
        points_award(user=user, amount=100, reason="challenge", idempotency_key=f"c:{i}")
    client = client_for(user)
    with django_assert_max_num_queries(4):  # user, balance, count, page
        body = client.get(POINTS, {"page_size": 10}).json()
    assert body["balance"] == 2500
    assert body["tier"] == "trail_blazer"
    assert body["tier_name"] == "Trail Blazer"
    assert Decimal(body["discount_percent"]) == Decimal("5")
    assert body["next_tier"] == "summit_seeker"
    assert body["points_to_next_tier"] == 500
    assert body["perks"]
    assert body["ledger"]["count"] == 25
    assert len(body["ledger"]["results"]) == 10
    assert body["ledger"]["results"][0]["balance_after"] == 2500
    with django_assert_max_num_queries(4):
        client.get(POINTS, {"page_size": 100})


def test_points_endpoint_top_tier_and_empty(client_for: Any, make_user: Any) -> None:
    body = client_for(make_user()).get(POINTS).json()
    assert body["balance"] == 0
    assert body["ledger"]["results"] == []
    assert body["points_to_next_tier"] == 1000
    legend = make_user()
    points_award(user=legend, amount=20000, reason="adjustment", idempotency_key="gift")
    body = client_for(legend).get(POINTS).json()
    assert body["tier"] == "obs_legend"
    assert body["next_tier"] is None
    assert body["points_to_next_tier"] is None


def test_points_requires_authentication(api_client: Any) -> None:
    assert api_client.get(POINTS).status_code == 401
