"""The trek list and detail from statements compiled once per shape answer byte for byte what the ORM path
(a queryset compiled per request, the serializers) answers, over random catalogs and random queries."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import OuterRef
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from apps.common import storage
from apps.treks import compiled, selectors, services
from apps.treks.filters import ORDERINGS
from apps.treks.models import Batch, Trek, TrekPhoto
from apps.treks.serializers import TrekDetailSerializer
from apps.treks.tests.factories import BatchFactory, GuideFactory, ItineraryDayFactory, RegionFactory, TrekFactory
from apps.users.roles import StaffRole
from apps.users.tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are compiled once on PostgreSQL only"),
    pytest.mark.django_db,
]

REGIONS = ("alps", "zanskar", "kumaon")
THEMES = ("snow", "lakes", "forest", "passes")
WORDS = ("Hampta", "Pass", "Lake", "Valley", "Ridge", "Kedar")
PRICES = (Decimal("9000.00"), Decimal("12500.00"), Decimal("12500.50"), Decimal("30000.00"))
STATUSES = (Batch.Status.OPEN, Batch.Status.FULL, Batch.Status.CANCELLED, Batch.Status.COMPLETED)

batches = st.lists(
    st.tuples(
        st.integers(-10, 120),  # start, days from today
        st.sampled_from(PRICES),
        st.integers(0, 4),  # seats taken of 4
        st.sampled_from(STATUSES),
        st.booleans(),  # with a guide
    ),
    min_size=1,
    max_size=4,
)
treks = st.lists(
    st.tuples(
        st.sampled_from(REGIONS),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
        st.sampled_from(Trek.Difficulty.values),
        st.sampled_from((*Trek.Status.values, Trek.Status.ACTIVE, Trek.Status.ACTIVE)),
        st.integers(1000, 8000),
        st.integers(1, 20),
        st.lists(st.sampled_from(THEMES), min_size=1, max_size=3, unique=True),
        batches,
    ),
    min_size=2,
    max_size=8,
)

TODAY_OFFSETS = st.integers(-5, 100)
FILTERS: dict[str, Any] = {
    "region": st.lists(st.sampled_from((*REGIONS, "nowhere")), min_size=1, max_size=3).map(",".join),
    "difficulty": st.lists(st.sampled_from(Trek.Difficulty.values), min_size=1, max_size=2).map(",".join),
    "status": st.lists(st.sampled_from(Trek.Status.values), min_size=1, max_size=2).map(",".join),
    "duration_min": st.integers(1, 25),
    "duration_max": st.integers(1, 99_999),
    "altitude_min": st.integers(0, 9000),
    "altitude_max": st.integers(0, 10**10),
    "price_min": st.sampled_from(("0", "9000", "12500.5", "20000")),
    "price_max": st.sampled_from(("9000", "12500", "12500.50", "99999999")),
    "month": st.integers(1, 12),
    "start_after": TODAY_OFFSETS,
    "start_before": TODAY_OFFSETS,
    "theme": st.lists(st.sampled_from(THEMES), min_size=1, max_size=3).map(",".join),
    "available": st.sampled_from(("true", "false")),
    "search": st.sampled_from((*WORDS, "hampta lake", " ridge ", "nothing")),
    "ordering": st.sampled_from([f"{sign}{name}" for name in ORDERINGS for sign in ("", "-")]),
}
ONE_VALUE: dict[str, Any] = {
    "region": "alps,kumaon",
    "difficulty": "easy",
    "status": "active,draft",
    "duration_min": 2,
    "duration_max": 12,
    "altitude_min": 0,
    "altitude_max": 5000,
    "price_min": "9000",
    "price_max": "12500.50",
    "month": 3,
    "start_after": 3,
    "start_before": 40,
    "theme": "snow,lakes",
    "available": "true",
    "search": "hampta",
    "ordering": "-price_from",
}
# A few filters at a time (most pages have cards), the first page most often.
queries = st.tuples(
    st.lists(st.sampled_from(sorted(FILTERS)), max_size=3, unique=True).flatmap(
        lambda names: st.fixed_dictionaries({name: FILTERS[name] for name in names})
    ),
    st.fixed_dictionaries({"page_size": st.sampled_from((1, 20, 100)), "page": st.sampled_from((1, 1, 1, 2, 3))}),
).map(lambda parts: {**parts[0], **parts[1]})


def _catalog(rows: list[Any]) -> list[str]:
    today = timezone.localdate()
    regions = {slug: RegionFactory(slug=slug, name=slug.title()) for slug in REGIONS}

    def guide(j: int) -> Any:
        """A guide of its own per guided departure (a guide leads one departure at a time); every other one
        without a name."""
        if j % 2:
            return GuideFactory(user=UserFactory(first_name="", last_name="", staff_role=StaffRole.GUIDE))
        return GuideFactory()

    slugs = []
    for i, (region, words, difficulty, status, altitude, days, themes, departures) in enumerate(rows):
        trek = TrekFactory(
            region=regions[region],
            name=" ".join(words),
            difficulty=difficulty,
            status=status,
            max_altitude=altitude,
            duration_days=days,
            themes=themes,
            total_distance=Decimal(f"{i}.5"),
            cover_image=f"treks/covers/{i}.jpg" if i % 2 else "",
        )
        ItineraryDayFactory(trek=trek, day_number=1, distance_km=Decimal("7.5"))
        TrekPhoto.objects.create(trek=trek, image=f"treks/gallery/{i}.jpg", position=0, caption="View")
        for j, (start, price, taken, batch_status, guided) in enumerate(departures):
            if batch_status == Batch.Status.FULL:
                taken = 4
            elif batch_status == Batch.Status.OPEN:
                taken = min(taken, 3)
            BatchFactory(
                trek=trek,
                start_date=today + timedelta(days=start),
                price=price,
                total_seats=4,
                seats_taken=taken,
                status=batch_status,
                guide=guide(j) if guided else None,
            )
        slugs.append(trek.slug)
    services.trek_refresh_search(trek_ids=list(Trek.objects.values_list("pk", flat=True)))
    return slugs


def _query_string(query: dict[str, Any]) -> str:
    today = timezone.localdate()
    for name in ("start_after", "start_before"):
        if name in query:
            query[name] = (today + timedelta(days=query[name])).isoformat()
    return urlencode(query)


def _get(client: APIClient, url: str, monkeypatch: pytest.MonkeyPatch, *, orm: bool) -> tuple[int, bytes]:
    with monkeypatch.context() as patch:
        if orm:  # the reference: compile the queryset for this request, as Django does
            patch.setattr(compiled, "statement", lambda *args: None)
        response = client.get(url)
    if response.status_code != 200:  # an error envelope: the same but for its own request id
        return response.status_code, re.sub(rb'"request_id":"[0-9a-f]+"', b"", response.content)
    return response.status_code, response.content


# the detail's serializer with DRF's own field copies (TrekDetailSerializer builds its fields once per class)
ReferenceDetailSerializer = type(
    "ReferenceDetailSerializer", (TrekDetailSerializer,), {"get_fields": serializers.ModelSerializer.get_fields}
)


def _reference_detail(user: Any, slug: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The detail as the ORM reads it (a model instance, its lists annotated) through the serializer, with
    file URLs completed as for a request to the test server."""
    monkeypatch.setattr(storage, "current_request", lambda: RequestFactory().get("/"))
    today = timezone.localdate()
    lists = selectors.detail_rows(OuterRef("pk"), today)
    trek = (
        selectors._detail_queryset(user=user, slug=slug, today=today)
        .annotate(**{name: ArraySubquery(query) for name, query in lists.items()})
        .first()
    )
    return JSONRenderer().render(ReferenceDetailSerializer(trek).data)


