"""Catalog reads. The list is one statement and the detail one statement (on PostgreSQL).

``price_from`` and the next departure come from the stored card (:class:`apps.treks.models.TrekCard`),
filtered by today's date when read; on other databases they are computed live from the batches.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    Func,
    JSONField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, JSONObject

from apps.common.exceptions import NotFound
from apps.treks import compiled
from apps.treks.errors import RouteNotFound
from apps.treks.models import Batch, Guide, Region, Trek, TrekItineraryDay, TrekPhoto
from apps.users.roles import Capability, StaffRole, has_capability

# Large columns a list never needs.
LIST_DEFERRED = (
    "description",
    "fitness_prep",
    "faqs",
    "inclusions",
    "exclusions",
    "packing_list",
    "best_months",
    "route_stats",
    "route_geojson",
    "search_vector",
    "gpx_file",
)
BOOKABLE = (Batch.Status.OPEN, Batch.Status.FULL)


def can_see_drafts(user: Any) -> bool:
    """Staff who edit the catalog also see draft and archived treks."""
    return has_capability(user, Capability.CATALOG_WRITE) or has_capability(user, Capability.BATCHES_MANAGE)


def visible_treks(user: Any) -> QuerySet[Trek]:
    qs = Trek.objects.all()
    if not can_see_drafts(user):
        qs = qs.filter(status=Trek.Status.ACTIVE)
    return qs


def upcoming_batches(today: date) -> QuerySet[Batch]:
    """Departures still ahead (start after today) that are open or full."""
    return Batch.objects.filter(start_date__gt=today, status__in=BOOKABLE)


def open_batch_exists(today: date, **conditions: Any) -> Exists:
    """Some upcoming open batch (so with seats left) of the outer trek matches ``conditions``."""
    return Exists(
        Batch.objects.filter(trek=OuterRef("pk"), status=Batch.Status.OPEN, start_date__gt=today, **conditions)
    )


# Read from the stored card: its departures still ahead of today (an ISO date compares as text).
_AHEAD = "FROM jsonb_array_elements({departures}) WITH ORDINALITY AS d(e, n) WHERE e->>'start_date' > {today}"
# a departure's seats are not stored on the card (migration 0015): read from its batch row, in the same snapshot
_LIVE_SEATS = (
    "(SELECT greatest(0, b.total_seats - b.seats_taken) "  # noqa: S608 - the table's name from the model
    f"FROM \"{Batch._meta.db_table}\" b WHERE b.id = ({{departure}}->>'id')::uuid)"
)
CARD_NEXT_BATCH = (
    "(SELECT e || jsonb_build_object('seats_left', "  # noqa: S608 - SQL from this module, values as parameters
    + _LIVE_SEATS.format(departure="e")
    + ") FROM (SELECT e "
    + _AHEAD
    + " ORDER BY n LIMIT 1) AS next_one)"
)
CARD_NEXT_DEPARTURE = "(SELECT (e->>'start_date')::date " + _AHEAD + " ORDER BY n LIMIT 1)"
CARD_PRICE_FROM = "(SELECT min((e->>'price')::numeric) " + _AHEAD + " AND e->>'status' = 'open')"


class CardPick(Func):
    """One value picked by ``sql`` from the stored card's departures still ahead of ``today`` (PostgreSQL). ``sql``
    names the departures ``{departures}``, the date ``{today}`` and the joined card ``{card}``."""

    def __init__(self, sql: str, today: date, output_field: Any) -> None:
        super().__init__(F("card__departures"), Value(today.isoformat()), output_field=output_field)
        self.sql = sql

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:  # type: ignore[override]
        (departures, departure_params), (today, today_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        card = departures.rpartition(".")[0]  # the joined card's alias
        return self.sql.format(departures=departures, today=today, card=card), (*departure_params, *today_params)


NO_DEPARTURE = ',"price_from":null,"next_batch":null}'  # a card's end with no departure ahead
_NO_DEPARTURE_SQL = NO_DEPARTURE.replace("{", "{{").replace("}", "}}")
# the end of the card for today, from the columns migrations 0013 and 0015 generate beside the departures: the text
# stored for the first departure ahead up to its seats (``width_bucket`` counts the starts on or before today: ``k``
# is that departure's index in the array), then its seats from its batch row and its status; past the last
# departure, the stored text of a card with nothing ahead (no departure, so no seats and no status). A trek without
# a stored card yet has no departure. The picked departure's batch row is always there: the card and the batches are
# read in one snapshot, and a batch deleted or changed rewrites its card in the same statement.
CARD_TAIL = (
    "CASE WHEN {card}.tail_heads IS NULL THEN '" + _NO_DEPARTURE_SQL + "' ELSE ("
    "SELECT CASE WHEN {card}.departures->k IS NULL THEN {card}.tail_heads[k + 1] "
    "ELSE {card}.tail_heads[k + 1] || "
    + _LIVE_SEATS.format(departure="{card}.departures->k")
    + "::text || ',\"status\":' || to_json({card}.departures->k->>'status')::text || '}}}}' END "
    "FROM (SELECT width_bucket(({today})::date, {card}.starts) AS k) AS first_ahead) END"
)


class CardTail(CardPick):
    """The end of the catalog card's JSON (``,"price_from":...,"next_batch":...}``) for ``today`` (PostgreSQL)."""

    def __init__(self, today: date) -> None:
        super().__init__(CARD_TAIL, today, CharField())


