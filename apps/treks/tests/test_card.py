"""The stored trek card (``TrekCard``) against a from-scratch computation, and the statement counts.

The card is kept by triggers on ``treks_batch``; every service that changes a batch, its seats or its
trek must leave it equal to what the batches say, and the list and detail (which filter it by date)
must show what a computation from the batches for that day shows.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.common.exceptions import ApplicationError
from apps.common.tests.race import Race
from apps.treks import selectors, services
from apps.treks.catalog_json import serialized_card
from apps.treks.models import Batch, Trek, TrekCard, TrekPhoto
from apps.treks.serializers import next_batch_of
from apps.treks.tests.factories import BatchFactory, GuideFactory, ItineraryDayFactory, RegionFactory, TrekFactory
from apps.users.models import User

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored card is PostgreSQL's"),
    pytest.mark.django_db,
]

BOOKABLE = (Batch.Status.OPEN, Batch.Status.FULL)
PRICES = [Decimal("9000.00"), Decimal("12500.00"), Decimal("12500.50"), Decimal("30000.00")]


def departure(batch: Batch) -> dict[str, Any]:
    """A departure as the card stores it: no seats (read from the batch row, migration 0015)."""
    return {
        "id": str(batch.pk),
        "start_date": batch.start_date.isoformat(),
        "end_date": batch.end_date.isoformat(),
        "price": str(batch.price),
        "status": batch.status,
    }


def with_seats(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored departure with the seats its batch has now, as the readers give it."""
    batch = Batch.objects.get(pk=stored["id"])
    return {**stored, "seats_left": batch.total_seats - batch.seats_taken}


def expected_departures(trek: Trek) -> list[dict[str, Any]]:
    batches = sorted(Batch.objects.filter(trek=trek, status__in=BOOKABLE), key=lambda b: (b.start_date, b.pk))
    return [departure(batch) for batch in batches]


def expected_card(trek: Trek, today: date) -> dict[str, Any]:
    ahead = [d for d in expected_departures(trek) if d["start_date"] > today.isoformat()]
    prices = [Decimal(d["price"]) for d in ahead if d["status"] == Batch.Status.OPEN]
    return {
        "price_from": min(prices) if prices else None,
        "next_departure": date.fromisoformat(ahead[0]["start_date"]) if ahead else None,
        "next_batch": next_batch_of(with_seats(ahead[0])) if ahead else None,
        "batch_ids": [d["id"] for d in ahead],
    }


def assert_cards_true(treks: list[Trek], today: date) -> None:
    for trek in treks:
        stored = TrekCard.objects.filter(trek=trek).values_list("departures", flat=True).first()
        assert (stored or []) == expected_departures(trek)
    rows = selectors.with_departure_annotations(Trek.objects.filter(pk__in=[t.pk for t in treks]), today).values(
        "pk", "price_from", "next_departure", "next_batch_data"
    )
    for row in rows:
        trek = next(t for t in treks if t.pk == row["pk"])
        expected = expected_card(trek, today)
        assert row["price_from"] == expected["price_from"]
        assert row["next_departure"] == expected["next_departure"]
        assert next_batch_of(row["next_batch_data"]) == expected["next_batch"]
    cards = selectors.trek_cards(
        selectors.trek_list(user=AnonymousUser(), today=today).filter(pk__in=[t.pk for t in treks])
    )
    tailed = list(cards.annotate(card_tail=selectors.CardTail(today)))
    assert len(tailed) == len(treks)
    for card in tailed:
        # the stored end of the card, picked for today, is the end of the card the serializer writes
        assert card["card_tail"].startswith(',"price_from":')
        assert serialized_card(card).endswith(card["card_tail"])
    for trek in treks:
        detail = selectors.trek_detail(user=AnonymousUser(), slug=trek.slug, today=today)
        expected = expected_card(trek, today)
        assert detail.price_from == expected["price_from"]  # type: ignore[attr-defined]
        assert next_batch_of(detail.next_batch_data) == expected["next_batch"]  # type: ignore[attr-defined]
        assert [row["id"] for row in detail.batch_rows] == expected["batch_ids"]  # type: ignore[attr-defined]


OPS = st.sampled_from(["create", "update", "delete", "cancel", "take", "release", "day", "sync", "trek"])
STEP = st.tuples(OPS, st.integers(0, 50), st.integers(0, 50), st.integers(1, 40))


