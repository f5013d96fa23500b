from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from apps.treks.models import Batch, Guide, Region, Trek, TrekItineraryDay
from apps.users.roles import StaffRole
from apps.users.tests.factories import UserFactory


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"Region {n}")
    slug = factory.Sequence(lambda n: f"region-{n}")
    description = "Mountains."


class TrekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trek

    name = factory.Sequence(lambda n: f"Trek {n}")
    slug = factory.Sequence(lambda n: f"trek-{n}")
    region = factory.SubFactory(RegionFactory)
    description = "A walk in the hills."
    max_altitude = 3800
    total_distance = Decimal("20.0")
    duration_days = 6
    difficulty = Trek.Difficulty.MODERATE
    max_group_size = 20
    themes = factory.LazyFunction(lambda: ["snow"])
    best_months = factory.LazyFunction(lambda: [12, 1])
    status = Trek.Status.ACTIVE


class ItineraryDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrekItineraryDay

    trek = factory.SubFactory(TrekFactory)
    day_number = factory.Sequence(lambda n: n + 1)
    title = "Walk"
    camp_name = "Camp"
    altitude = 3000
    distance_km = Decimal("5.0")


class GuideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guide

    user = factory.SubFactory(UserFactory, staff_role=StaffRole.GUIDE)
    bio = "Knows the way."
    years_exp = 5
    satellite_phone = "+881631234567"


class BatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Batch

    trek = factory.SubFactory(TrekFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=o.trek.duration_days - 1))
    total_seats = 10
    seats_taken = 0
    price = Decimal("12500.00")
    status = factory.LazyAttribute(lambda o: Batch.Status.FULL if o.seats_taken >= o.total_seats else Batch.Status.OPEN)
