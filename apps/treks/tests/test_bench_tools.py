from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import RequestFactory

from apps.treks.models import Batch, Region, Trek, TrekItineraryDay
from config.bench import FLOOR_BODY, FloorView, QueryCountMiddleware

pytestmark = pytest.mark.django_db


def test_floor_view_and_query_counter():
    request = RequestFactory().get("/api/v1/bench/floor/")
    response = QueryCountMiddleware(lambda r: FloorView.as_view()(r).render())(request)
    assert response.status_code == 200
    assert response["X-Query-Count"] == "0"
    assert b'"status":"ok"' in response.content
    assert FLOOR_BODY["status"] == "ok"

    def two_queries(r):
        list(Region.objects.all())
        list(Trek.objects.all())
        return FloorView.as_view()(r).render()

    assert QueryCountMiddleware(two_queries)(request)["X-Query-Count"] == "2"


def test_floor_is_not_routed_outside_bench_settings(api_client):
    assert api_client.get("/api/v1/bench/floor/").status_code == 404


def test_bench_catalog_builder_refuses_outside_bench_settings():
    with pytest.raises(CommandError):
        call_command("build_bench_catalog", stdout=io.StringIO())


def test_bench_catalog_builder(settings):
    settings.BENCH_FLOOR_ENABLED = True
    out = io.StringIO()
    call_command("build_bench_catalog", "--regions", "4", "--treks", "8", "--batches", "40", stdout=out)
    assert (Region.objects.count(), Trek.objects.count(), Batch.objects.count()) == (4, 8, 40)
    for trek in Trek.objects.all():
        assert TrekItineraryDay.objects.filter(trek=trek).count() == trek.duration_days
        assert trek.search_vector is not None
    assert not Batch.objects.filter(status="full").exclude(seats_taken=F("total_seats")).exists()
    call_command("build_bench_catalog", "--regions", "4", "--treks", "8", "--batches", "40", stdout=out)
    assert "already in place" in out.getvalue()
