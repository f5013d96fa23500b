from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.treks import services
from apps.treks.models import Batch, Trek
from apps.treks.tests.factories import BatchFactory, RegionFactory, TrekFactory

pytestmark = pytest.mark.django_db


def _slugs(api_client, query: str) -> list[str]:
    response = api_client.get(f"/api/v1/treks/?{query}")
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def _in_month(month: int) -> date:
    """The first day of ``month`` that is at least 2 days ahead."""
    today = timezone.localdate()
    year = today.year if (month, 1) > (today.month, 1) else today.year + 1
    start = date(year, month, 1)
    if start <= today + timedelta(days=1):
        start = date(year + 1, month, 1)
    return start + timedelta(days=1)


@pytest.fixture
def catalog():
    himachal = RegionFactory(slug="himachal", name="Himachal Pradesh")
    sikkim = RegionFactory(slug="sikkim", name="Sikkim")
    ladakh = RegionFactory(slug="ladakh", name="Ladakh")
    easy = TrekFactory(
        slug="easy-walk", name="Easy Walk", region=himachal, difficulty="easy", duration_days=3, max_altitude=2900,
        themes=["forest"],
    )  # fmt: skip
    mid = TrekFactory(
        slug="mid-walk", name="Mid Walk", region=sikkim, difficulty="moderate", duration_days=6, max_altitude=4200,
        themes=["lakes", "snow"],
    )  # fmt: skip
    hard = TrekFactory(
        slug="hard-walk", name="Hard Walk", region=ladakh, difficulty="difficult", duration_days=9, max_altitude=5260,
        themes=["pass"],
    )  # fmt: skip
    BatchFactory(trek=easy, start_date=_in_month(3), price=Decimal("8000"))
    BatchFactory(trek=mid, start_date=_in_month(5), price=Decimal("15000"))
    BatchFactory(trek=mid, start_date=_in_month(10), price=Decimal("18000"), total_seats=4, seats_taken=4)
    BatchFactory(trek=hard, start_date=_in_month(7), price=Decimal("26000"), total_seats=4, seats_taken=4)
    return {"easy": easy, "mid": mid, "hard": hard}


def test_region_one_or_many(api_client, catalog):
    assert _slugs(api_client, "region=sikkim") == ["mid-walk"]
    assert _slugs(api_client, "region=sikkim,ladakh") == ["hard-walk", "mid-walk"]
    assert _slugs(api_client, "region=sikkim&region=himachal") == ["easy-walk", "mid-walk"]
    assert _slugs(api_client, "region=nowhere") == []


def test_difficulty_one_or_many(api_client, catalog):
    assert _slugs(api_client, "difficulty=easy") == ["easy-walk"]
    assert _slugs(api_client, "difficulty=easy,difficult") == ["easy-walk", "hard-walk"]


def test_duration_and_altitude_ranges(api_client, catalog):
    assert _slugs(api_client, "duration_min=4&duration_max=9") == ["hard-walk", "mid-walk"]
    assert _slugs(api_client, "duration_max=3") == ["easy-walk"]
    assert _slugs(api_client, "altitude_min=4000") == ["hard-walk", "mid-walk"]
    assert _slugs(api_client, "altitude_max=4200&altitude_min=3000") == ["mid-walk"]


def test_price_range_counts_upcoming_open_batches_only(api_client, catalog):
    assert _slugs(api_client, "price_min=10000") == ["mid-walk"]  # hard-walk's only batch is full
    assert _slugs(api_client, "price_max=9000") == ["easy-walk"]
    assert _slugs(api_client, "price_min=16000&price_max=20000") == []  # mid's 18000 batch is full


def test_month_and_start_window(api_client, catalog):
    assert _slugs(api_client, "month=5") == ["mid-walk"]
    assert _slugs(api_client, "month=10") == []  # only a full batch starts then
    start = _in_month(3)
    assert _slugs(api_client, f"start_after={start}&start_before={start}") == ["easy-walk"]
    assert _slugs(api_client, f"start_after={start + timedelta(days=1)}&region=himachal") == []


def test_theme_and_available(api_client, catalog):
    assert _slugs(api_client, "theme=snow") == ["mid-walk"]
    assert _slugs(api_client, "theme=forest,pass") == ["easy-walk", "hard-walk"]
    assert _slugs(api_client, "available=true") == ["easy-walk", "mid-walk"]
    assert _slugs(api_client, "available=false") == ["hard-walk"]


