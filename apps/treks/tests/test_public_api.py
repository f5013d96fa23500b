from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.treks.models import Batch, Trek
from apps.treks.tests.factories import (
    BatchFactory,
    GuideFactory,
    ItineraryDayFactory,
    RegionFactory,
    TrekFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _catalog(treks: int) -> list[Trek]:
    region = RegionFactory()
    out = []
    for i in range(treks):
        trek = TrekFactory(region=region)
        guide = GuideFactory()  # a guide is on one departure at a time: one per trek here
        guide.regions.add(region)
        for d in range(1, 4):
            ItineraryDayFactory(trek=trek, day_number=d)
        BatchFactory(trek=trek, guide=guide, start_date=TODAY() + timedelta(days=20 + i), price=Decimal(10000 + i))
        BatchFactory(trek=trek, guide=guide, start_date=TODAY() + timedelta(days=130), total_seats=5, seats_taken=5)
        BatchFactory(trek=trek, start_date=TODAY() - timedelta(days=40), status=Batch.Status.COMPLETED)
    return out


def test_list_item_shape(api_client):
    region = RegionFactory(name="Uttarakhand", slug="uttarakhand")
    trek = TrekFactory(name="Kedarkantha", slug="kedarkantha", region=region, themes=["snow", "summit"])
    early = BatchFactory(
        trek=trek, start_date=TODAY() + timedelta(days=10), price=Decimal("14000"), total_seats=8, seats_taken=3
    )
    BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=40), price=Decimal("12500"))
    BatchFactory(
        trek=trek, start_date=TODAY() + timedelta(days=5), price=Decimal("9000"), status=Batch.Status.CANCELLED
    )

    response = api_client.get("/api/v1/treks/")

    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item == {
        "slug": "kedarkantha",
        "name": "Kedarkantha",
        "status": "active",
        "region": {"slug": "uttarakhand", "name": "Uttarakhand"},
        "difficulty": {"value": "moderate", "label": "Moderate"},
        "max_altitude": 3800,
        "duration_days": 6,
        "total_distance": "20.0",
        "themes": ["snow", "summit"],
        "cover_image": None,
        "price_from": "12500.00",
        "next_batch": {
            "id": str(early.id),
            "start_date": str(early.start_date),
            "end_date": str(early.end_date),
            "price": "14000.00",
            "seats_left": 5,
            "status": "open",
        },
    }


def test_next_batch_is_null_without_upcoming_batches(api_client):
    trek = TrekFactory()
    BatchFactory(trek=trek, start_date=TODAY() - timedelta(days=30), status=Batch.Status.COMPLETED)
    item = api_client.get("/api/v1/treks/").json()["results"][0]
    assert item["next_batch"] is None
    assert item["price_from"] is None


def test_full_next_batch_is_shown_but_price_from_uses_open_batches(api_client):
    trek = TrekFactory()
    BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=5), total_seats=4, seats_taken=4, price=Decimal(8000))
    BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=25), price=Decimal(11000))
    item = api_client.get("/api/v1/treks/").json()["results"][0]
    assert item["next_batch"]["status"] == "full"
    assert item["next_batch"]["seats_left"] == 0
    assert item["price_from"] == "11000.00"


def test_drafts_and_archived_are_invisible_to_the_public(api_client, client_for, make_user):
    TrekFactory(slug="live")
    draft = TrekFactory(slug="draft", status=Trek.Status.DRAFT)
    TrekFactory(slug="old", status=Trek.Status.ARCHIVED)
    batch = BatchFactory(trek=draft)

    slugs = [t["slug"] for t in api_client.get("/api/v1/treks/").json()["results"]]
    assert slugs == ["live"]
    assert api_client.get("/api/v1/treks/draft/").status_code == 404
    assert api_client.get("/api/v1/treks/draft/batches/").status_code == 404
    assert api_client.get(f"/api/v1/batches/{batch.id}/").status_code == 404

    trekker = client_for(make_user())
    assert trekker.get("/api/v1/treks/draft/").status_code == 404

    content = client_for(make_user(staff_role="content"))
    slugs = sorted(t["slug"] for t in content.get("/api/v1/treks/").json()["results"])
    assert slugs == ["draft", "live", "old"]
    assert content.get("/api/v1/treks/draft/").status_code == 200
    assert [t["slug"] for t in content.get("/api/v1/treks/?status=draft").json()["results"]] == ["draft"]

    finance = client_for(make_user(staff_role="finance"))  # staff, but no catalog capability
    assert finance.get("/api/v1/treks/draft/").status_code == 404