def apply(step: tuple[str, int, int, int], *, actor: User, treks: list[Trek], today: date) -> date:  # noqa: C901  one branch per generated operation
    op, a, b, c = step
    batches = list(Batch.objects.filter(trek__in=treks).order_by("created_at", "id"))
    batch = batches[a % len(batches)] if batches else None
    trek = treks[a % len(treks)]
    try:
        if op == "create":
            services.batch_create(
                actor=actor,
                trek=trek,
                start_date=today + timedelta(days=1 + c % 8),
                total_seats=1 + b % 4,
                price=PRICES[b % len(PRICES)],
                today=today,
            )
        elif op == "update" and batch is not None:
            changes: dict[str, Any] = [
                {"price": PRICES[b % len(PRICES)]},
                {"total_seats": 1 + b % 4},
                {"start_date": today + timedelta(days=1 + c % 8)},
            ][b % 3]
            services.batch_update(actor=actor, batch=batch, changes=changes, today=today)
        elif op == "delete" and batch is not None:
            services.batch_delete(actor=actor, batch=batch)
        elif op == "cancel" and batch is not None:
            services.batch_cancel(actor=actor, batch=batch)
        elif op == "take" and batch is not None:
            with transaction.atomic():
                services.batch_take_seats(batch_id=batch.pk, seats=1 + b % 3, today=today)
        elif op == "release" and batch is not None:
            with transaction.atomic():
                services.batch_release_seats(batch_id=batch.pk, seats=1 + b % 3)
        elif op == "day":
            return today + timedelta(days=1 + c % 3)  # the date moves on; the hourly sync has not run yet
        elif op == "sync":
            services.batch_sync_statuses(today=today)
        elif op == "trek":
            services.trek_update(actor=actor, trek=trek, changes={"max_group_size": 4 + b % 10})
    except ApplicationError:
        pass  # refused changes (not editable, has bookings, invalid transition) change nothing
    return today


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_every_change_keeps_the_card_true(steps: list[tuple[str, int, int, int]], make_user: Any) -> None:
    actor = make_user(staff_role="ops_manager")
    treks = [TrekFactory(duration_days=3), TrekFactory(duration_days=3)]
    today = timezone.localdate()
    for i, days in enumerate((1, 2, 3, 5, 2, 4)):  # departures close enough for the date to overtake
        services.batch_create(
            actor=actor, trek=treks[i % 2], start_date=today + timedelta(days=days), total_seats=3, price=PRICES[i % 4]
        )
    for step in steps:
        today = apply(step, actor=actor, treks=treks, today=today)
        assert_cards_true(treks, today)


