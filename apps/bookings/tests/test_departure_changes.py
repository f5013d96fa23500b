"""Ops move a booked departure: new dates or another guide reach every booked trekker and the guides, the batch chat
follows, the audit trail says so; a guide is never on two departures at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from apps.common.models import AuditLog
from apps.messaging.models import Conversation, ConversationParticipant
from apps.notifications.models import Delivery, Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def _told(template: str) -> dict[Any, int]:
    """Inbox rows of ``template`` per user."""
    counts: dict[Any, int] = {}
    for user_id in Notification.objects.filter(template=template).values_list("user_id", flat=True):
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


@pytest.fixture
def departure(make_user: Callable[..., User], book: Callable[..., Booking], pay: Callable[[Booking], Booking]) -> Any:
    guide = GuideFactory(user__first_name="Tenzing", user__last_name="Bhutia")
    batch = BatchFactory(total_seats=10, guide=guide, start_date=timezone.localdate() + timedelta(days=40))
    confirmed = pay(book(make_user(phone="+919811111111"), batch))
    pending = book(make_user(phone="+919822222222"), batch, seats=2)
    cancelled = book(make_user(), batch)
    services.booking_cancel(booking=cancelled, actor=None)
    return batch, guide, confirmed, pending, cancelled


def test_a_rescheduled_departure_tells_each_booked_trekker_and_the_guide(
    departure: Any, client_for: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    batch, guide, confirmed, pending, _cancelled = departure
    conversation = Conversation.objects.get(batch_id=batch.pk)
    ops = client_for(make_user(staff_role="ops_manager"))
    new_start = batch.start_date + timedelta(days=7)
    response = ops.patch(f"/api/v1/batches/{batch.pk}/", {"start_date": str(new_start)}, format="json")
    assert response.status_code == 200, response.content
    assert _told("batch_rescheduled") == {confirmed.user_id: 1, pending.user_id: 1, guide.user_id: 1}
    deliveries = Delivery.objects.filter(template="batch_rescheduled", user=confirmed.user)
    assert set(deliveries.values_list("channel", flat=True)) == {"email", "sms"}
    inbox = Notification.objects.get(template="batch_rescheduled", user=confirmed.user)
    assert str(new_start) in inbox.body
    assert str(batch.start_date) in inbox.body
    conversation.refresh_from_db()
    assert conversation.title == f"{batch.trek.name} · {new_start:%d %b %Y}"
    log = AuditLog.objects.get(action="batch.rescheduled", target_id=str(batch.pk))
    assert log.changes["start_date"] == [str(batch.start_date), str(new_start)]
    assert not AuditLog.objects.filter(action="batch.guide_changed").exists()


def test_another_guide_moves_the_chat_and_tells_the_trekkers(
    departure: Any, client_for: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    batch, old_guide, confirmed, pending, _ = departure
    conversation = Conversation.objects.get(batch_id=batch.pk)
    assert ConversationParticipant.objects.filter(conversation=conversation, user=old_guide.user).exists()
    new_guide = GuideFactory(user__first_name="Pema", user__last_name="Sherpa")
    ops = client_for(make_user(staff_role="ops_manager"))
    response = ops.patch(f"/api/v1/batches/{batch.pk}/", {"guide": str(new_guide.pk)}, format="json")
    assert response.status_code == 200, response.content
    told = _told("batch_guide_changed")
    assert told == {confirmed.user_id: 1, pending.user_id: 1, old_guide.user_id: 1, new_guide.user_id: 1}
    trekker_inbox = Notification.objects.get(template="batch_guide_changed", user=confirmed.user)
    assert "Pema Sherpa" in trekker_inbox.body
    members = ConversationParticipant.objects.filter(conversation=conversation, left_at__isnull=True)
    assert set(members.values_list("user_id", flat=True)) == {confirmed.user_id, new_guide.user_id}  # paid: in the chat
    assert AuditLog.objects.filter(action="batch.guide_changed", target_id=str(batch.pk)).count() == 1
    assert not Notification.objects.filter(template="batch_rescheduled").exists()


def test_a_change_that_fails_tells_nobody(
    departure: Any, client_for: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    batch, *_ = departure
    ops = client_for(make_user(staff_role="ops_manager"))
    response = ops.patch(f"/api/v1/batches/{batch.pk}/", {"start_date": str(timezone.localdate())}, format="json")
    assert response.status_code == 400
    assert not Notification.objects.filter(template="batch_rescheduled").exists()
    assert not AuditLog.objects.filter(action="batch.rescheduled").exists()


def test_a_guide_cannot_be_on_two_overlapping_departures(
    client_for: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    guide = GuideFactory()
    start = timezone.localdate() + timedelta(days=30)
    taken = BatchFactory(guide=guide, start_date=start)  # 6 days: start .. start + 5
    other = BatchFactory(start_date=start + timedelta(days=5))
    ops = client_for(make_user(staff_role="ops_manager"))
    response = ops.patch(f"/api/v1/batches/{other.pk}/", {"guide": str(guide.pk)}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "guide_unavailable"
    assert response.json()["error"]["details"]["batches"][0]["id"] == str(taken.pk)
    same_day = {"start_date": str(start), "total_seats": 8, "price": "9000.00", "guide": str(guide.pk)}
    response = ops.post(f"/api/v1/treks/{taken.trek.slug}/batches/", same_day, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "guide_unavailable"
    assert Batch.objects.filter(guide=guide).count() == 1
    # the day after the last day is free; a cancelled departure no longer holds its guide
    free = ops.patch(
        f"/api/v1/batches/{other.pk}/",
        {"start_date": str(start + timedelta(days=6)), "guide": str(guide.pk)},
        format="json",
    )
    assert free.status_code == 200, free.content
    Batch.objects.filter(pk=taken.pk).update(status=Batch.Status.CANCELLED)
    again = {**same_day, "start_date": str(start - timedelta(days=1))}  # overlaps the cancelled one only
    assert ops.post(f"/api/v1/treks/{taken.trek.slug}/batches/", again, format="json").status_code == 201


def test_the_database_refuses_an_overlapping_guide_too() -> None:
    """On PostgreSQL the exclusion constraint holds for writes that bypass the services."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-only constraint")
    guide = GuideFactory()
    first = BatchFactory(guide=guide)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchFactory(guide=guide, start_date=first.start_date + timedelta(days=2))
    BatchFactory(guide=guide, start_date=first.start_date, status=Batch.Status.CANCELLED)  # cancelled: no clash