def test_detail_carries_everything(api_client):
    guide = GuideFactory(user__first_name="Tenzing", user__last_name="Bhutia")
    trek = TrekFactory(
        slug="goechala", faqs=[{"question": "Q?", "answer": "A."}], inclusions=["Meals"], packing_list=["Boots"]
    )
    for d in (2, 1, 3):
        ItineraryDayFactory(trek=trek, day_number=d, title=f"Day {d}")
    BatchFactory(trek=trek, guide=guide, start_date=TODAY() + timedelta(days=15))
    BatchFactory(trek=trek, start_date=TODAY() - timedelta(days=30), status=Batch.Status.COMPLETED)

    body = api_client.get("/api/v1/treks/goechala/").json()

    for field in (
        "description", "max_altitude", "total_distance", "duration_days", "difficulty", "max_group_size", "themes",
        "best_months", "inclusions", "exclusions", "packing_list", "fitness_prep", "faqs", "status", "cover_image",
        "gallery", "price_from", "next_batch",
    ):  # fmt: skip
        assert field in body
    assert [d["day_number"] for d in body["itinerary"]] == [1, 2, 3]
    assert len(body["batches"]) == 1
    assert body["batches"][0]["seats_left"] == 10
    assert body["guides"] == [{"id": str(guide.id), "name": "Tenzing Bhutia", "years_exp": 5, "photo": None}]
    assert body["route"] is None
    assert body["faqs"] == [{"question": "Q?", "answer": "A."}]


def test_trek_batches_month_and_include_full(api_client):
    trek = TrekFactory(slug="hampta")
    open_batch = BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=10))
    full_batch = BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=20), total_seats=3, seats_taken=3)
    BatchFactory(trek=trek, start_date=TODAY() + timedelta(days=30), status=Batch.Status.CANCELLED)
    BatchFactory(trek=trek, start_date=TODAY() - timedelta(days=30), status=Batch.Status.COMPLETED)

    ids = [b["id"] for b in api_client.get("/api/v1/treks/hampta/batches/").json()["results"]]
    assert ids == [str(open_batch.id)]
    ids = [b["id"] for b in api_client.get("/api/v1/treks/hampta/batches/?include_full=true").json()["results"]]
    assert ids == [str(open_batch.id), str(full_batch.id)]
    month = open_batch.start_date.month
    ids = [b["id"] for b in api_client.get(f"/api/v1/treks/hampta/batches/?month={month}").json()["results"]]
    assert str(open_batch.id) in ids
    other = month % 12 + 1 if month % 12 + 1 != full_batch.start_date.month else (month + 1) % 12 + 1
    body = api_client.get(f"/api/v1/treks/hampta/batches/?month={other}&include_full=1").json()
    assert all(b["start_date"][5:7] == f"{other:02d}" for b in body["results"])