def test_a_departure_that_starts_stops_being_next_before_and_after_the_hourly_sync(api_client, settings) -> None:
    import time_machine

    settings.CATALOG_CACHE_ENABLED = False
    today = timezone.localdate()
    trek = TrekFactory(slug="soon")
    BatchFactory(trek=trek, start_date=today + timedelta(days=1), price=Decimal("9000.00"))
    later = BatchFactory(trek=trek, start_date=today + timedelta(days=8), price=Decimal("15000.00"))
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        for sync in (False, True):
            if sync:
                services.batch_sync_statuses()
            card = api_client.get("/api/v1/treks/").json()["results"][0]
            assert (card["price_from"], card["next_batch"]["id"]) == ("15000.00", str(later.pk))
            detail = api_client.get("/api/v1/treks/soon/").json()
            assert [b["id"] for b in detail["batches"]] == [str(later.pk)]
            assert detail["next_batch"]["id"] == str(later.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_seat_changes_on_one_trek_keep_the_card_true(race: Race) -> None:
    trek = TrekFactory()
    batches = [
        BatchFactory(trek=trek, total_seats=20, start_date=timezone.localdate() + timedelta(days=d)) for d in (5, 9)
    ]

    def churn(batch: Batch) -> None:
        for _ in range(5):
            with transaction.atomic():
                services.batch_take_seats(batch_id=batch.pk, seats=2)
            with transaction.atomic():
                services.batch_release_seats(batch_id=batch.pk, seats=1)

    race(*(partial(churn, batches[i % 2]) for i in range(8)))
    assert TrekCard.objects.get(trek=trek).departures == expected_departures(trek)


def _card_versions_written() -> int:
    """Row versions of ``treks_trekcard`` this transaction has written (inserts and updates), from PostgreSQL's
    per-transaction counters (exact, and updated as the statements run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_xact_user_tables WHERE relname = %s",
            [TrekCard._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def test_seats_alone_leave_the_card_alone_and_a_status_change_rewrites_it_once() -> None:
    """The card holds no seats (migration 0015): a seat change that keeps the batch's status writes no version of
    the card, and the list and the detail still give the seats left. The last seat taken (``full``) or a seat given
    back to a full batch (``open``) rewrites the card once (locked without being written first); a trek without a
    card yet gets one (created, then rewritten)."""
    today = timezone.localdate()
    trek = TrekFactory()
    batch = BatchFactory(trek=trek, total_seats=3, start_date=today + timedelta(days=20))
    before = _card_versions_written()
    with transaction.atomic():
        services.batch_take_seats(batch_id=batch.pk, seats=2)
    assert _card_versions_written() - before == 0
    assert TrekCard.objects.get(trek=trek).departures == expected_departures(trek)
    assert_cards_true([trek], today)
    assert expected_card(trek, today)["next_batch"]["seats_left"] == 1
    before = _card_versions_written()
    with transaction.atomic():
        services.batch_take_seats(batch_id=batch.pk, seats=1)  # the last seat: the batch is full
    assert _card_versions_written() - before == 1
    assert [d["status"] for d in TrekCard.objects.get(trek=trek).departures] == [Batch.Status.FULL]
    assert_cards_true([trek], today)
    TrekCard.objects.filter(trek=trek).delete()
    before = _card_versions_written()
    with transaction.atomic():
        services.batch_release_seats(batch_id=batch.pk, seats=1)  # open again
    assert _card_versions_written() - before == 2  # created (the upsert), then rewritten
    assert [d["status"] for d in TrekCard.objects.get(trek=trek).departures] == [Batch.Status.OPEN]
    assert_cards_true([trek], today)


def test_one_statement_over_two_treks_rewrites_only_the_card_whose_departure_changed() -> None:
    """An update of batches of two treks where one batch's price changes and the other's seats alone: one card
    version, for the first trek's card; the second trek's seats still read true."""
    today = timezone.localdate()
    priced, seated = TrekFactory(), TrekFactory()
    repriced = BatchFactory(trek=priced, start_date=today + timedelta(days=15))
    taken = BatchFactory(trek=seated, total_seats=9, start_date=today + timedelta(days=16))
    before = _card_versions_written()
    Batch.objects.filter(pk__in=[repriced.pk, taken.pk]).update(
        price=Case(When(pk=repriced.pk, then=Value(Decimal("9000.00"))), default=F("price")),
        seats_taken=Case(
            When(pk=taken.pk, then=F("seats_taken") + 4), default=F("seats_taken"), output_field=IntegerField()
        ),
    )
    assert _card_versions_written() - before == 1
    assert [d["price"] for d in TrekCard.objects.get(trek=priced).departures] == ["9000.00"]
    assert_cards_true([priced, seated], today)
    assert expected_card(seated, today)["next_batch"]["seats_left"] == 5


def test_a_batch_moved_to_another_trek_leaves_one_card_and_joins_the_other() -> None:
    """An update of a batch's trek (the admin can make one) rewrites both treks' cards in the same statement;
    seats moved in the same statement are read live on the new one."""
    today = timezone.localdate()
    first, second = TrekFactory(), TrekFactory()
    moved = BatchFactory(trek=first, total_seats=8, start_date=today + timedelta(days=12))
    BatchFactory(trek=second, start_date=today + timedelta(days=30))
    Batch.objects.filter(pk=moved.pk).update(trek=second, seats_taken=F("seats_taken") + 3)
    assert TrekCard.objects.get(trek=first).departures == [] == expected_departures(first)
    assert TrekCard.objects.get(trek=second).departures == expected_departures(second)
    assert_cards_true([first, second], today)
    assert expected_card(second, today)["next_batch"]["seats_left"] == 5


def _card_storage(trek: Trek) -> tuple[str | None, str | None]:
    """The compression method of ``trek``'s stored departures and tail heads (None: stored as they are)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(departures), pg_column_compression(tail_heads) FROM treks_trekcard "
            "WHERE trek_id = %s",
            [trek.pk],
        )
        return cursor.fetchone()