def test_ordering(api_client, catalog):
    TrekFactory(slug="no-batches", name="Zz No Batches")
    assert _slugs(api_client, "ordering=-max_altitude")[:3] == ["hard-walk", "mid-walk", "no-batches"]
    assert _slugs(api_client, "ordering=duration_days")[0] == "easy-walk"
    assert _slugs(api_client, "ordering=price_from") == ["easy-walk", "mid-walk", "hard-walk", "no-batches"]
    assert _slugs(api_client, "ordering=-price_from")[-2:] == ["hard-walk", "no-batches"]  # nulls last both ways
    assert _slugs(api_client, "ordering=next_departure")[-1] == "no-batches"
    assert _slugs(api_client, "ordering=-name")[0] == "no-batches"


@pytest.mark.parametrize(
    "query",
    [
        "difficulty=banana",
        "month=13",
        "month=0",
        "month=may",
        "price_min=abc",
        "price_max=-5",
        "duration_min=abc",
        "altitude_max=high",
        "start_after=2026-02-30",
        "start_before=tomorrow",
        "available=banana",
        "ordering=price",
        "region=Not%20A%20Slug!",
        "status=published",
        "page_size=abc",
    ],
)
def test_bad_values_are_400(api_client, catalog, query):
    response = api_client.get(f"/api/v1/treks/?{query}")
    if query == "page_size=abc":  # DRF falls back to the default page size
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert query.split("=")[0] in body["details"]


def test_search_is_ranked_on_postgres(api_client):
    kashmir = RegionFactory(slug="kashmir", name="Kashmir")
    uk = RegionFactory(slug="uttarakhand", name="Uttarakhand")
    for name, region, themes, description in [
        ("Kashmir Great Lakes", kashmir, ["lakes", "meadows"], "Seven alpine lakes linked by passes."),
        ("Brahmatal", uk, ["snow"], "A winter trek passing a frozen lake on the way."),
        ("Kedarkantha", uk, ["summit"], "A summit trek in the forest."),
        ("Tarsar Marsar", kashmir, ["meadows"], "Meadows of the Aru valley."),
    ]:
        services.trek_create(
            actor=None, name=name, region=region, description=description, max_altitude=4000,
            total_distance=Decimal(30), duration_days=6, difficulty="moderate", themes=themes,
            status=Trek.Status.ACTIVE,
        )  # fmt: skip

    # name (A) beats description (C); stemming: "lake" matches "lakes"
    assert _slugs(api_client, "search=lake") == ["kashmir-great-lakes", "brahmatal"]
    # region names are searchable
    assert _slugs(api_client, "search=kashmir") == ["kashmir-great-lakes", "tarsar-marsar"]
    # theme (B) plus description (C) outranks the theme alone
    assert _slugs(api_client, "search=meadows") == ["tarsar-marsar", "kashmir-great-lakes"]
    assert _slugs(api_client, "search=summit forest") == ["kedarkantha"]
    assert _slugs(api_client, "search=volcano") == []
    # combined with a filter and an explicit ordering
    assert _slugs(api_client, "search=lake&ordering=name") == ["brahmatal", "kashmir-great-lakes"]
    assert _slugs(api_client, "search=lake&region=uttarakhand") == ["brahmatal"]


def test_search_vector_follows_renames(api_client, settings):
    settings.CATALOG_CACHE_ENABLED = False
    region = RegionFactory(slug="garhwal", name="Garhwal")
    trek = services.trek_create(
        actor=None, name="Har Ki Dun", region=region, description="Valley of gods.", max_altitude=3566,
        total_distance=Decimal(47), duration_days=7, difficulty="moderate", status=Trek.Status.ACTIVE,
    )  # fmt: skip
    assert _slugs(api_client, "search=garhwal") == [trek.slug]
    services.region_update(actor=None, region=region, changes={"name": "Uttarakhand"})
    assert _slugs(api_client, "search=uttarakhand") == [trek.slug]
    assert _slugs(api_client, "search=garhwal") == []


def test_search_plain_fallback_outside_postgres(monkeypatch, catalog):
    from apps.treks import filters

    monkeypatch.setattr(filters.connection, "vendor", "sqlite")
    qs = filters.TrekFilter({"search": "sikkim"}, queryset=Trek.objects.all()).qs
    assert [t.slug for t in qs] == ["mid-walk"]
    qs = filters.TrekFilter({"theme": "snow"}, queryset=Trek.objects.all()).qs
    assert [t.slug for t in qs] == ["mid-walk"]


def test_upcoming_means_after_today(api_client):
    trek = TrekFactory(slug="today")
    BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=1))
    batch = Batch.objects.get()
    Batch.objects.filter(pk=batch.pk).update(
        start_date=timezone.localdate(), end_date=timezone.localdate() + timedelta(5)
    )
    assert _slugs(api_client, "available=true") == []
