from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.treks import services
from apps.treks.caching import etag_matches
from apps.treks.tests.factories import BatchFactory, TrekFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run commit hooks (the catalog version bump) as a real commit would."""

    def _run():
        return django_capture_on_commit_callbacks(execute=True)

    return _run


def test_etag_and_304_without_queries_or_rendering(api_client, django_assert_num_queries, monkeypatch):
    TrekFactory(slug="kedarkantha")
    first = api_client.get("/api/v1/treks/")
    etag = first["ETag"]
    assert etag
    assert first["Cache-Control"] == "no-cache"
    assert "Authorization" in first["Vary"]

    from apps.treks import caching

    def explode(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(caching._renderer, "render", explode)
    with django_assert_num_queries(0):
        second = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=etag)
    assert second.status_code == 304
    assert second.content == b""
    assert second["ETag"] == etag
    assert api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=f'W/{etag}, "other"').status_code == 304


def test_different_queries_have_different_etags(api_client):
    TrekFactory()
    a = api_client.get("/api/v1/treks/?ordering=name")["ETag"]
    b = api_client.get("/api/v1/treks/?ordering=-name")["ETag"]
    assert a != b
    assert api_client.get("/api/v1/treks/?ordering=-name", HTTP_IF_NONE_MATCH=a).status_code == 200


def test_seat_change_invalidates_cached_list_and_detail(api_client, on_commit):
    trek = TrekFactory(slug="sandakphu")
    batch = BatchFactory(trek=trek, total_seats=3)
    list_before = api_client.get("/api/v1/treks/")
    detail_before = api_client.get("/api/v1/treks/sandakphu/")
    assert list_before.json()["results"][0]["next_batch"]["seats_left"] == 3

    with on_commit(), transaction.atomic():
        services.batch_take_seats(batch_id=batch.pk, seats=3)

    list_after = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=list_before["ETag"])
    assert list_after.status_code == 200
    assert list_after["ETag"] != list_before["ETag"]
    assert list_after.json()["results"][0]["next_batch"] == {
        **list_before.json()["results"][0]["next_batch"],
        "seats_left": 0,
        "status": "full",
    }
    detail_after = api_client.get("/api/v1/treks/sandakphu/", HTTP_IF_NONE_MATCH=detail_before["ETag"])
    assert detail_after.status_code == 200
    assert [(b["seats_left"], b["status"]) for b in detail_after.json()["batches"]] == [(0, "full")]


def test_staff_write_invalidates_and_audiences_are_separate(api_client, client_for, make_user, on_commit):
    TrekFactory(slug="live", name="Live")
    TrekFactory(slug="draft", name="Draft", status="draft")
    content = client_for(make_user(staff_role="content"))
    assert [t["slug"] for t in api_client.get("/api/v1/treks/").json()["results"]] == ["live"]
    assert [t["slug"] for t in content.get("/api/v1/treks/").json()["results"]] == ["draft", "live"]
    assert [t["slug"] for t in api_client.get("/api/v1/treks/").json()["results"]] == ["live"]

    with on_commit():
        assert content.patch("/api/v1/treks/draft/", {"status": "active"}, format="json").status_code == 200
    assert [t["slug"] for t in api_client.get("/api/v1/treks/").json()["results"]] == ["draft", "live"]


def test_batch_write_through_api_invalidates(api_client, client_for, make_user, on_commit):
    batch = BatchFactory(trek__slug="kgl")
    before = api_client.get("/api/v1/treks/kgl/batches/").json()["results"][0]["price"]
    ops = client_for(make_user(staff_role="ops_manager"))
    with on_commit():
        ops.patch(f"/api/v1/batches/{batch.id}/", {"price": "9999.00"}, format="json")
    after = api_client.get("/api/v1/treks/kgl/batches/").json()["results"][0]["price"]
    assert (before, after) == ("12500.00", "9999.00")
    assert api_client.get(f"/api/v1/batches/{batch.id}/").json()["price"] == "9999.00"


def test_version_survives_a_lost_key(on_commit):
    from django.core.cache import cache

    from apps.treks.services.cache import VERSION_KEY, catalog_version

    first = catalog_version()
    cache.delete(VERSION_KEY)
    with on_commit():
        services.catalog_version_bump()
    assert catalog_version() > first


def test_cache_outage_serves_uncached(api_client, monkeypatch):
    from apps.treks import caching

    TrekFactory()

    def down():
        raise ConnectionError("redis down")

    monkeypatch.setattr(caching, "catalog_version", down)
    response = api_client.get("/api/v1/treks/")
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert "ETag" not in response


def test_etag_matching():
    assert etag_matches('"a"', '"a"')
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches('"b"', '"a"')
    assert not etag_matches(None, '"a"')


def test_errors_are_not_cached(api_client):
    assert api_client.get("/api/v1/treks/missing/").status_code == 404
    TrekFactory(slug="missing")
    assert api_client.get("/api/v1/treks/missing/").status_code == 200


def test_next_batch_follows_the_calendar(api_client, settings):
    trek = TrekFactory(slug="x")
    BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=3))
    assert api_client.get("/api/v1/treks/x/").json()["next_batch"] is not None


def test_memory_copy_is_used_only_for_the_current_version(api_client, on_commit):
    from django.core.cache import cache

    from apps.treks import caching

    trek = TrekFactory(slug="memo", name="Before")
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "Before"
    cache.delete_pattern("catalog:resp:*")  # only the in-process copy is left
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "Before"
    type(trek).objects.filter(pk=trek.pk).update(name="After")
    with on_commit():
        services.catalog_version_bump()
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "After"
    caching.local_cache_clear()
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "After"  # from Redis
