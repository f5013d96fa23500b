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

# 0012's function without the seats
_SEATS = "\n                'seats_left', b.total_seats - b.seats_taken,"
assert _0012.PLPGSQL.count(_SEATS) == 1
DEPARTURES = _0012.PLPGSQL.replace(_SEATS, "")

# what of a batch the card holds: an update that changes none of these (the seats alone) leaves the cards alone
_HELD = "(o.id, o.trek_id, o.start_date, o.end_date, o.price, o.status)"
_HELD_NEW = _HELD.replace("o.", "n.")

# 0011's function, but an update finds only the treks whose batches changed in what the card holds
_TOUCHED = """
        SELECT array_agg(DISTINCT trek_id) INTO changed
        FROM (SELECT trek_id FROM old_rows UNION SELECT trek_id FROM new_rows) AS touched;"""
_HELD_TOUCHED = f"""
        -- the treks of the rows changed in what the card holds, before and after (a row whose id changed counts
        -- as gone and new); NULL when the statement moved seats only
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM (
            SELECT o.trek_id FROM old_rows o LEFT JOIN new_rows n ON n.id = o.id
            WHERE {_HELD} IS DISTINCT FROM {_HELD_NEW}
            UNION
            SELECT n.trek_id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
            WHERE {_HELD} IS DISTINCT FROM {_HELD_NEW}
        ) AS touched;"""  # noqa: S608 - column lists from this module, no values
assert _0011.REFRESH.count(_TOUCHED) == 1
REFRESH = _0011.REFRESH.replace(_TOUCHED, _HELD_TOUCHED)

# 0013's tails function, each text ending before the seats (the reader adds them with the status)
_TAILS = _0013.FUNCTIONS[_0013.FUNCTIONS.index("CREATE OR REPLACE FUNCTION treks_card_tails") :]
_TAILS = _TAILS[: _TAILS.index("ALTER TABLE")]
_AFTER_SEATS = """ || greatest(0, trunc((e->>'seats_left')::numeric))::bigint::text
                || ',"status":' || coalesce(to_json(e->>'status')::text, 'null')
                || '}}' AS tail"""
assert _TAILS.count(_AFTER_SEATS) == 1
TAIL_HEADS = (
    _TAILS.replace("treks_card_tails", "treks_card_tail_heads")
    .replace("array_agg(tail ORDER BY n)", "array_agg(head ORDER BY n)")
    .replace(_AFTER_SEATS, " AS head")
)

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
