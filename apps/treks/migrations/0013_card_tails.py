"""The card's list text stored beside its departures: ``treks_trekcard.starts`` and ``treks_trekcard.tails``.

A catalog card ends with ``"price_from"`` (the cheapest open departure ahead) and ``"next_batch"`` (the first
departure ahead), both of which depend on today's date. The list read them from ``departures`` at every request:
two scans of the JSON array per card, then the JSON text built from the picked element, 0.2 ms of the page's
0.35 ms statement on the bench catalog.

Both columns are generated from ``departures`` (``STORED``), so every writer of the card (the batch triggers, the
fill of 0005, a restore) keeps them true without knowing of them:

- ``starts``: the departures' start dates, in the array's order (start date, then id);
- ``tails``: one text per departure, the end of the card as the list writes it when that departure is the first
  one ahead, with ``price_from`` the cheapest open price from that departure on; then one more, the end of a card
  with no departure ahead.

A reader picks ``tails[width_bucket(today, starts) + 1]`` (``width_bucket`` counts the starts on or before today by
binary search): no array scan, no JSON built. ``apps.treks.selectors.CardTail`` is that pick.

The functions are declared ``IMMUTABLE`` (a generated column requires it): they read nothing but their argument,
and the only cast whose result could depend on a setting, text to date, reads ISO dates, which every ``DateStyle``
reads alike. The texts hold only ids, dates, numbers and statuses, none of which JSON or the list's U+2028 and
U+2029 escaping writes differently. Other databases (SQLite under ``make run``) compute the card live instead.
"""

from typing import Any

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION treks_card_starts(departures jsonb) RETURNS date[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (
        SELECT coalesce(array_agg((e->>'start_date')::date ORDER BY n), '{}')
        FROM jsonb_array_elements(departures) WITH ORDINALITY AS d(e, n)
    );
END
$$;

CREATE OR REPLACE FUNCTION treks_card_tails(departures jsonb) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (
        SELECT array_agg(tail ORDER BY n) FROM (
            SELECT n,
                ',"price_from":'
                || coalesce(
                    to_json(
                        round(min((e->>'price')::numeric) FILTER (WHERE e->>'status' = 'open') OVER (ORDER BY n DESC), 2)
                        ::text
                    )::text,
                    'null'
                )
                || ',"next_batch":{"id":' || coalesce(to_json(((e->>'id')::uuid)::text)::text, 'null')
                || ',"start_date":' || coalesce(to_json(e->>'start_date')::text, 'null')
                || ',"end_date":' || coalesce(to_json(e->>'end_date')::text, 'null')
                || ',"price":' || coalesce(to_json(round((e->>'price')::numeric, 2)::text)::text, 'null')
                || ',"seats_left":' || greatest(0, trunc((e->>'seats_left')::numeric))::bigint::text
                || ',"status":' || coalesce(to_json(e->>'status')::text, 'null')
                || '}}' AS tail
            FROM jsonb_array_elements(departures) WITH ORDINALITY AS d(e, n)
            UNION ALL
            SELECT jsonb_array_length(departures) + 1, ',"price_from":null,"next_batch":null}'
        ) AS each_departure
    );
END
$$;

ALTER TABLE treks_trekcard
    ADD COLUMN starts date[] GENERATED ALWAYS AS (treks_card_starts(departures)) STORED,
    ADD COLUMN tails text[] GENERATED ALWAYS AS (treks_card_tails(departures)) STORED;
"""

DROP = """
ALTER TABLE treks_trekcard DROP COLUMN IF EXISTS tails, DROP COLUMN IF EXISTS starts;
DROP FUNCTION IF EXISTS treks_card_tails(jsonb);
DROP FUNCTION IF EXISTS treks_card_starts(jsonb);
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("treks", "0012_card_departures_planned_once")]

    operations = [migrations.RunPython(forward, backward)]
