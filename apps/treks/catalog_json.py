"""Catalog cards as JSON text, byte for byte what :class:`TrekListSerializer` and DRF's ``JSONRenderer`` write
(compact, non-ASCII as is, U+2028/U+2029 escaped), without building a dict per card.

A card comes back from the list's statement in three parts:

- the **head** (slug to themes) as the trek's own column values: Python writes it with the serializer and the
  renderer once per distinct set of values and language (:func:`card_texts`, a bounded memo of a pure function of
  what the row holds, so it is never stale). PostgreSQL writing it cost 0.18 ms of the statement's 0.45 ms.
- the **cover**: its URL depends on the storage and the request, so Python writes it.
- the **tail** (``price_from`` and ``next_batch``), which depends on today's date: stored by PostgreSQL beside the
  card's departures up to the seats, one text per departure that can be the first ahead, picked for today and
  completed with that departure's seats (from its batch row) and status by :class:`apps.treks.selectors.CardTail`
  (migrations 0013, 0015). A tail that comes back NULL (a departure stored without a field the card shows)
  makes the page fall back to the serializer for every card.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

from apps.common.pagination import TOTAL
from apps.treks.selectors import TREK_CARD_FIELDS
from apps.treks.serializers import TrekListSerializer

CARD_TAIL = "card_tail"  # the card's end as stored (``selectors.CardTail``)
COLUMNS = (*TREK_CARD_FIELDS, CARD_TAIL, TOTAL)  # the list statement's result columns, in order


def _col(name: str) -> str:
    return f's."{name}"'


# the head's columns, in TrekListSerializer's order: numbers and JSON as PostgreSQL writes them (the ORM reads the
# same text: numeric as Decimal(text), jsonb through json.loads)
HEAD_COLUMNS = (
    "slug", "name", "status", "region__slug", "region__name", "difficulty", "max_altitude", "duration_days",
    "total_distance", "themes",
)  # fmt: skip
_AS_TEXT = {"total_distance", "themes"}
SELECT_HEAD = ", ".join(f"{_col(name)}::text" if name in _AS_TEXT else _col(name) for name in HEAD_COLUMNS)
SELECT_CARDS = f"SELECT {SELECT_HEAD}, {_col('cover_image')}, {_col(CARD_TAIL)}, {_col(TOTAL)} FROM ("  # noqa: S608  constant text from code; request values are parameters
AFTER_CARDS = " LIMIT %s OFFSET %s) AS s(" + ", ".join(f'"{name}"' for name in COLUMNS) + ")"

_renderer = JSONRenderer()


_MEMO_SIZE = 8192  # distinct (language, head values): far more than the catalog's treks


_HEAD_KEYS = (
    "slug", "name", "status", "region", "difficulty", "max_altitude", "duration_days", "total_distance", "themes",
)  # fmt: skip
_NULL_COVER = ',"cover_image":null}'


@lru_cache(maxsize=_MEMO_SIZE)
def _head(language: str, values: tuple[Any, ...]) -> str:
    row = dict(zip(HEAD_COLUMNS, values, strict=True))
    if row["total_distance"] is not None:
        row["total_distance"] = Decimal(row["total_distance"])
    if row["themes"] is not None:
        row["themes"] = json.loads(row["themes"])
    row.update(cover_image=None, price_from=None, next_batch_data=None)
    card = TrekListSerializer(row).data
    text = _renderer.render({**{name: card[name] for name in _HEAD_KEYS}, "cover_image": None}).decode()
    if not text.endswith(_NULL_COVER):
        raise ValueError("the cover must follow the head")
    return text[: -len("null}")]


def card_texts(rows: list[tuple[Any, ...]]) -> list[str]:
    """The cards' JSON for the list statement's ``rows`` (head columns, cover, tail, total): each head in the active
    language, written by the serializer once per distinct values and language; the cover's URL; the tail."""
    language, heads, url = get_language() or "", len(HEAD_COLUMNS), default_storage.url
    return [
        _head(language, row[:heads])
        + json.dumps(url(row[heads]) if row[heads] else None, ensure_ascii=False)
        + row[heads + 1]
        for row in rows
    ]


def serialized_card(row: dict[str, Any]) -> str:
    """A ``selectors.trek_cards`` row's card through the serializer (when PostgreSQL could not write its tail)."""
    return _renderer.render(TrekListSerializer(row).data).decode()


def page_body(envelope: dict[str, Any], cards: list[str]) -> bytes:
    """The paginated body: ``envelope`` (count, links, ``results: []`` last) with ``cards`` as its results."""
    rendered = _renderer.render(envelope)
    if not rendered.endswith(b'"results":[]}'):
        raise ValueError("the results must come last and empty")
    return rendered[:-2] + ",".join(cards).encode() + b"]}"
