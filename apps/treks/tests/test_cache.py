from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from apps.treks import services
from apps.treks.catalog_cache import catalog_version, forget_process_state, version
from apps.treks.catalog_cache.responses import etag_matches, local_pages_clear
from apps.treks.models import Batch, CatalogVersion
from apps.treks.tests.factories import BatchFactory, TrekFactory

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run commit hooks (the catalog version bump) as a real commit would."""

    def _run():
        return django_capture_on_commit_callbacks(execute=True)

    return _run


@pytest.fixture
def frozen():
    """Wall-clock time under the test's control (the version recheck interval is measured on it)."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def another_process_changes(batch: Batch, *, seats_taken: int) -> None:
    """What a booking served by another process leaves behind: new rows and a moved version, and nothing
    in this process's memory."""
    Batch.objects.filter(pk=batch.pk).update(seats_taken=seats_taken)
    CatalogVersion.objects.filter(pk=version.ROW).update(value=F("value") + 1)


def seats_left(response) -> int:
    return response.json()["results"][0]["next_batch"]["seats_left"]


def test_etag_and_304_without_queries_or_rendering(api_client, django_assert_num_queries, monkeypatch, frozen):
    TrekFactory(slug="kedarkantha")
    first = api_client.get("/api/v1/treks/")
    etag = first["ETag"]
    assert etag
    assert first["Cache-Control"] == "no-cache"
    assert "Authorization" in first["Vary"]

    from apps.treks.catalog_cache import responses

    def explode(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(responses._renderer, "render", explode)
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


# --- the version ------------------------------------------------------------------------------------


def test_versions_only_grow_even_when_the_row_is_lost(on_commit):
    first = catalog_version()
    with on_commit():
        services.catalog_version_bump()
    second = catalog_version()
    assert second > first
    CatalogVersion.objects.all().delete()
    forget_process_state()
    assert catalog_version() > second  # a re-created row starts past every value used before
    with time_machine.travel(timezone.now() - timedelta(days=1)):  # a clock set back
        with on_commit():
            services.catalog_version_bump()
        assert catalog_version() > second


def test_a_change_made_elsewhere_is_served_within_the_recheck_interval(api_client, frozen, settings):
    assert settings.CATALOG_VERSION_RECHECK_SECONDS == 0.5
    batch = BatchFactory(trek__slug="roopkund", total_seats=16)
    first = api_client.get("/api/v1/treks/")
    assert seats_left(first) == 16

    another_process_changes(batch, seats_taken=2)
    frozen.shift(0.49)  # still inside the interval: this process may still answer from its copy
    assert api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    frozen.shift(0.01)  # the interval is over: the version is read again, whatever the traffic
    listing = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert listing.status_code == 200
    assert listing["ETag"] != first["ETag"]
    assert seats_left(listing) == 14
    detail = api_client.get("/api/v1/treks/roopkund/")
    assert [b["seats_left"] for b in detail.json()["batches"]] == [14]


def test_a_clock_that_goes_back_rereads_the_version(api_client, frozen):
    batch = BatchFactory(trek__slug="brahmatal", total_seats=16)
    first = api_client.get("/api/v1/treks/")
    another_process_changes(batch, seats_taken=5)
    frozen.shift(-3600)
    assert seats_left(api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"])) == 11


def test_with_no_recheck_interval_every_request_reads_the_version(
    api_client, frozen, settings, django_assert_num_queries
):
    settings.CATALOG_VERSION_RECHECK_SECONDS = 0
    batch = BatchFactory(trek__slug="kuari", total_seats=16)
    first = api_client.get("/api/v1/treks/")
    with django_assert_num_queries(1):  # the version, nothing else
        assert api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    another_process_changes(batch, seats_taken=1)
    assert seats_left(api_client.get("/api/v1/treks/")) == 15


def test_recheck_interval_above_one_second_is_refused(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings.parts.product as part  # the catalog settings of config.settings.base

    monkeypatch.setenv("CATALOG_VERSION_RECHECK_SECONDS", "1.5")
    try:
        with pytest.raises(ImproperlyConfigured, match="CATALOG_VERSION_RECHECK_SECONDS"):
            importlib.reload(part)
    finally:
        monkeypatch.delenv("CATALOG_VERSION_RECHECK_SECONDS")
        importlib.reload(part)


# --- faults: never a stale answer -------------------------------------------------------------------


def test_unreadable_version_serves_uncached_and_fresh(api_client, monkeypatch, frozen):
    from django.db import OperationalError

    batch = BatchFactory(trek__slug="hampta", total_seats=16)
    assert seats_left(api_client.get("/api/v1/treks/")) == 16
    frozen.shift(1)
    Batch.objects.filter(pk=batch.pk).update(seats_taken=3)

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(version, "_read", lost)
    response = api_client.get("/api/v1/treks/")
    assert response.status_code == 200
    assert "ETag" not in response
    assert seats_left(response) == 13


def test_a_bump_that_could_not_be_written_leaves_this_process_uncached_until_it_lands(
    api_client, on_commit, monkeypatch
):
    batch = BatchFactory(trek__slug="chadar", total_seats=16)
    before = api_client.get("/api/v1/treks/")
    real_stamp = version._stamp
    monkeypatch.setattr(version, "_stamp", lambda: 2**63)  # past bigint: PostgreSQL refuses the write
    with on_commit():
        Batch.objects.filter(pk=batch.pk).update(seats_taken=4)
        services.catalog_version_bump()
    during = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert (during.status_code, "ETag" in during, seats_left(during)) == (200, False, 12)

    monkeypatch.setattr(version, "_stamp", real_stamp)
    after = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert seats_left(after) == 12


def test_with_redis_down_pages_stay_correct(api_client, on_commit, settings, frozen):
    batch = BatchFactory(trek__slug="goechala", total_seats=16)
    dead = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=dead):
        first = api_client.get("/api/v1/treks/")
        assert (first.status_code, seats_left(first)) == (200, 16)
        assert api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        with on_commit(), transaction.atomic():
            services.batch_take_seats(batch_id=batch.pk, seats=2)
        after = api_client.get("/api/v1/treks/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert (after.status_code, seats_left(after)) == (200, 14)
        another_process_changes(batch, seats_taken=9)
        frozen.shift(0.5)
        assert seats_left(api_client.get("/api/v1/treks/")) == 7


def test_pages_cached_in_redis_before_an_outage_are_not_served_after_it(api_client, on_commit, settings):
    batch = BatchFactory(trek__slug="pangarchulla", total_seats=16)
    assert seats_left(api_client.get("/api/v1/treks/")) == 16  # cached in Redis under the current version
    dead = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    with override_settings(CACHES=dead), on_commit(), transaction.atomic():
        services.batch_take_seats(batch_id=batch.pk, seats=6)  # the bump does not need Redis
    local_pages_clear()
    assert seats_left(api_client.get("/api/v1/treks/")) == 10


# --- the rest ---------------------------------------------------------------------------------------


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

    trek = TrekFactory(slug="memo", name="Before")
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "Before"
    cache.delete_pattern("catalog:resp:*")  # only the in-process copy is left
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "Before"
    type(trek).objects.filter(pk=trek.pk).update(name="After")
    with on_commit():
        services.catalog_version_bump()
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "After"
    local_pages_clear()
    assert api_client.get("/api/v1/treks/memo/").json()["name"] == "After"  # from Redis


@pytest.mark.django_db(transaction=True)
def test_a_bump_after_commit_is_one_statement_without_a_transaction_of_its_own(monkeypatch):
    """After the writer's COMMIT the bump is a lone UPDATE in autocommit (no BEGIN/COMMIT round trips)."""
    from django.db import connection

    before = catalog_version()
    opened: list[bool] = []
    real = connection.set_autocommit
    monkeypatch.setattr(connection, "set_autocommit", lambda flag, **kw: (opened.append(flag), real(flag, **kw)))
    with transaction.atomic():
        services.catalog_version_bump()
    opened.clear()  # the writer's own transaction
    assert not connection.in_atomic_block
    assert version._write_bump()
    assert opened == []
    forget_process_state()
    assert catalog_version() > before