def with_departure_annotations(qs: QuerySet[Trek], today: date) -> QuerySet[Trek]:
    """``price_from`` (cheapest upcoming open batch), ``next_departure`` and ``next_batch_data``."""
    if connection.vendor == "postgresql":
        return qs.annotate(
            price_from=CardPick(CARD_PRICE_FROM, today, DecimalField(max_digits=10, decimal_places=2)),
            next_departure=CardPick(CARD_NEXT_DEPARTURE, today, DateField()),
            next_batch_data=CardPick(CARD_NEXT_BATCH, today, JSONField()),
        )
    return with_live_departures(qs, today)


def with_live_departures(qs: QuerySet[Trek], today: date) -> QuerySet[Trek]:
    """The same three annotations computed from the batches (databases without the stored card)."""
    upcoming = upcoming_batches(today).filter(trek=OuterRef("pk"))
    cheapest = (
        upcoming.filter(status=Batch.Status.OPEN).order_by().values("trek").annotate(low=Min("price")).values("low")
    )
    following = upcoming.order_by("start_date", "id")
    next_batch = following.values(
        data=JSONObject(
            id=Cast("id", CharField()),
            start_date=Cast("start_date", CharField()),
            end_date=Cast("end_date", CharField()),
            price=Cast("price", CharField()),
            seats_left=F("total_seats") - F("seats_taken"),
            status=F("status"),
        )
    )
    return qs.annotate(
        price_from=Subquery(cheapest[:1]),
        next_departure=Subquery(following.values("start_date")[:1]),
        next_batch_data=Subquery(next_batch[:1], output_field=JSONField()),
    )


def trek_list(*, user: Any, today: date) -> QuerySet[Trek]:
    qs = visible_treks(user).select_related("region").defer(*LIST_DEFERRED)
    return with_departure_annotations(qs, today)


# What a catalog card needs; read as plain rows (no model instances) on the hottest endpoint.
TREK_CARD_FIELDS = (
    "slug",
    "name",
    "status",
    "region__slug",
    "region__name",
    "difficulty",
    "max_altitude",
    "duration_days",
    "total_distance",
    "themes",
    "cover_image",
    "price_from",
    "next_batch_data",
)


def trek_cards(qs: QuerySet[Trek]) -> QuerySet[Trek, dict[str, Any]]:
    return qs.values(*TREK_CARD_FIELDS)


def _as_text(field: str) -> Cast:
    return Cast(field, CharField())