@pytest.mark.parametrize("query", ["month=13", "month=0", "month=abc", "include_full=banana"])
def test_trek_batches_bad_params(api_client, query):
    TrekFactory(slug="hampta")
    response = api_client.get(f"/api/v1/treks/hampta/batches/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_batch_detail(api_client):
    batch = BatchFactory(total_seats=12, seats_taken=5)
    body = api_client.get(f"/api/v1/batches/{batch.id}/").json()
    assert body["seats_left"] == 7
    assert body["trek"] == {"slug": batch.trek.slug, "name": batch.trek.name}
    assert "seats_taken" not in body
    assert api_client.get("/api/v1/batches/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_guides_hide_phone_numbers_from_public(api_client, client_for, make_user):
    active = GuideFactory(satellite_phone="+881631234567")
    GuideFactory(is_active=False)
    body = api_client.get("/api/v1/guides/").json()
    assert [g["id"] for g in body["results"]] == [str(active.id)]
    assert "+881631234567" not in str(body)
    assert "satellite_phone" not in body["results"][0]

    ops = client_for(make_user(staff_role="ops_manager"))
    staff_body = ops.get("/api/v1/guides/").json()
    assert staff_body["count"] == 2
    assert any(g["satellite_phone"] == "+881631234567" for g in staff_body["results"])


def test_regions_count_active_treks(api_client):
    region = RegionFactory(slug="sikkim", name="Sikkim")
    TrekFactory(region=region)
    TrekFactory(region=region)
    TrekFactory(region=region, status=Trek.Status.DRAFT)
    RegionFactory(slug="ladakh", name="Ladakh")
    body = api_client.get("/api/v1/regions/").json()
    assert {r["slug"]: r["active_treks"] for r in body["results"]} == {"sikkim": 2, "ladakh": 0}
    assert api_client.get("/api/v1/regions/sikkim/").json()["active_treks"] == 2


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_trek_list_query_count_is_constant(api_client, django_assert_num_queries, page_size, settings):
    settings.CATALOG_CACHE_ENABLED = False
    _catalog(100)
    with django_assert_num_queries(1):  # the page and its total in one select
        response = api_client.get(f"/api/v1/treks/?page_size={page_size}&available=true&ordering=price_from")
    assert len(response.json()["results"]) == page_size
    assert all(item["next_batch"] is not None for item in response.json()["results"])


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_other_lists_query_count_is_constant(api_client, django_assert_num_queries, page_size, settings):
    settings.CATALOG_CACHE_ENABLED = False
    region = RegionFactory()
    for _ in range(100):
        TrekFactory(region=region)
        guide = GuideFactory()
        guide.regions.add(region, RegionFactory())
    trek = TrekFactory(slug="busy")
    guides = [GuideFactory() for _ in range(trek.duration_days)]  # daily departures, each guide on every 6th
    for i in range(100):
        BatchFactory(trek=trek, guide=guides[i % len(guides)], start_date=TODAY() + timedelta(days=i + 1))
    with django_assert_num_queries(2):
        assert len(api_client.get(f"/api/v1/regions/?page_size={page_size}").json()["results"]) == page_size
    with django_assert_num_queries(3):  # count, guides with users, their regions
        assert len(api_client.get(f"/api/v1/guides/?page_size={page_size}").json()["results"]) == page_size
    with django_assert_num_queries(3):  # trek, count, batches with guides
        assert len(api_client.get(f"/api/v1/treks/busy/batches/?page_size={page_size}").json()["results"]) == page_size


def test_detail_query_count(api_client, django_assert_max_num_queries, settings):
    settings.CATALOG_CACHE_ENABLED = False
    trek = TrekFactory(slug="detail")
    for d in range(1, 7):
        ItineraryDayFactory(trek=trek, day_number=d)
    for i in range(10):
        BatchFactory(trek=trek, guide=GuideFactory(), start_date=TODAY() + timedelta(days=10 + i * 7))
    with django_assert_max_num_queries(6):
        body = api_client.get("/api/v1/treks/detail/").json()
    assert len(body["batches"]) == 10
    assert len(body["guides"]) == 10


def test_cached_list_runs_no_queries(api_client, django_assert_num_queries):
    _catalog(5)
    with time_machine.travel(timezone.now(), tick=False):  # within one version recheck interval
        first = api_client.get("/api/v1/treks/")
        with django_assert_num_queries(0):
            second = api_client.get("/api/v1/treks/")
    assert second.content == first.content
