from __future__ import annotations

import factory
from django.utils import timezone

from apps.notifications.models import Delivery, Device, Notification
from apps.users.tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    category = "booking"
    template = "welcome"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "Something happened."


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"fcm-token-{n:06d}-" + "x" * 100)
    platform = Device.Platform.ANDROID
    last_seen_at = factory.LazyFunction(timezone.now)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = "sms"
    category = "booking"
    template = "hold_expiring"
    recipient = "+919812345678"
    context = factory.LazyFunction(
        lambda: {"trek_name": "Kedarkantha", "hold_expires_at": "10:15", "booking_reference": "OBS-1"}
    )
    next_attempt_at = factory.LazyFunction(timezone.now)