def detail_rows(trek: Any, today: date) -> dict[str, QuerySet[Any, Any]]:
    """The detail's lists as one JSON object per row (``json``), for ``trek`` (a pk or ``OuterRef``)."""
    return {
        "itinerary_rows": TrekItineraryDay.objects.filter(trek=trek)
        .order_by("day_number")
        .values(
            json=JSONObject(
                day_number="day_number",
                title="title",
                camp_name="camp_name",
                altitude="altitude",
                distance_km=_as_text("distance_km"),
                description="description",
                meal_plan="meal_plan",
                evacuation_notes="evacuation_notes",
                nearest_medical_point="nearest_medical_point",
            )
        ),
        "photo_rows": TrekPhoto.objects.filter(trek=trek)
        .order_by("position")
        .values(json=JSONObject(id=_as_text("id"), image="image", caption="caption", position="position")),
        "batch_rows": upcoming_batches(today)
        .filter(trek=trek)
        .order_by("start_date", "id")
        .values(
            json=JSONObject(
                id=_as_text("id"),
                start_date=_as_text("start_date"),
                end_date=_as_text("end_date"),
                price=_as_text("price"),
                total_seats="total_seats",
                seats_left=F("total_seats") - F("seats_taken"),
                status="status",
                guide_id=_as_text("guide_id"),
                guide_active="guide__is_active",
                guide_years_exp="guide__years_exp",
                guide_photo="guide__photo",
                guide_first_name="guide__user__first_name",
                guide_last_name="guide__user__last_name",
                guide_tribe_handle="guide__user__tribe_handle",
            )
        ),
    }


DETAIL_DEFERRED = ("route_geojson", "search_vector")
_DETAIL_FIELDS = tuple(f.attname for f in Trek._meta.concrete_fields if f.name not in DETAIL_DEFERRED)
_REGION_FIELDS = tuple(f.attname for f in Region._meta.concrete_fields if f.name in ("id", "slug", "name"))
_DETAIL_REGION = tuple(f"region__{name}" for name in _REGION_FIELDS)


def _detail_queryset(*, user: Any, slug: str, today: date) -> QuerySet[Trek]:
    return with_departure_annotations(
        visible_treks(user).select_related("region").defer(*DETAIL_DEFERRED), today
    ).filter(slug=slug)


def _compiled_detail(*, user: Any, slug: str, today: date) -> Trek | None:
    """The detail's one statement, compiled once per audience (:mod:`apps.treks.compiled`); the row is made
    into the trek (with its region and the annotations) that an ORM read would give."""

    def build(values: dict[str, Any]) -> QuerySet[Trek, dict[str, Any]]:
        lists = detail_rows(OuterRef("pk"), values["today"])
        return (
            _detail_queryset(user=user, slug=values["slug"], today=values["today"])
            .annotate(**{name: ArraySubquery(subquery) for name, subquery in lists.items()})
            .values(*_DETAIL_FIELDS, *_DETAIL_REGION, "price_from", "next_departure", "next_batch_data", *lists)
        )

    values = {"slug": slug, "today": today}
    statement = compiled.statement(("trek_detail", can_see_drafts(user)), values, build)
    if statement is None:  # not reusable: compile this once
        row = build(values).first()
    else:
        found = statement.rows(values, " LIMIT 1")
        row = found[0] if found else None
    if row is None:
        return None
    trek = Trek.from_db(connection.alias, _DETAIL_FIELDS, [row[name] for name in _DETAIL_FIELDS])
    trek.region = Region.from_db(connection.alias, _REGION_FIELDS, [row[name] for name in _DETAIL_REGION])
    for name in ("price_from", "next_departure", "next_batch_data", "itinerary_rows", "photo_rows", "batch_rows"):
        setattr(trek, name, row[name])
    return trek


def trek_detail(*, user: Any, slug: str, today: date) -> Trek:
    """One trek with region, card, itinerary, gallery and upcoming batches (with guides).

    On PostgreSQL one statement: the lists are JSON arrays built by subqueries (``*_rows`` attributes,
    lists of dicts); elsewhere one query per list.
    """
    if connection.vendor == "postgresql":
        trek = _compiled_detail(user=user, slug=slug, today=today)
    else:
        trek = _detail_queryset(user=user, slug=slug, today=today).first()
        if trek is not None:
            for name, subquery in detail_rows(trek.pk, today).items():
                setattr(trek, name, [row["json"] for row in subquery])
    if trek is None:
        raise NotFound("No such trek.")
    return trek


