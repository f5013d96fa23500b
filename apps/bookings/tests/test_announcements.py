"""Departure announcements: who may send, who is told on which channel, the chat copy, audit and rate limits."""

from __future__ import annotations

import pytest

from apps.bookings.models import DepartureAnnouncement
from apps.bookings.throttles import AnnounceDepartureThrottle, AnnounceSenderThrottle
from apps.common.models import AuditLog
from apps.messaging.models import Message
from apps.notifications.models import Delivery, Notification
from apps.notifications.tests.factories import DeviceFactory
from apps.treks import services as catalog
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory

pytestmark = pytest.mark.django_db


def _url(batch: Batch) -> str:
    return f"/api/v1/batches/{batch.pk}/announcements/"


@pytest.fixture
def departure(make_user, book, pay):
    guide = GuideFactory()
    batch = BatchFactory(total_seats=10, guide=guide)
    confirmed = pay(book(make_user(phone="+919811100001"), batch))
    pending = book(make_user(phone="+919811100002"), batch)
    DeviceFactory(user=confirmed.user)
    return batch, guide, confirmed, pending


def test_ops_announce_to_everyone_booked(client_for, staff_user, departure, django_capture_on_commit_callbacks):
    batch, _, confirmed, pending = departure
    ops = staff_user("ops_manager")
    with django_capture_on_commit_callbacks():
        response = client_for(ops).post(_url(batch), {"body": "Start moved to 6 am at Sankri."}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["recipients"] == 2
    assert data["urgent"] is False
    announcement = DepartureAnnouncement.objects.get(pk=data["id"])
    told = set(Notification.objects.filter(template="departure_announcement").values_list("user_id", flat=True))
    assert told == {confirmed.user_id, pending.user_id}
    channels = set(Delivery.objects.filter(template="departure_announcement").values_list("channel", flat=True))
    assert channels == {"push"}  # not urgent: no SMS, no e-mail
    chat = Message.objects.get(pk=announcement.message_id)
    assert chat.sender_id == ops.pk
    assert chat.message_body == "Start moved to 6 am at Sankri."
    assert chat.conversation.batch_id == batch.pk
    row = AuditLog.objects.get(action="batch.announced")
    assert row.actor_id == ops.pk
    assert row.changes["recipients"] == 2
    assert row.changes["as"] == "ops"


def test_urgent_goes_by_sms_too(client_for, departure):
    batch, guide, _, _ = departure
    response = client_for(guide.user).post(_url(batch), {"body": "Storm: stay at camp.", "urgent": True}, format="json")
    assert response.status_code == 201
    sms = Delivery.objects.filter(template="departure_announcement", channel="sms")
    assert set(sms.values_list("recipient", flat=True)) == {"+919811100001", "+919811100002"}
    assert Message.objects.get(pk=response.json()["message_id"]).message_body == "URGENT: Storm: stay at camp."
    assert AuditLog.objects.get(action="batch.announced").changes["as"] == "guide"


def test_only_ops_and_the_acting_guide(client_for, staff_user, make_user, departure):
    batch, _, confirmed, _ = departure
    for outsider in (confirmed.user, make_user(), staff_user("cs"), staff_user("content"), GuideFactory().user):
        response = client_for(outsider).post(_url(batch), {"body": "Hello"}, format="json")
        assert response.status_code == 403, outsider
        assert response.json()["error"]["code"] == "permission_denied"
    assert client_for(None).post(_url(batch), {"body": "Hello"}, format="json").status_code == 401
    assert not DepartureAnnouncement.objects.exists()


def test_a_guide_who_no_longer_leads_the_departure_is_refused(client_for, staff_user, departure):
    batch, guide, _, _ = departure
    client = client_for(guide.user)  # token issued while they led it
    assert client.post(_url(batch), {"body": "See you at 6"}, format="json").status_code == 201
    catalog.batch_update(actor=staff_user("ops_manager"), batch=batch, changes={"guide": GuideFactory()})
    assert client.post(_url(batch), {"body": "Still me?"}, format="json").status_code == 403
    batch.refresh_from_db()
    catalog.batch_update(actor=staff_user("ops_manager"), batch=batch, changes={"guide": guide})
    assert client.post(_url(batch), {"body": "Back"}, format="json").status_code == 201
    guide.is_active = False
    guide.save()
    assert client.post(_url(batch), {"body": "Deactivated"}, format="json").status_code == 403
    guide.is_active = True
    guide.save()
    guide.user.staff_role = None
    guide.user.save()
    assert client.post(_url(batch), {"body": "Role removed"}, format="json").status_code == 403
    assert DepartureAnnouncement.objects.count() == 2


def test_closed_departure_and_bad_input(client_for, staff_user, departure):
    batch, _, _, _ = departure
    client = client_for(staff_user("ops_manager"))
    for body in ({}, {"body": ""}, {"body": "x" * 1001}, {"body": "ok", "urgent": "maybe"}):
        response = client.post(_url(batch), body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "validation_error"
    assert client.post(f"/api/v1/batches/{BatchFactory().pk.hex[::-1]}/announcements/", {}).status_code == 404
    Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.COMPLETED)
    response = client.post(_url(batch), {"body": "Too late"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "departure_not_active"


def test_rate_limited_per_departure_and_per_sender(client_for, staff_user, departure, monkeypatch):
    batch, guide, _, _ = departure
    monkeypatch.setattr(AnnounceDepartureThrottle, "rate", "2/hour", raising=False)
    monkeypatch.setattr(AnnounceSenderThrottle, "rate", "3/hour", raising=False)
    ops = client_for(staff_user("ops_manager"))
    assert ops.post(_url(batch), {"body": "one"}, format="json").status_code == 201
    assert client_for(guide.user).post(_url(batch), {"body": "two"}, format="json").status_code == 201
    refused = ops.post(_url(batch), {"body": "three"}, format="json")
    assert refused.status_code == 429  # the departure's allowance is spent, whoever sends
    assert refused.json()["error"]["code"] == "throttled"
    other = BatchFactory()
    assert ops.post(_url(other), {"body": "elsewhere"}, format="json").status_code == 201
    assert ops.post(_url(BatchFactory()), {"body": "and again"}, format="json").status_code == 429  # per sender
    # someone who may not announce does not spend the departure's allowance
    assert client_for(staff_user("cs")).post(_url(other), {"body": "x"}, format="json").status_code == 403
    assert DepartureAnnouncement.objects.count() == 3


def test_admin_announces_through_the_same_service(client, staff_user, departure):
    batch, _, _, _ = departure
    ops = staff_user("ops_manager")
    client.force_login(ops)
    page = client.get(f"/admin/treks/batch/{batch.pk}/announce/")
    assert page.status_code == 200
    response = client.post(f"/admin/treks/batch/{batch.pk}/announce/", {"body": "Bring gaiters.", "urgent": "on"})
    assert response.status_code == 302
    announcement = DepartureAnnouncement.objects.get()
    assert announcement.urgent is True
    assert announcement.recipients == 2
    assert AuditLog.objects.get(action="batch.announced").changes["via"] == "admin"
    finance = staff_user("finance")
    client.force_login(finance)
    assert client.post(f"/admin/treks/batch/{batch.pk}/announce/", {"body": "x"}).status_code == 403
