"""The departure's Reschedule page: who will be told, then the API's ``batch_update`` path (the same refusals,
one message per booked trekker and the guide, the chat renamed, the audit rows)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.bookings import services
from apps.bookings.models import Booking
from apps.common.models import AuditLog
from apps.messaging.models import Conversation
from apps.notifications.models import Notification
from apps.treks.models import Batch
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import User

pytestmark = pytest.mark.django_db


def _browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def departure(make_user: Callable[..., User], book: Callable[..., Booking], pay: Callable[[Booking], Booking]) -> Any:
    guide = GuideFactory(user__first_name="Tenzing", user__last_name="Bhutia")
    batch = BatchFactory(total_seats=10, guide=guide, start_date=timezone.localdate() + timedelta(days=40))
    confirmed = pay(book(make_user(first_name="Asha"), batch))
    pending = book(make_user(first_name="Ravi"), batch, seats=2)
    cancelled = book(make_user(first_name="Gone"), batch)
    services.booking_cancel(booking=cancelled, actor=None)
    return batch, guide, confirmed, pending, cancelled


def test_the_page_shows_who_will_be_told(departure: Any, make_user: Callable[..., User]) -> None:
    batch, _guide, confirmed, pending, cancelled = departure
    browser = _browser(make_user(staff_role="ops_manager"))
    change = browser.get(f"/admin/treks/batch/{batch.pk}/change/").content.decode()
    assert f"/admin/treks/batch/{batch.pk}/reschedule/" in change
    page = browser.get(f"/admin/treks/batch/{batch.pk}/reschedule/")
    assert page.status_code == 200
    told = page.content.decode().split('id="told"')[1]
    assert confirmed.reference in told
    assert pending.reference in told
    assert cancelled.reference not in told
    assert "Tenzing Bhutia" in told


def test_reschedule_tells_each_booked_trekker_and_the_guide_once(
    departure: Any, make_user: Callable[..., User]
) -> None:
    batch, guide, confirmed, pending, _cancelled = departure
    ops = make_user(staff_role="ops_manager")
    new_start = batch.start_date + timedelta(days=7)
    response = _browser(ops).post(f"/admin/treks/batch/{batch.pk}/reschedule/", {"start_date": str(new_start)})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/treks/batch/{batch.pk}/change/"
    moved = Batch.objects.get(pk=batch.pk)
    assert moved.start_date == new_start
    assert moved.end_date == new_start + timedelta(days=batch.trek.duration_days - 1)
    told = sorted(Notification.objects.filter(template="batch_rescheduled").values_list("user_id", flat=True))
    assert told == sorted([confirmed.user_id, pending.user_id, guide.user_id])
    assert Conversation.objects.get(batch_id=batch.pk).title == f"{batch.trek.name} · {new_start:%d %b %Y}"
    log = AuditLog.objects.get(action="batch.rescheduled", target_id=str(batch.pk))
    assert log.actor == ops
    assert AuditLog.objects.get(action="batch.updated", target_id=str(batch.pk)).changes["via"] == "admin"


def test_reschedule_refuses_what_the_api_refuses(departure: Any, make_user: Callable[..., User], client_for) -> None:
    batch = departure[0]
    ops = make_user(staff_role="ops_manager")
    wrong_end = str(batch.start_date + timedelta(days=45))
    past = str(timezone.localdate() - timedelta(days=3))
    for body in ({"start_date": str(batch.start_date), "end_date": wrong_end}, {"start_date": past}):
        api = client_for(ops).patch(f"/api/v1/batches/{batch.pk}/", body, format="json")
        assert api.status_code == 400
        page = _browser(ops).post(f"/admin/treks/batch/{batch.pk}/reschedule/", body)
        assert page.status_code == 200
        assert page.context["form"].errors
    busy = BatchFactory(guide=GuideFactory(), start_date=batch.start_date + timedelta(days=60))
    Batch.objects.filter(pk=batch.pk).update(guide=busy.guide)  # the guide leads another departure then
    page = _browser(ops).post(f"/admin/treks/batch/{batch.pk}/reschedule/", {"start_date": str(busy.start_date)})
    assert page.status_code == 200
    assert "guide_unavailable" in str(page.context["form"].errors)
    assert Batch.objects.get(pk=batch.pk).start_date == batch.start_date
    assert not Notification.objects.filter(template="batch_rescheduled").exists()
    assert not AuditLog.objects.filter(action="batch.rescheduled").exists()


@pytest.mark.parametrize("role", ["cs", "finance", "content"])
def test_roles_without_batches_manage_cannot_reschedule(departure: Any, make_user: Callable[..., User], role) -> None:
    batch = departure[0]
    browser = _browser(make_user(staff_role=role))
    later = str(batch.start_date + timedelta(days=7))
    assert browser.get(f"/admin/treks/batch/{batch.pk}/reschedule/").status_code == 403
    assert browser.post(f"/admin/treks/batch/{batch.pk}/reschedule/", {"start_date": later}).status_code == 403
    assert Batch.objects.get(pk=batch.pk).start_date == batch.start_date
