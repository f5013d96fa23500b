from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from apps.emergency.models import Incident, IncidentUpdate, LocationPing
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import EmergencyContact
from apps.users.tests.factories import UserFactory


class EmergencyContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmergencyContact

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    relationship = "parent"
    phone = factory.Sequence(lambda n: f"+9198{n:08d}")


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    trekker = factory.SubFactory(UserFactory)
    batch = factory.SubFactory(BatchFactory, guide=factory.SubFactory(GuideFactory))
    status = "open"
    received_at = factory.LazyFunction(timezone.now)
    latitude = Decimal("32.318200")
    longitude = Decimal("77.187400")
    location_at = factory.LazyFunction(timezone.now)
    resolved_at = factory.LazyAttribute(lambda o: o.received_at if o.status in ("resolved", "false_alarm") else None)


class IncidentUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentUpdate

    incident = factory.SubFactory(IncidentFactory)
    kind = IncidentUpdate.Kind.NOTE
    note = "Checked in by radio."


class LocationPingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocationPing

    incident = factory.SubFactory(IncidentFactory)
    recorded_at = factory.LazyFunction(timezone.now)
    latitude = Decimal("32.318200")
    longitude = Decimal("77.187400")
