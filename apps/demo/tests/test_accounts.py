"""Demo data of the accounts domain: the demo trekker's handle, points and emergency contact."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apps.users.models import EmergencyContact, PointsTransaction, User


@pytest.mark.django_db
def test_seed_demo_is_idempotent() -> None:
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    assert trekker.tribe_handle == "priya_treks"
    ledger = PointsTransaction.objects.filter(user=trekker)
    from_bookings = ledger.filter(reference__startswith="booking:")  # demo bookings completed (100 points each)
    from_challenges = ledger.filter(reason=PointsTransaction.Reason.CHALLENGE)  # community badges earned
    challenge_points = sum(from_challenges.values_list("amount", flat=True))
    assert trekker.obs_points == 1200 + 100 * from_bookings.count() + challenge_points
    assert trekker.tribe_tier == "trail_blazer"
    assert ledger.exclude(pk__in=from_bookings).exclude(pk__in=from_challenges).count() == 1
    assert EmergencyContact.objects.filter(user=trekker, is_primary=True).count() == 1
