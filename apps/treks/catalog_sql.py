"""The trek list: one statement for the page and its total, compiled once per shape on PostgreSQL.

The queryset is the same on every database (``selectors.trek_list`` filtered by :class:`TrekFilter`, read as
``selectors.trek_cards`` rows with the total beside them); on PostgreSQL its SQL text is compiled once per
shape (audience, ordering, ``available``, which filters are present and how many values each has) and reused
with each request's values (:mod:`apps.treks.compiled`). Elsewhere, or for a shape that cannot be reused, the
queryset is compiled per request as Django does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.pagination import TOTAL, RowCount
from apps.treks import compiled, selectors
from apps.treks.catalog_cache.responses import RenderedResponse
from apps.treks.catalog_json import (
    AFTER_CARDS,
    CARD_TAIL,
    COLUMNS,
    HEAD_COLUMNS,
    SELECT_CARDS,
    card_texts,
    page_body,
    serialized_card,
)
from apps.treks.domain import local_today
from apps.treks.filters import DEFAULT_TREK_ORDER, TrekFilter
from apps.treks.serializers import TrekListSerializer
from apps.treks.views.common import PAGING_PARAMS, paginate, validated_filter

# Filter values that change a statement's text rather than fill its parameters.
SHAPE_FILTERS = ("ordering", "available")


class CompiledRows:
    """What :class:`apps.common.pagination.WindowCountPaginator` pages: a compiled statement's rows."""

    def __init__(self, statement: compiled.Statement, values: dict[str, Any]) -> None:
        self.statement = statement
        self.values = values
        self.total: int | None = None

    def window(self, bottom: int, size: int) -> tuple[list[dict[str, Any]], int | None]:
        rows = self.statement.rows(self.values, " LIMIT %s OFFSET %s", (size, bottom))
        return rows, rows[0][TOTAL] if rows else None

    def count(self) -> int:
        self.total = int(self.statement.scalar("SELECT count(*) FROM ({sql}) _rows", self.values))
        return self.total

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        if self.total == 0:
            return []
        return self.window(page.start, page.stop - page.start)[0]


class CompiledCards(CompiledRows):
    """Pages of cards written as JSON by PostgreSQL (:mod:`apps.treks.catalog_json`)."""

    def window(self, bottom: int, size: int) -> tuple[list[Any], int | None]:
        fetched = self.statement.fetch(self.values, around=(SELECT_CARDS, AFTER_CARDS), extra=((), (size, bottom)))
        if not fetched:
            return [], None
        heads = len(HEAD_COLUMNS)
        if any(row[heads + 1] is None for row in fetched):  # a tail PostgreSQL could not write: the serializer's
            rows = super().window(bottom, size)[0]
            return [serialized_card(row) for row in rows], fetched[0][-1]
        return card_texts(fetched), fetched[0][-1]


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _cards(filterset: TrekFilter | None, user: Any, today: date, data: dict[str, Any]) -> QuerySet[Any, dict[str, Any]]:
    """The list's rows (cards and total) for ``today`` and the filter values ``data``.

    The total counts the same filtered treks without the card's joins and departures (the region is a required
    key, the card one row per trek), so PostgreSQL counts them from the status index alone: 0.03 ms against
    0.22 ms with the joins, on the bench catalog."""
    queryset = selectors.trek_list(user=user, today=today)
    counted = selectors.visible_treks(user)
    if filterset is None:  # the home screen: no filters
        queryset = queryset.order_by(*DEFAULT_TREK_ORDER)
    else:
        filterset.form.cleaned_data = {**filterset.form.cleaned_data, **data}
        filterset.today = today
        queryset = filterset.filter_queryset(queryset)
        counted = filterset.filter_queryset(counted)
    cards = selectors.trek_cards(queryset)
    if connection.vendor == "postgresql":
        cards = cards.annotate(**{CARD_TAIL: selectors.CardTail(today)})
    return cards.annotate(**{TOTAL: RowCount(counted.order_by().values("pk"))})


def trek_list_response(request: Request, view: APIView) -> Response:
    """The paginated trek list for ``request`` (a 400 for filters that do not validate)."""
    filterset = None
    values: dict[str, Any] = {"today": local_today()}
    shape: tuple[Any, ...] = ()
    if request.query_params.keys() - PAGING_PARAMS:
        filterset = validated_filter(TrekFilter(request.query_params, request=request))
        data = dict(filterset.form.cleaned_data)
        data["search"] = (data.get("search") or "").strip()
        shape = tuple(data.pop(name, None) for name in SHAPE_FILTERS)
        values.update((name, value) for name, value in data.items() if _present(value))
    key = ("trek_list", selectors.can_see_drafts(request.user), filterset is None, shape)

    def build(placeholders: dict[str, Any]) -> QuerySet[Any, dict[str, Any]]:
        data = {name: value for name, value in placeholders.items() if name != "today"}
        return _cards(filterset, request.user, placeholders["today"], data)

    statement = compiled.statement(key, values, build) if connection.vendor == "postgresql" else None
    if statement is not None and statement.names == COLUMNS:
        paginator = view.pagination_class()  # type: ignore[attr-defined]
        cards = paginator.paginate_queryset(CompiledCards(statement, values), request, view=view)
        return RenderedResponse(page_body(paginator.get_paginated_response([]).data, cards))
    rows: Any = CompiledRows(statement, values) if statement is not None else build(dict(values))
    return paginate(request, view, rows, TrekListSerializer)
