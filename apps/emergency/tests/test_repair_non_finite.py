"""The data migration that repairs NaN / Infinity stored before the API refused them."""

from __future__ import annotations

import importlib
import math
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.utils import timezone
from rest_framework.test import APIClient

from apps.emergency.models import Incident, LocationPing
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory, LocationPingFactory
from apps.users.services import token_pair_for

pytestmark = pytest.mark.django_db

repair_non_finite_numbers = importlib.import_module(
    "apps.emergency.migrations.0002_repair_non_finite_numbers"
).repair_non_finite_numbers


def client(user: Any) -> APIClient:
    api = APIClient(raise_request_exception=False)  # a broken view answers 500 here instead of raising
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    return api


def test_repair_nulls_planted_non_finite_values_and_the_emergency_views_answer_again(cast: Cast) -> None:
    broken = IncidentFactory(trekker=cast.trekker, location_at=timezone.now() - timedelta(minutes=5))
    ping = LocationPingFactory(incident=broken, accuracy_m=4.0, altitude_m=3100.0)
    healthy = IncidentFactory(accuracy_m=8.0, altitude_m=2500.0)
    # Old rows, written before the API refused them (PostgreSQL stores NaN and Infinity in float columns).
    Incident.objects.filter(pk=broken.pk).update(accuracy_m=math.nan, altitude_m=math.inf)
    LocationPing.objects.filter(pk=ping.pk).update(accuracy_m=-math.inf, altitude_m=math.nan)

    ops, trekker = client(cast.ops), client(cast.trekker)
    urls = [
        "/api/v1/emergency/incidents/",
        "/api/v1/emergency/incidents/active.geojson",
        f"/api/v1/emergency/incidents/{broken.pk}/",
        f"/api/v1/emergency/incidents/{broken.pk}/locations/",
    ]
    assert [ops.get(url).status_code for url in urls] == [500, 500, 500, 500]  # what the old rows did

    repaired = repair_non_finite_numbers(django_apps, None)

    assert repaired == {
        "emergency_incident.accuracy_m": 1,
        "emergency_incident.altitude_m": 1,
        "emergency_locationping.accuracy_m": 1,
        "emergency_locationping.altitude_m": 1,
    }
    assert [ops.get(url).status_code for url in urls] == [200, 200, 200, 200]
    detail = ops.get(f"/api/v1/emergency/incidents/{broken.pk}/").json()
    assert (detail["location"]["accuracy_m"], detail["location"]["altitude_m"]) == (None, None)
    assert detail["location"]["latitude"] == "32.318200"  # the position is kept
    assert LocationPing.objects.filter(pk=ping.pk, accuracy_m=None, altitude_m=None).exists()
    healthy.refresh_from_db()
    assert (healthy.accuracy_m, healthy.altitude_m) == (8.0, 2500.0)
    assert trekker.post(f"/api/v1/emergency/incidents/{broken.pk}/false-alarm/", {}, format="json").status_code == 200

    assert set(repair_non_finite_numbers(django_apps, None).values()) == {0}  # once repaired, nothing left
