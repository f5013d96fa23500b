"""Breadcrumbs, the map feed, who sees which incidents, and constant query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.emergency.models import IncidentStatus, LocationPing
from apps.emergency.tests.conftest import Cast
from apps.emergency.tests.factories import IncidentFactory, IncidentUpdateFactory, LocationPingFactory
from apps.treks.tests.factories import GuideFactory

LIST = "/api/v1/emergency/incidents/"
GEO = "/api/v1/emergency/incidents/active.geojson"


@pytest.fixture
def incident(cast: Cast) -> Any:
    return IncidentFactory(trekker=cast.trekker, location_at=timezone.now() - timedelta(minutes=10))


def pings_url(incident: Any) -> str:
    return f"/api/v1/emergency/incidents/{incident.pk}/locations/"


def ping(minutes_ago: float, lat: float = 32.32, lon: float = 77.19, **extra: Any) -> dict[str, Any]:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {"recorded_at": at.isoformat(), "latitude": lat, "longitude": lon, **extra}


def test_a_batch_of_pings_moves_the_latest_location(cast: Cast, incident: Any, client_for: Any) -> None:
    client = client_for(cast.trekker)
    batch = [ping(5, 32.3301, 77.1901), ping(1, 32.3401, 77.1951, battery_pct=12), ping(3, 32.3350, 77.1920)]
    response = client.post(pings_url(incident), {"pings": batch}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["ignored"]) == (3, 0, 0)
    assert body["incident"]["location"]["latitude"] == "32.340100"
    assert body["incident"]["battery_pct"] == 12

    # The phone retries the same batch plus one older fix: duplicates skipped, latest unchanged.
    again = client.post(pings_url(incident), {"pings": [*batch, ping(8)]}, format="json").json()
    assert (again["accepted"], again["duplicates"]) == (1, 3)
    assert again["incident"]["location"]["latitude"] == "32.340100"
    assert LocationPing.objects.filter(incident=incident).count() == 4

    detail = client.get(f"/api/v1/emergency/incidents/{incident.pk}/").json()
    assert [p["latitude"] for p in detail["breadcrumb"]] == ["32.320000", "32.330100", "32.335000", "32.340100"]
    assert detail["location"]["maps_url"] == "https://maps.google.com/?q=32.340100,77.195100"
    assert detail["timeline"][-1]["kind"] == "location"
    assert len(client.get(pings_url(incident)).json()) == 4


def test_duplicate_times_within_one_batch_store_one_ping(cast: Cast, incident: Any, client_for: Any) -> None:
    fix = ping(2)
    body = client_for(cast.trekker).post(pings_url(incident), {"pings": [fix, fix]}, format="json").json()
    assert (body["accepted"], body["duplicates"]) == (1, 1)


def test_pings_after_closure_are_ignored(cast: Cast, client_for: Any) -> None:
    closed = IncidentFactory(
        trekker=cast.trekker, status=IncidentStatus.FALSE_ALARM, received_at=timezone.now() - timedelta(minutes=30)
    )
    body = client_for(cast.trekker).post(pings_url(closed), {"pings": [ping(40), ping(1)]}, format="json").json()
    assert (body["accepted"], body["ignored"]) == (1, 1)


@pytest.mark.parametrize(
    "payload",
    [
        {"pings": []},
        {"pings": [{"latitude": 10, "longitude": 10}]},
        {"pings": [{"recorded_at": "2026-01-01T00:00:00Z", "latitude": 95, "longitude": 10}]},
        {"pings": "nope"},
        {},
    ],
)
def test_bad_pings_are_400(cast: Cast, incident: Any, client_for: Any, payload: dict[str, Any]) -> None:
    response = client_for(cast.trekker).post(pings_url(incident), payload, format="json")
    assert response.status_code == 400
    assert not LocationPing.objects.exists()


def test_the_guide_may_send_pings_staff_may_not(cast: Cast, incident: Any, client_for: Any) -> None:
    assert (
        client_for(incident.batch.guide.user).post(pings_url(incident), {"pings": [ping(1)]}, format="json").status_code
        == 200
    )
    assert client_for(cast.ops).post(pings_url(incident), {"pings": [ping(2)]}, format="json").status_code == 403


def test_visibility(cast: Cast, client_for: Any, make_user: Any) -> None:
    mine = IncidentFactory(trekker=cast.trekker)
    other = IncidentFactory()
    guide = other.batch.guide.user
    unbatched = IncidentFactory(batch=None)

    def ids(user: Any) -> set[str]:
        response = client_for(user).get(LIST)
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    everything = {str(mine.pk), str(other.pk), str(unbatched.pk)}
    assert ids(cast.trekker) == {str(mine.pk)}
    assert ids(guide) == {str(other.pk)}
    assert ids(cast.ops) == everything
    assert ids(cast.cs) == everything
    assert ids(cast.admin) == everything
    assert ids(cast.finance) == set()
    assert ids(make_user()) == set()
    assert ids(GuideFactory().user) == set()
    assert client_for(None).get(LIST).status_code == 401
    assert client_for(cast.trekker).get(f"/api/v1/emergency/incidents/{other.pk}/").status_code == 404
    assert client_for(guide).get(f"/api/v1/emergency/incidents/{mine.pk}/").status_code == 404
    assert client_for(cast.cs).get(f"/api/v1/emergency/incidents/{other.pk}/").status_code == 200


def test_list_filters(cast: Cast, client_for: Any) -> None:
    IncidentFactory(trekker=cast.trekker)
    IncidentFactory(trekker=cast.trekker, status="acknowledged", kind="injury")
    client = client_for(cast.ops)
    assert client.get(LIST, {"status": "acknowledged"}).json()["count"] == 1
    assert client.get(LIST, {"kind": ["injury", "sos"]}).json()["count"] == 2
    assert client.get(LIST, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize("size", [1, 15])
def test_the_list_runs_a_constant_number_of_queries(
    cast: Cast, client_for: Any, django_assert_num_queries: Any, size: int
) -> None:
    for _ in range(size):
        incident = IncidentFactory(acknowledged_by=cast.ops, status="acknowledged")
        IncidentUpdateFactory(incident=incident)
        LocationPingFactory(incident=incident)
    client = client_for(cast.ops)
    with django_assert_num_queries(3):  # user, count, page
        response = client.get(LIST)
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 10])
def test_the_detail_runs_a_constant_number_of_queries(
    cast: Cast, incident: Any, client_for: Any, django_assert_num_queries: Any, size: int
) -> None:
    for i in range(size):
        IncidentUpdateFactory(incident=incident, author=cast.ops)
        LocationPingFactory(incident=incident, recorded_at=timezone.now() - timedelta(seconds=i))
    client = client_for(cast.ops)
    with django_assert_num_queries(5):  # user, incident, timeline, breadcrumb, alerts
        assert client.get(f"/api/v1/emergency/incidents/{incident.pk}/").status_code == 200


def test_the_map_feed(cast: Cast, client_for: Any, django_assert_max_num_queries: Any) -> None:
    active = IncidentFactory(trekker=cast.trekker)
    IncidentFactory(status="responding")
    IncidentFactory(status="resolved")
    IncidentFactory(latitude=None, longitude=None, location_at=None)
    client = client_for(cast.ops)
    with django_assert_max_num_queries(2):
        response = client.get(GEO)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 2
    feature = next(f for f in body["features"] if f["id"] == str(active.pk))
    assert feature["geometry"] == {"type": "Point", "coordinates": [77.1874, 32.3182]}
    assert feature["properties"]["status"] == "open"
    assert feature["properties"]["trekker"] == "Priya Sharma"
    assert client.get(GEO, HTTP_ACCEPT="application/json").status_code == 200


def test_the_map_feed_is_for_incident_staff(cast: Cast, client_for: Any) -> None:
    assert client_for(cast.trekker).get(GEO).status_code == 403
    assert client_for(cast.finance).get(GEO).status_code == 403
    assert client_for(GuideFactory().user).get(GEO).status_code == 403
    assert client_for(None).get(GEO).status_code == 401
    assert client_for(cast.cs).get(GEO).status_code == 200


def test_handlers_see_the_state_of_every_alert_the_trekker_does_not(
    cast: Cast, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import uuid

    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(cast.trekker).post(
            "/api/v1/emergency/sos/", {}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )
    detail_url = f"/api/v1/emergency/incidents/{created.json()['id']}/"
    alerts = client_for(cast.ops).get(detail_url).json()["alerts"]
    assert len(alerts) == 9
    assert {a["status"] for a in alerts} == {"sent"}
    assert {a["occasion"] for a in alerts} == {"alert"}
    contact = next(a for a in alerts if a["recipient"].endswith("2222") and a["channel"] == "sms")
    assert contact["recipient"] == "+91******2222"
    assert client_for(cast.trekker).get(detail_url).json()["alerts"] is None
