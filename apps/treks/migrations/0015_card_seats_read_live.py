"""A card no longer stores its departures' seats: a seat taken or given back leaves the card alone.

Every booking, expiry, cancellation or release changes a batch's ``seats_taken``, and the card trigger (0004, 0011)
rewrote the trek's card for each: the departures computed again, the two generated arrays of 0013 with them, and a
3.8 kB row written. That was 0.23 ms of PostgreSQL's time per seat change on the bench catalog (pgbench, one client:
0.45 ms per seat update with the trigger, 0.22 ms without), most of a booking's write after its inserts.

- ``treks_card_departures`` leaves ``seats_left`` out of each departure; the card holds only what the catalog's
  writes change (dates, price, status).
- ``treks_card_refresh`` rewrites the cards of the treks whose batches changed in something the card holds: a
  batch inserted or deleted, or updated in its trek, dates, price or status (or id). An update of the seats alone
  (status unchanged) ends there; when the last seat goes, the status flips to ``full`` in the same statement and
  the card is rewritten as before.
- ``tails`` (0013) becomes ``tail_heads``: per departure, the card's end as the list writes it up to
  ``"seats_left":``; the reader adds the seats from the batch row (its primary key) and the status:
  ``apps.treks.selectors.CardTail``. The departure the detail and the ORM's annotations pick
  (``CARD_NEXT_BATCH``) gets its ``seats_left`` from the batch row the same way. Both read in the statement's
  snapshot, so a page never mixes seats and cards of two moments.

The list's statement reads one batch row per card (0.14 -> 0.17 ms for a page of 20, measured); a booking no longer
writes the card at all. Every card is written once more, without its seats.
"""

from importlib import import_module
from typing import Any

from django.db import migrations

_0011 = import_module("apps.treks.migrations.0011_card_refresh_locks_without_rewriting")
_0012 = import_module("apps.treks.migrations.0012_card_departures_planned_once")
_0013 = import_module("apps.treks.migrations.0013_card_tails")

DEPARTURES = """
CREATE OR REPLACE FUNCTION treks_card_departures(trek uuid) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN (
    SELECT COALESCE(
        jsonb_agg(
            jsonb_build_object(
                'id', b.id::text,
                'start_date', b.start_date::text,
                'end_date', b.end_date::text,
                'price', b.price::text,
                'status', b.status
            )
            ORDER BY b.start_date, b.id
        ),
        '[]'::jsonb
    )
    FROM treks_batch b
    WHERE b.trek_id = trek AND b.status IN ('open', 'full')
); END $$;
"""

# what of a batch the card holds: an update that changes none of these (the seats alone) leaves the cards alone
_HELD = "(o.id, o.trek_id, o.start_date, o.end_date, o.price, o.status)"
_HELD_NEW = _HELD.replace("o.", "n.")

REFRESH = f"""
CREATE OR REPLACE FUNCTION treks_card_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed uuid[];
    locked int;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM old_rows;
    ELSE
        -- the treks of the rows changed in what the card holds, before and after (a row whose id changed counts
        -- as gone and new); NULL when the statement moved seats only
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM (
            SELECT o.trek_id FROM old_rows o LEFT JOIN new_rows n ON n.id = o.id
            WHERE {_HELD} IS DISTINCT FROM {_HELD_NEW}
            UNION
            SELECT n.trek_id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
            WHERE {_HELD} IS DISTINCT FROM {_HELD_NEW}
        ) AS touched;
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    -- lock the cards in a fixed order before reading the batches, writing nothing; a trek without a card yet
    -- gets one (the upsert creates and locks it, in the same order)
    PERFORM 1 FROM treks_trekcard WHERE trek_id = ANY(changed) ORDER BY trek_id FOR UPDATE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < array_length(changed, 1) THEN
        INSERT INTO treks_trekcard (trek_id, departures)
        SELECT t.id, '[]'::jsonb FROM treks_trek t WHERE t.id = ANY(changed) ORDER BY t.id
        ON CONFLICT (trek_id) DO UPDATE SET departures = treks_trekcard.departures;
    END IF;
    UPDATE treks_trekcard c SET departures = treks_card_departures(c.trek_id) WHERE c.trek_id = ANY(changed);
    RETURN NULL;
END
$$;
"""  # noqa: S608 - column lists from this module, no values

TAIL_HEADS = """
CREATE OR REPLACE FUNCTION treks_card_tail_heads(departures jsonb) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN (
        SELECT array_agg(head ORDER BY n) FROM (
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
                || ',"seats_left":' AS head
            FROM jsonb_array_elements(departures) WITH ORDINALITY AS d(e, n)
            UNION ALL
            SELECT jsonb_array_length(departures) + 1, ',"price_from":null,"next_batch":null}'
        ) AS each_departure
    );
END
$$;
"""

FORWARD = f"""
{DEPARTURES}
{REFRESH}
{TAIL_HEADS}
ALTER TABLE treks_trekcard
    DROP COLUMN tails,
    ADD COLUMN tail_heads text[] GENERATED ALWAYS AS (treks_card_tail_heads(departures)) STORED;
DROP FUNCTION treks_card_tails(jsonb);
UPDATE treks_trekcard SET departures = treks_card_departures(trek_id);
"""  # noqa: S608 - this module's and earlier migrations' SQL, no values

# the way back: 0013's tails function and column, 0011's trigger function, 0012's departures (with the seats)
_TAILS = _0013.FUNCTIONS[_0013.FUNCTIONS.index("CREATE OR REPLACE FUNCTION treks_card_tails") :]
_TAILS = _TAILS[: _TAILS.index("ALTER TABLE")]
BACKWARD = f"""
{_0012.PLPGSQL}
{_0011.REFRESH}
{_TAILS}
ALTER TABLE treks_trekcard
    DROP COLUMN tail_heads,
    ADD COLUMN tails text[] GENERATED ALWAYS AS (treks_card_tails(departures)) STORED;
DROP FUNCTION treks_card_tail_heads(jsonb);
UPDATE treks_trekcard SET departures = treks_card_departures(trek_id);
"""  # noqa: S608 - earlier migrations' SQL, no values


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("treks", "0014_card_rows_uncompressed")]

    operations = [migrations.RunPython(forward, backward)]
