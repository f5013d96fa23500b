"""Catalog cards written as JSON text by PostgreSQL, byte for byte what :class:`TrekListSerializer` and DRF's
``JSONRenderer`` write (compact, non-ASCII as is, U+2028/U+2029 escaped).

PostgreSQL's ``to_json`` escapes a string exactly as Python's ``json.dumps(ensure_ascii=False)`` does, so each
card is a concatenation of ``to_json`` values around the keys. The cover's URL depends on the storage and the
request, so a card comes back in two halves around it and Python writes the URL between them. A trek whose
``themes`` are not all strings (only the admin could store such) comes back without halves: its card is
written by the serializer instead.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.storage import default_storage
from rest_framework.renderers import JSONRenderer

from apps.common.pagination import TOTAL
from apps.treks.selectors import TREK_CARD_FIELDS
from apps.treks.serializers import DIFFICULTY_LABELS, TrekListSerializer

COLUMNS = (*TREK_CARD_FIELDS, TOTAL)  # the list statement's result columns, in order


def _col(name: str) -> str:
    return f's."{name}"'


def _text(sql: str) -> str:
    """A value as JSON (``null`` for NULL)."""
    return f"coalesce(to_json({sql})::text, 'null')"


def _quoted(sql: str) -> str:
    return _text(f"({sql})::text")


def _money(sql: str) -> str:
    return _quoted(f"round({sql}, 2)")


def _key(name: str, first: bool = False) -> str:
    return "'" + ("" if first else ",") + json.dumps(name) + ":'"


def _unicode_safe(sql: str) -> str:
    return f"replace(replace({sql}, U&'\\2028', '\\u2028'), U&'\\2029', '\\u2029')"


_NEXT = _col("next_batch_data")
NEXT_BATCH = (
    f"CASE WHEN {_NEXT} IS NULL OR {_NEXT} = '{{}}'::jsonb THEN 'null' ELSE '{{' || "
    + " || ".join(
        [
            _key("id", first=True),
            _quoted(f"({_NEXT}->>'id')::uuid"),
            _key("start_date"),
            _text(f"{_NEXT}->>'start_date'"),
            _key("end_date"),
            _text(f"{_NEXT}->>'end_date'"),
            _key("price"),
            _money(f"({_NEXT}->>'price')::numeric"),
            _key("seats_left"),
            f"greatest(0, trunc(({_NEXT}->>'seats_left')::numeric))::bigint::text",
            _key("status"),
            _text(f"{_NEXT}->>'status'"),
        ]
    )
    + " || '}' END"
)
_THEMES = _col("themes")
# NULL (and so the whole first half) when the themes are not an array of strings
THEMES = (
    f"CASE WHEN jsonb_typeof({_THEMES}) = 'array' THEN (SELECT CASE WHEN bool_and(jsonb_typeof(e) = 'string') "  # noqa: S608  constant text from code; request values are parameters
    "IS NOT FALSE THEN '[' || coalesce(string_agg(e::text, ',' ORDER BY n), '') || ']' END "
    f"FROM jsonb_array_elements({_THEMES}) WITH ORDINALITY AS t(e, n)) END"
)
LABEL = (
    f"CASE {_col('difficulty')} "
    + " ".join("WHEN %s THEN %s" for _ in DIFFICULTY_LABELS)
    + f" ELSE {_col('difficulty')} END"
)
HEAD = " || ".join(
    [
        "'{'",
        _key("slug", first=True),
        _text(_col("slug")),
        _key("name"),
        _text(_col("name")),
        _key("status"),
        _text(_col("status")),
        _key("region"),
        "'{'",
        _key("slug", first=True),
        _text(_col("region__slug")),
        _key("name"),
        _text(_col("region__name")),
        "'}'",
        _key("difficulty"),
        "'{'",
        _key("value", first=True),
        _text(_col("difficulty")),
        _key("label"),
        _text(LABEL),
        "'}'",
        _key("max_altitude"),
        _text(_col("max_altitude")),
        _key("duration_days"),
        _text(_col("duration_days")),
        _key("total_distance"),
        _quoted(_col("total_distance")),
        _key("themes"),
        THEMES,
        _key("cover_image"),
    ]
)
TAIL = " || ".join([_key("price_from"), _money(_col("price_from")), _key("next_batch"), f"({NEXT_BATCH})", "'}'"])
SELECT_CARDS = f"SELECT {_unicode_safe(HEAD)}, {_col('cover_image')}, {_unicode_safe(TAIL)}, {_col(TOTAL)} FROM ("  # noqa: S608  constant text from code; request values are parameters
AFTER_CARDS = " LIMIT %s OFFSET %s) AS s(" + ", ".join(f'"{name}"' for name in COLUMNS) + ")"

_renderer = JSONRenderer()


def label_params() -> list[str]:
    """The parameters of :data:`LABEL` (labels in the active language)."""
    return [str(part) for value, label in DIFFICULTY_LABELS.items() for part in (value, label)]


def card_text(head: str | None, cover: str, tail: str | None, row: dict[str, Any] | None = None) -> str:
    """One card's JSON: the halves around the cover's URL, or ``row`` through the serializer."""
    if head is None or tail is None:
        return _renderer.render(TrekListSerializer(row).data).decode()
    url = default_storage.url(cover) if cover else None
    return head + json.dumps(url, ensure_ascii=False) + tail


def page_body(envelope: dict[str, Any], cards: list[str]) -> bytes:
    """The paginated body: ``envelope`` (count, links, ``results: []`` last) with ``cards`` as its results."""
    rendered = _renderer.render(envelope)
    if not rendered.endswith(b'"results":[]}'):
        raise ValueError("the results must come last and empty")
    return rendered[:-2] + ",".join(cards).encode() + b"]}"