@examples(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=treks, asks=st.lists(queries, min_size=1, max_size=4), staff=st.booleans())
def test_list_and_detail_equal_the_orm_path(catalog, asks, staff, settings, monkeypatch) -> None:
    settings.CATALOG_CACHE_ENABLED = False
    with transaction.atomic():
        slugs = _catalog(catalog)
        client = APIClient()
        user = None
        if staff:
            user = UserFactory(staff_role=StaffRole.CONTENT)
            client.force_authenticate(user)
        for ask in asks:
            url = f"/api/v1/treks/?{_query_string(dict(ask))}"
            ours = _get(client, url, monkeypatch, orm=False)
            assert ours[0] in (200, 404), url  # 404: a page past the last
            assert ours == _get(client, url, monkeypatch, orm=True), url
        for slug in [*slugs[:3], "missing"]:
            ours = _get(client, f"/api/v1/treks/{slug}/", monkeypatch, orm=False)
            if ours[0] == 200:
                assert ours[1] == _reference_detail(user, slug, monkeypatch)
            else:
                assert ours == _get(client, f"/api/v1/treks/{slug}/", monkeypatch, orm=True)
        transaction.set_rollback(True)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_is_served_from_a_compiled_statement(api_client, settings, monkeypatch, name) -> None:
    """No filter makes its shape fall back to compiling per request."""
    settings.CATALOG_CACHE_ENABLED = False
    (slug,) = _catalog([("alps", ["Hampta"], "easy", "active", 4000, 5, ["snow"], [(20, PRICES[0], 0, "open", True)])])
    refused: list[Any] = []
    real = compiled.statement

    def spy(key: Any, values: Any, build: Any) -> Any:
        found = real(key, values, build)
        if found is None:
            refused.append(key)
        return found

    monkeypatch.setattr(compiled, "statement", spy)
    query = _query_string({name: ONE_VALUE[name]})
    assert api_client.get(f"/api/v1/treks/?{query}").status_code == 200
    assert api_client.get(f"/api/v1/treks/{slug}/").status_code == 200
    assert refused == []


