from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction

from apps.notifications.models import Delivery, Notification
from apps.notifications.services import notify
from apps.notifications.tests.factories import DeviceFactory
from apps.users.tests.factories import UserFactory


@pytest.mark.worker
def test_a_real_worker_delivers_a_notification_end_to_end(celery_worker: Any) -> None:
    user = UserFactory(phone="+919812345699")
    DeviceFactory(user=user)
    with transaction.atomic():
        deliveries = notify(
            template="hold_expiring",
            category="booking",
            context={"trek_name": "Kedarkantha", "hold_expires_at": "10:15", "booking_reference": "OBS-77"},
            user=user,
        )
        time.sleep(0.5)
        assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}, "nothing leaves before commit"
    assert sorted(d.channel for d in deliveries) == ["email", "push", "sms"]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Delivery.objects.exclude(status="sent").count() == 0:
            break
        time.sleep(0.2)
    rows = list(Delivery.objects.values_list("channel", "status", "attempts"))
    assert sorted(rows) == [("email", "sent", 1), ("push", "sent", 1), ("sms", "sent", 1)]
    assert all(d.sent_at and d.provider_message_id for d in Delivery.objects.all())
    assert Notification.objects.get(user=user).title == "Your seat is held until 10:15"
