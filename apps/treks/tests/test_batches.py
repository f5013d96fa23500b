from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.exceptions import InvalidTransition
from apps.common.tests.race import Race
from apps.treks import services
from apps.treks.catalog_cache import catalog_version
from apps.treks.domain import can_transition
from apps.treks.models import Batch
from apps.treks.tasks import sync_batch_statuses
from apps.treks.tests.factories import BatchFactory, TrekFactory

TODAY = timezone.localdate


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"seats_taken": 11},
        {"seats_taken": -1},
        {"total_seats": 0},
        {"price": 0},
        {"end_date": "2020-01-01"},
        {"status": "full"},  # seats left: cannot be full
        {"status": "weird"},
    ],
)
def test_database_refuses_invalid_batches(changes):
    batch = BatchFactory(total_seats=10, seats_taken=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(**changes)


@pytest.mark.django_db
def test_open_batch_with_no_seats_left_is_refused():
    batch = BatchFactory(total_seats=10, seats_taken=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(seats_taken=10)  # still "open"


@pytest.mark.django_db
def test_trek_and_itinerary_constraints():
    from apps.treks.tests.factories import ItineraryDayFactory

    trek = TrekFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(trek).objects.filter(pk=trek.pk).update(max_altitude=9001)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(trek).objects.filter(pk=trek.pk).update(difficulty="banana")
    ItineraryDayFactory(trek=trek, day_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItineraryDayFactory(trek=trek, day_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItineraryDayFactory(trek=trek, day_number=2, altitude=9100)


@pytest.mark.django_db
def test_take_and_release_keep_status_in_step(django_capture_on_commit_callbacks):
    batch = BatchFactory(total_seats=4)
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert services.batch_take_seats(batch_id=batch.pk, seats=3)
    batch.refresh_from_db()
    assert (batch.seats_taken, batch.status) == (3, "open")
    assert catalog_version() > before

    with transaction.atomic():
        assert not services.batch_take_seats(batch_id=batch.pk, seats=2)  # only one left
        assert services.batch_take_seats(batch_id=batch.pk, seats=1)
    batch.refresh_from_db()
    assert (batch.seats_taken, batch.status) == (4, "full")
    with transaction.atomic():
        assert not services.batch_take_seats(batch_id=batch.pk, seats=1)

    with transaction.atomic():
        assert services.batch_release_seats(batch_id=batch.pk, seats=2)
    batch.refresh_from_db()
    assert (batch.seats_taken, batch.status) == (2, "open")
    with transaction.atomic():
        assert not services.batch_release_seats(batch_id=batch.pk, seats=3)
    batch.refresh_from_db()
    assert batch.seats_taken == 2


@pytest.mark.django_db
def test_seats_are_not_taken_on_closed_or_started_batches():
    cancelled = BatchFactory(status=Batch.Status.CANCELLED)
    started = BatchFactory()
    Batch.objects.filter(pk=started.pk).update(start_date=TODAY(), end_date=TODAY() + timedelta(days=5))
    with transaction.atomic():
        assert not services.batch_take_seats(batch_id=cancelled.pk, seats=1)
        assert not services.batch_take_seats(batch_id=started.pk, seats=1)


@pytest.mark.django_db(transaction=True)
def test_seat_helpers_refuse_to_run_outside_a_transaction():
    batch = BatchFactory()
    with pytest.raises(RuntimeError):
        services.batch_take_seats(batch_id=batch.pk, seats=1)
    with pytest.raises(RuntimeError):
        services.batch_release_seats(batch_id=batch.pk, seats=1)
    with transaction.atomic(), pytest.raises(ValueError, match="positive"):
        services.batch_take_seats(batch_id=batch.pk, seats=0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_seat_takers_never_overbook(race: Race):
    batch = BatchFactory(total_seats=5)

    def take() -> bool:
        with transaction.atomic():
            return services.batch_take_seats(batch_id=batch.pk, seats=1)

    results = race(*(take for _ in range(12)))
    batch.refresh_from_db()
    assert results.count(True) == 5
    assert (batch.seats_taken, batch.status) == (5, "full")


@pytest.mark.django_db
def test_transitions():
    assert can_transition("open", "full")
    assert can_transition("full", "open")
    assert can_transition("ongoing", "completed")
    assert not can_transition("completed", "open")
    assert not can_transition("cancelled", "open")
    assert not can_transition("ongoing", "open")
    batch = BatchFactory()
    with pytest.raises(InvalidTransition):
        services.batch_transition(batch=batch, to="full")  # seats left
    services.batch_transition(batch=batch, to="cancelled")
    with pytest.raises(InvalidTransition):
        services.batch_transition(batch=batch, to="open")


@pytest.mark.django_db
def test_sync_statuses_is_date_driven_and_idempotent(django_capture_on_commit_callbacks):
    today = TODAY()
    future = BatchFactory()
    starting = BatchFactory()
    running_full = BatchFactory(total_seats=2, seats_taken=2)
    finished = BatchFactory()
    ongoing_done = BatchFactory()
    cancelled = BatchFactory(status=Batch.Status.CANCELLED)
    Batch.objects.filter(pk=starting.pk).update(start_date=today, end_date=today + timedelta(days=5))
    Batch.objects.filter(pk=running_full.pk).update(start_date=today - timedelta(days=2), end_date=today + timedelta(3))
    Batch.objects.filter(pk__in=[finished.pk, cancelled.pk]).update(
        start_date=today - timedelta(days=10), end_date=today - timedelta(days=5)
    )
    Batch.objects.filter(pk=ongoing_done.pk).update(
        start_date=today - timedelta(days=7), end_date=today - timedelta(days=1), status="ongoing"
    )
    version = catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.batch_sync_statuses(today=today) == {"ongoing": 2, "completed": 2}
    assert catalog_version() > version
    status = dict(Batch.objects.values_list("pk", "status"))
    assert status[future.pk] == "open"
    assert status[starting.pk] == "ongoing"
    assert status[running_full.pk] == "ongoing"
    assert status[finished.pk] == "completed"
    assert status[ongoing_done.pk] == "completed"
    assert status[cancelled.pk] == "cancelled"

    version = catalog_version()
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_batch_statuses.delay().get() == {"ongoing": 0, "completed": 0}
    assert catalog_version() == version  # nothing changed, nothing bumped


def test_sync_task_is_scheduled_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["treks-sync-batch-statuses"]
    assert entry["task"] == "treks.sync_batch_statuses"
    assert entry["schedule"].minute == {5}
    assert len(entry["schedule"].hour) == 24