def test_cards_written_by_postgresql_escape_as_python_does(api_client, settings, monkeypatch) -> None:
    """Quotes, backslashes, control characters, U+2028/U+2029, non-ASCII and astral characters in every text
    of a card; a trek whose themes are not all strings (its card written by the serializer) on the same page."""
    settings.CATALOG_CACHE_ENABLED = False
    odd = 'Ä "q" \\ \n\t\x01\x1f \u2028\u2029 é 😀 </script>'
    region = RegionFactory(slug="odd", name=odd)
    TrekFactory(region=region, name=odd, themes=[odd, "snow"], cover_image="treks/covers/ä b.jpg")
    TrekFactory(region=region, name="Numbers", themes=[1, 2.5, {"a": [1, "b"]}, None, True])
    BatchFactory(trek=TrekFactory(region=region, name="Priced"), price=Decimal("12500.50"))
    for url in ("/api/v1/treks/?page_size=20", "/api/v1/treks/?page_size=1&page=2", "/api/v1/treks/?search=q"):
        ours = _get(api_client, url, monkeypatch, orm=False)
        assert ours[0] == 200
        assert ours == _get(api_client, url, monkeypatch, orm=True), url


def test_card_heads_follow_the_language_and_every_change_of_the_trek(api_client, settings, monkeypatch) -> None:
    """A card's head is written once per distinct values and language: Hindi and English alternate on one
    process and each equals the serializer's; a renamed trek or region shows at once (the values are the key)."""
    settings.CATALOG_CACHE_ENABLED = False
    region = RegionFactory(slug="kullu", name="Kullu")
    trek = TrekFactory(region=region, name="Hampta Pass", difficulty="moderate", themes=["snow"])
    url = "/api/v1/treks/?page_size=20"
    for language in ("en", "hi", "en", "hi"):
        api_client.credentials(HTTP_ACCEPT_LANGUAGE=language)
        ours = _get(api_client, url, monkeypatch, orm=False)
        assert ours == _get(api_client, url, monkeypatch, orm=True), language
    trek.name, trek.themes = "Hampta Pass Crossing", ["snow", "meadows"]
    trek.save()
    region.name = "Kullu Valley"
    region.save()
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    body = _get(api_client, url, monkeypatch, orm=False)[1]
    assert b'"name":"Hampta Pass Crossing"' in body
    assert b'"name":"Kullu Valley"' in body
    assert b'"themes":["snow","meadows"]' in body


INTEGER_FILTERS = sorted(name for name, value in ONE_VALUE.items() if isinstance(value, int) and name != "month")


@pytest.mark.parametrize("value", [32767, 32768, 2**31, 2**63, 10**30, -1])
@pytest.mark.parametrize("name", INTEGER_FILTERS)
def test_integer_filters_past_any_column_range_answer_as_the_orm(api_client, settings, monkeypatch, name, value):
    """Values past a smallint, an integer and a bigint: the compiled (prepared) statement answers what the ORM's
    per-request compilation answers (a page or the 400), never a 500."""
    settings.CATALOG_CACHE_ENABLED = False
    _catalog([("alps", ["Hampta"], "easy", "active", 4000, 5, ["snow"], [(20, PRICES[0], 0, "open", True)])])
    url = f"/api/v1/treks/?{name}={value}"
    ours = _get(api_client, url, monkeypatch, orm=False)
    assert ours[0] in (200, 400), (url, ours)
    assert ours == _get(api_client, url, monkeypatch, orm=True), url