def trek_get(*, user: Any, slug: str, fields: tuple[str, ...] = ()) -> Trek:
    qs = visible_treks(user)
    if fields:
        qs = qs.only(*fields)
    trek = qs.filter(slug=slug).first()
    if trek is None:
        raise NotFound("No such trek.")
    return trek


def trek_route(*, user: Any, slug: str) -> dict[str, Any]:
    row = visible_treks(user).filter(slug=slug).values("route_geojson").first()
    if row is None:
        raise NotFound("No such trek.")
    if not row["route_geojson"]:
        raise RouteNotFound()
    return dict(row["route_geojson"])


def trek_batches(*, trek: Trek, today: date, month: int | None = None, include_full: bool = False) -> QuerySet[Batch]:
    qs = upcoming_batches(today).filter(trek=trek)
    if not include_full:
        qs = qs.filter(status=Batch.Status.OPEN)
    if month:
        qs = qs.filter(start_date__month=month)
    return qs.select_related("trek", "guide__user").order_by("start_date", "id")


def batch_get(*, user: Any, batch_id: Any) -> Batch:
    batch = (
        Batch.objects.select_related("trek__region", "guide__user")
        .filter(pk=batch_id, trek__in=visible_treks(user))
        .first()
    )
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def region_list() -> QuerySet[Region]:
    return Region.objects.annotate(
        active_treks=Count("treks", filter=Q(treks__status=Trek.Status.ACTIVE), distinct=True)
    ).order_by("name")


def region_get(*, slug: str) -> Region:
    region = region_list().filter(slug=slug).first()
    if region is None:
        raise NotFound("No such region.")
    return region


def guide_list(*, user: Any) -> QuerySet[Guide]:
    qs = Guide.objects.select_related("user").prefetch_related(
        Prefetch("regions", queryset=Region.objects.order_by("name"))
    )
    if not can_see_drafts(user):
        qs = qs.filter(is_active=True)
    return qs.order_by("-years_exp", "user__first_name", "id")


def guide_get(*, user: Any, guide_id: Any) -> Guide:
    guide = guide_list(user=user).filter(pk=guide_id).first()
    if guide is None:
        raise NotFound("No such guide.")
    return guide


# --- guide authority ------------------------------------------------------------------------------
# The one rule for what a guide may do, read afresh on every request (nothing of it is in a token):
# a user acts as a guide while their account is active, their *current* staff role is guide and their
# Guide profile is active, and then only for the batches whose ``guide`` is that profile. Removing the
# role, deactivating the profile or moving the batch to another guide ends the power on the next request.
# ``acting_guide_q`` (database filters) and ``acting_guide`` (loaded rows) state the same rule; a test
# holds them to each other.


def has_guide_role(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "staff_role", None) == StaffRole.GUIDE
    )


def acting_guide_q(*, via: str = "") -> Q:
    """Filter on Batch (``via=""``) or a model reaching one (``via="batch__"``): batches whose guide acts now."""
    return Q(
        **{
            f"{via}guide__is_active": True,
            f"{via}guide__user__is_active": True,
            f"{via}guide__user__staff_role": StaffRole.GUIDE,
        }
    )


def guided_by_q(user: Any, *, via: str = "") -> Q:
    """The batches ``user`` guides now (``via`` as in :func:`acting_guide_q`); nothing for anyone else."""
    if not has_guide_role(user):
        return Q(pk__in=[])
    return acting_guide_q(via=via) & Q(**{f"{via}guide__user": user.pk})


def acting_guide(batch: Batch | None) -> Guide | None:
    """The batch's guide while they hold guide authority; None when it has none (load ``guide__user``)."""
    guide = batch.guide if batch is not None else None
    if guide is None or not guide.is_active or not has_guide_role(guide.user):
        return None
    return guide


def guides_batch(user: Any, batch: Batch | None) -> bool:
    """``user`` is the acting guide of ``batch``: their batch's manifest, incidents and group conversation."""
    guide = acting_guide(batch)
    return guide is not None and has_guide_role(user) and guide.user_id == user.pk


def is_acting_guide(user: Any) -> bool:
    """``user`` may act as a guide at all (open incidents for trekkers of their batches): one query."""
    return has_guide_role(user) and Guide.objects.filter(user=user.pk, is_active=True).exists()