def test_a_card_of_a_dozen_departures_is_kept_uncompressed_and_a_huge_one_still_fits() -> None:
    """0014: a seat change rewrites its trek's card; a row under 8160 bytes is written as it is (no pglz on every
    seat taken, none on every page of the list). A card too long for a page is still compressed, not refused."""
    start = timezone.localdate() + timedelta(days=10)
    usual = TrekFactory()
    batches = [BatchFactory(trek=usual, start_date=start + timedelta(days=7 * i)) for i in range(12)]
    with transaction.atomic():
        services.batch_take_seats(batch_id=batches[3].pk, seats=2)
    assert _card_storage(usual) == (None, None)
    huge = TrekFactory()
    for i in range(120):
        BatchFactory(trek=huge, start_date=start + timedelta(days=i))
    assert _card_storage(huge) == ("pglz", "pglz")  # past a page: compressed, as every card was before
    card = TrekCard.objects.get(trek=huge)
    assert card.departures == expected_departures(huge)
    assert len(card.departures) == 120


def test_a_card_with_nothing_ahead_ends_as_the_serializer_writes_it() -> None:
    """The three ways a card has no departure ahead: no stored card at all (a trek never given a batch: the pick's
    own text), departures all started, departures all cancelled (the stored array's last text)."""
    today = timezone.localdate()
    never = TrekFactory()
    started = TrekFactory()
    BatchFactory(trek=started, start_date=today - timedelta(days=2))
    cancelled = TrekFactory()
    BatchFactory(trek=cancelled, start_date=today + timedelta(days=9), status=Batch.Status.CANCELLED)
    assert not TrekCard.objects.filter(trek=never).exists()
    assert TrekCard.objects.filter(trek=started).exists()
    treks = [never, started, cancelled]
    cards = selectors.trek_cards(
        selectors.trek_list(user=AnonymousUser(), today=today).filter(pk__in=[t.pk for t in treks])
    )
    tailed = list(cards.annotate(card_tail=selectors.CardTail(today)))
    assert len(tailed) == 3
    for card in tailed:
        assert card["card_tail"] == selectors.NO_DEPARTURE
        assert serialized_card(card).endswith(card["card_tail"])


def test_the_data_migration_fills_existing_cards() -> None:
    from importlib import import_module

    trek = TrekFactory()
    BatchFactory(trek=trek)
    TrekCard.objects.all().delete()
    fill = import_module("apps.treks.migrations.0005_fill_trek_cards").FILL
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert TrekCard.objects.get(trek=trek).departures == expected_departures(trek)


def test_the_departures_function_keeps_its_plan_and_its_result() -> None:
    """0012 made ``treks_card_departures`` PL/pgSQL (its statement planned once per session, where an SQL function
    that aggregates is parsed and planned at every call): both versions give the same departures. 0015's, the one
    installed, gives them without their seats."""
    from importlib import import_module

    planned_once = import_module("apps.treks.migrations.0012_card_departures_planned_once")
    seats_live = import_module("apps.treks.migrations.0015_card_seats_read_live")
    trek = TrekFactory()
    BatchFactory(trek=trek, total_seats=4, seats_taken=4, status=Batch.Status.FULL)
    BatchFactory(trek=trek, price=Decimal("12500.50"))
    BatchFactory(trek=trek, status=Batch.Status.CANCELLED)
    computed: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute(  # what the migrations installed
            "SELECT l.lanname, p.prosrc FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = %s",
            ["treks_card_departures"],
        )
        language, source = cursor.fetchone()
        assert language == "plpgsql"
        assert "seats_left" not in source
        versions = {
            "SQL": planned_once.SQL,
            "PLPGSQL": planned_once.PLPGSQL,
            "installed": seats_live.DEPARTURES,  # last: the test leaves the installed one in place
        }
        for version, sql in versions.items():
            cursor.execute(sql)
            cursor.execute("SELECT treks_card_departures(%s)", [trek.pk])
            computed[version] = json.loads(cursor.fetchone()[0])  # Django reads jsonb as text
    assert computed["SQL"] == computed["PLPGSQL"] == [with_seats(d) for d in expected_departures(trek)]
    assert computed["installed"] == expected_departures(trek)
    assert len(computed["SQL"]) == 2


# --- statement counts -----------------------------------------------------------------------------


