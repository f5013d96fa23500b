"""The demo catalog: ten real treks with complete itineraries, guides and upcoming batches, loaded once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.treks.models import Batch, Guide, Trek, TrekItineraryDay

pytestmark = pytest.mark.django_db


def test_seed_demo_catalog_is_complete_and_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    treks = Trek.objects.filter(status=Trek.Status.ACTIVE)
    assert treks.count() >= 10
    names = set(treks.values_list("name", flat=True))
    assert {"Kedarkantha", "Hampta Pass", "Kashmir Great Lakes", "Goechala", "Markha Valley"} <= names
    for trek in treks:
        days = list(TrekItineraryDay.objects.filter(trek=trek).order_by("day_number"))
        assert len(days) == trek.duration_days
        assert max(d.altitude for d in days) <= trek.max_altitude
        assert 0 < trek.max_altitude <= 9000
    assert Trek.objects.get(slug="markha-valley").max_altitude == 5260  # Kongmaru La
    assert Trek.objects.get(slug="kedarkantha").max_altitude == 3810
    today = timezone.localdate()
    upcoming = Batch.objects.filter(start_date__gt=today)
    assert upcoming.exists()
    assert not upcoming.filter(start_date__gt=today + timezone.timedelta(days=190)).exists()
    assert Guide.objects.count() >= 4
    assert all(g.user.staff_role == "guide" for g in Guide.objects.select_related("user"))
    counts = (Trek.objects.count(), Batch.objects.count(), TrekItineraryDay.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Trek.objects.count(), Batch.objects.count(), TrekItineraryDay.objects.count()) == counts
