from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.notifications.backends import sms
from apps.notifications.models import Delivery
from apps.notifications.tests.factories import DeliveryFactory
from apps.users.tests.factories import UserFactory

CHANGELIST = "/admin/notifications/delivery/"


def _admin_client(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(staff_role=role))
    return client


def test_deliveries_are_filterable_by_status_and_channel(db: None) -> None:
    DeliveryFactory(status="failed", channel="sms")
    DeliveryFactory(channel="email", recipient="a@example.com")
    client = _admin_client("ops_manager")
    response = client.get(CHANGELIST, {"status__exact": "failed", "channel__exact": "sms"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "******5678" in response.content.decode(), "phone numbers are masked"


@pytest.mark.parametrize(
    ("role", "status"), [("ops_manager", 200), ("super_admin", 200), ("finance", 403), ("cs", 403)]
)
def test_only_notification_managers_see_deliveries(db: None, role: str, status: int) -> None:
    assert _admin_client(role).get(CHANGELIST).status_code == status


def test_retry_action_requeues_failed_deliveries(db: None, django_capture_on_commit_callbacks: Any) -> None:
    failed = DeliveryFactory(status="failed", attempts=5, last_error="DeliveryError: 503")
    sent = DeliveryFactory(status="sent", sent_at="2026-11-01T10:00:00+05:30")
    client = _admin_client("ops_manager")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "retry_deliveries", "_selected_action": [str(failed.pk), str(sent.pk)]}, follow=True
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert len(sms.outbox) == 1
    messages = [str(m) for m in response.context["messages"]]
    assert any("1 deliveries queued again" in m for m in messages)
    assert any("were not retried" in m for m in messages)
    assert Delivery.objects.get(pk=sent.pk).status == "sent"


def test_delivery_search_and_detail_pages_render(db: None) -> None:
    delivery = DeliveryFactory(status="failed", last_error="DeliveryError: MSG91 HTTP 503")
    client = _admin_client("ops_manager")
    assert client.get(CHANGELIST, {"q": "not-a-uuid"}).status_code == 200
    assert client.get(CHANGELIST, {"q": str(delivery.pk)}).context["cl"].result_count == 1
    page = client.get(f"{CHANGELIST}{delivery.pk}/change/")
    assert page.status_code == 200
    assert "MSG91 HTTP 503" in page.content.decode()
    assert "Kedarkantha" not in page.content.decode(), "the message context is not shown"