def _bench_like_catalog(treks: int) -> None:
    regions = [RegionFactory(slug=f"r{i}") for i in range(3)]
    made = []
    for i in range(treks):
        trek = TrekFactory(region=regions[i % 3], themes=["snow", "lakes"][: 1 + i % 2])
        guide = GuideFactory()  # a guide is on one departure at a time: one per trek here
        for d in range(3):
            BatchFactory(
                trek=trek,
                guide=guide,
                start_date=timezone.localdate() + timedelta(days=5 + 11 * d + i % 7),
                price=PRICES[(i + d) % len(PRICES)],
            )
        made.append(trek.pk)
    services.trek_refresh_search(trek_ids=made)


QUERIES = [
    "",
    "region=r1,r2",
    "available=true&ordering=price_from",
    "ordering=-next_departure",
    "search=trek&difficulty=moderate",
    "price_min=10000&price_max=20000&month={month}",
    "theme=lakes&duration_min=2&altitude_max=8000&ordering=-max_altitude",
]


@pytest.mark.parametrize("page_size", [1, 20, 100])
@pytest.mark.parametrize("query", QUERIES)
def test_list_is_one_statement(api_client, django_assert_num_queries, settings, page_size, query) -> None:
    settings.CATALOG_CACHE_ENABLED = False
    _bench_like_catalog(120)
    query = query.format(month=(timezone.localdate() + timedelta(days=20)).month)
    with django_assert_num_queries(1):
        response = api_client.get(f"/api/v1/treks/?page_size={page_size}&{query}")
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(page_size, body["count"])
    if not query or query.startswith("region"):
        assert body["count"] == (120 if not query else 80)


def test_list_past_the_last_page_is_still_a_404(api_client, settings) -> None:
    settings.CATALOG_CACHE_ENABLED = False
    _bench_like_catalog(3)
    assert api_client.get("/api/v1/treks/?page=2&page_size=3").status_code == 404
    assert api_client.get("/api/v1/treks/?page=1&page_size=3&region=nowhere").json()["count"] == 0


@pytest.mark.parametrize("batches", [1, 20, 100])
def test_detail_is_one_statement(api_client, django_assert_num_queries, settings, batches) -> None:
    settings.CATALOG_CACHE_ENABLED = False
    trek = TrekFactory(slug="busy", max_group_size=20)
    for d in range(1, 7):
        ItineraryDayFactory(trek=trek, day_number=d)
    for position in range(4):
        TrekPhoto.objects.create(trek=trek, image=f"treks/gallery/{position}.jpg", position=position)
    for i in range(batches):
        BatchFactory(trek=trek, guide=GuideFactory(), start_date=timezone.localdate() + timedelta(days=3 + i))
    with django_assert_num_queries(1):
        body = api_client.get("/api/v1/treks/busy/").json()
    assert (len(body["batches"]), len(body["guides"]), len(body["itinerary"]), len(body["gallery"])) == (
        batches,
        batches,
        6,
        4,
    )


@pytest.mark.parametrize("query", QUERIES)
def test_list_count_is_a_scalar_subquery_and_matches_the_pages(api_client, settings, query) -> None:
    """The total comes from ``(SELECT count(*) ...)`` beside the page, not ``count(*) OVER ()`` (which makes
    PostgreSQL compute every row of the result to return a page); every page adds up to it."""
    settings.CATALOG_CACHE_ENABLED = False
    settings.DB_PREPARED_STATEMENTS = False  # to read the statement's text rather than ``EXECUTE``
    _bench_like_catalog(30)
    query = query.format(month=(timezone.localdate() + timedelta(days=20)).month)
    with CaptureQueriesContext(connection) as captured:
        first = api_client.get(f"/api/v1/treks/?page_size=7&{query}").json()
    (statement,) = (q["sql"] for q in captured.captured_queries)
    assert "OVER ()" not in statement
    assert "(SELECT count(*) FROM (" in statement
    counted = statement.split("(SELECT count(*) FROM (", 1)[1].split(") _rows)", 1)[0]
    # the total counts the filtered treks without the card's joins and departures (an index-only count)
    assert "treks_trekcard" not in counted
    assert "region" in query or "JOIN" not in counted
    seen, page = len(first["results"]), 1
    while seen < first["count"]:
        page += 1
        seen += len(api_client.get(f"/api/v1/treks/?page_size=7&page={page}&{query}").json()["results"])
    assert seen == first["count"]
