"""treks.0006: before the exclusion constraint, the later of a guide's overlapping departures loses its guide."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection

from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory

pytestmark = pytest.mark.django_db

repair = importlib.import_module("apps.treks.migrations.0006_unassign_overlapping_guides")


def test_the_later_overlapping_departures_lose_their_guide(caplog: pytest.LogCaptureFixture) -> None:
    if connection.vendor == "postgresql":  # the data as it was before 0007 (rolled back with the test)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE treks_batch DROP CONSTRAINT batch_guide_no_overlap")
    guide, other_guide = GuideFactory(), GuideFactory()
    first = BatchFactory(guide=guide)  # 6 days
    same_day = BatchFactory(guide=guide, start_date=first.start_date)
    overlapping = BatchFactory(guide=guide, start_date=first.end_date)
    next_free = BatchFactory(guide=guide, start_date=first.end_date + timedelta(days=1))
    cancelled = BatchFactory(guide=guide, start_date=first.start_date, status=Batch.Status.CANCELLED)
    someone_else = BatchFactory(guide=other_guide, start_date=first.start_date)
    with caplog.at_level(logging.WARNING, logger="apps.treks.migrations"):
        repair.unassign_overlaps(apps, None)
    guides = dict(Batch.objects.values_list("pk", "guide_id"))
    assert guides[first.pk] == guide.pk
    assert guides[same_day.pk] is None
    assert guides[overlapping.pk] is None
    assert guides[next_free.pk] == guide.pk  # starts the day after the kept one ends
    assert guides[cancelled.pk] == guide.pk  # a cancelled departure holds nobody
    assert guides[someone_else.pk] == other_guide.pk
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert str(same_day.pk) in logged
    assert str(overlapping.pk) in logged
