from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.backoffice import selectors
from apps.bookings import services
from apps.bookings.tests.conftest import people
from apps.emergency.tests.factories import IncidentFactory
from apps.treks.domain import local_today
from apps.treks.tests.factories import BatchFactory, GuideFactory

pytestmark = pytest.mark.django_db


def _week(make_user, departures: int = 2, bookings: int = 2) -> list:
    today = local_today()
    batches = []
    for n in range(departures):
        batch = BatchFactory(start_date=today + timedelta(days=2 + n), total_seats=10, guide=GuideFactory())
        for _ in range(bookings):
            services.booking_create(user=make_user(), batch_id=batch.pk, participants=people(2))
        batches.append(batch)
    return batches


def test_the_week_s_departures_with_seats_balance_documents_and_guide(make_user):
    batch = _week(make_user, departures=1, bookings=2)[0]
    BatchFactory(start_date=local_today() + timedelta(days=20))  # after the week: not shown
    data = selectors.dashboard(sections={"departures"})
    assert data["departures_today"] == []
    [departure] = data["departures_week"]
    assert departure.batch == batch
    assert departure.seats_booked == 4
    assert departure.unpaid == sum((b.final_amount for b in batch.bookings.all()), Decimal("0.00")) > 0
    assert departure.missing_documents == 2
    assert departure.guide


def test_the_dashboard_takes_a_fixed_number_of_queries(make_user):
    sections = {"departures", "incidents", "refunds", "deliveries"}
    _week(make_user, departures=1, bookings=1)
    IncidentFactory()
    with CaptureQueriesContext(connection) as few:
        selectors.dashboard(sections=sections)
    _week(make_user, departures=3, bookings=3)
    IncidentFactory.create_batch(3)
    with CaptureQueriesContext(connection) as many:
        data = selectors.dashboard(sections=sections)
    assert len(data["departures_week"]) == 4
    assert len(data["incidents"]) == 4
    assert len(many) == len(few) <= 7  # the departures read their bookings, participants and documents


def test_incidents_most_severe_then_unacknowledged_then_oldest():
    from django.utils import timezone

    now = timezone.now()
    old_high = IncidentFactory(severity="high", received_at=now - timedelta(hours=3))
    new_critical = IncidentFactory(severity="critical", received_at=now)
    old_critical_acked = IncidentFactory(
        severity="critical", status="acknowledged", acknowledged_at=now, received_at=now - timedelta(hours=5)
    )
    IncidentFactory(severity="critical", status="resolved")
    assert list(selectors.incidents_needing_attention()) == [new_critical, old_critical_acked, old_high]


@pytest.mark.parametrize(
    ("role", "seen", "hidden"),
    [
        (
            "ops_manager",
            ["dashboard-incidents", "dashboard-departures-week", "dashboard-deliveries"],
            ["dashboard-refunds"],
        ),
        ("cs", ["dashboard-incidents", "dashboard-departures-week"], ["dashboard-refunds", "dashboard-deliveries"]),
        (
            "finance",
            ["dashboard-departures-week", "dashboard-refunds"],
            ["dashboard-incidents", "dashboard-deliveries"],
        ),
        ("content", [], ["dashboard-incidents", "dashboard-departures-week", "dashboard-refunds"]),
        ("super_admin", ["dashboard-incidents", "dashboard-refunds", "dashboard-deliveries"], []),
    ],
)
def test_each_role_sees_the_parts_its_capabilities_allow(client, staff_user, make_user, role, seen, hidden):
    _week(make_user, departures=1, bookings=1)
    IncidentFactory()
    client.force_login(staff_user(role))
    page = client.get("/admin/").content.decode()
    for part in seen:
        assert f'id="{part}"' in page
    for part in hidden:
        assert f'id="{part}"' not in page
