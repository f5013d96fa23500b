"""Base and camp check-ins reach the sockets of those who may read the departure's roster, and nobody else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.bookings.models import Booking, BookingParticipant
from apps.bookings.services import booking_create
from apps.bookings.tests.conftest import people
from apps.realtime.tests.live import Socket, db, run
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def _departure_under_way(make_user: Callable[..., User]) -> tuple[Batch, Any, Booking]:
    guide = GuideFactory()
    batch = BatchFactory(guide=guide, total_seats=6)
    booking = booking_create(user=make_user(), batch_id=batch.pk, participants=people(2))
    Booking.objects.filter(pk=booking.pk).update(status="confirmed", hold_expires_at=None)
    today = timezone.localdate()
    Batch.objects.filter(pk=batch.pk).update(start_date=today, end_date=today + timedelta(days=4), status="ongoing")
    batch.refresh_from_db()
    return batch, guide, booking


def test_the_guide_marks_the_base_and_posts_camp_and_ops_see_it_live(
    make_user: Callable[..., User], client_for: Callable[[User], APIClient]
) -> None:
    batch, guide, booking = _departure_under_way(make_user)
    other_guide = BatchFactory(guide=GuideFactory()).guide.user  # follows incidents, not this departure
    ops, finance = make_user(staff_role="ops_manager"), make_user(staff_role="finance")
    participant = BookingParticipant.objects.get(booking=booking, position=0)
    base = f"/api/v1/batches/{batch.pk}/roster/{participant.pk}/check-in/"

    async def scenario() -> None:
        staff, outsider, money = Socket(), Socket(), Socket()
        for socket, user in ((staff, ops), (outsider, other_guide), (money, finance)):
            await socket.open(str(AccessToken.for_user(user)))
        marked = await db(lambda: client_for(guide.user).post(base, {"status": "late", "note": "Bus"}, format="json"))
        assert marked.status_code == 200, marked.content
        event = await staff.event("departure.base_check_in")
        assert event["data"]["batch_id"] == str(batch.pk)
        assert event["data"]["participant_id"] == str(participant.pk)
        assert event["data"]["base_check_in"]["status"] == "late"
        assert event["data"]["base_check_in"]["note"] == "Bus"
        camp = await db(
            lambda: client_for(guide.user).post(
                f"/api/v1/batches/{batch.pk}/camp-check-ins/", {"camp": "Juda ka Talab"}, format="json"
            )
        )
        assert camp.status_code == 201, camp.content
        posted = await staff.event("departure.camp_check_in")
        assert posted["data"]["camp_check_in"]["camp"] == "Juda ka Talab"
        assert posted["data"]["camp_check_in"]["id"] == camp.json()["id"]
        for socket in (outsider, money):
            assert await socket.silent(0.3)
        for socket in (staff, outsider, money):
            await socket.close()

    run(scenario)
