"""A trek's departures (``treks_card_departures``) computed by a PL/pgSQL function instead of an SQL one.

PostgreSQL parses and plans the body of an SQL function that cannot be inlined (this one aggregates) at every
query that calls it. The card trigger calls it at every batch change, so every seat taken or released parsed and
planned the same ``SELECT`` again. PL/pgSQL keeps the plan of its statements for the session. Same result, same
volatility. On the bench catalog, one seat change (an ``UPDATE`` of one batch, its card refresh and the commit) went
from 0.87 to 0.60 ms (pgbench, one client, generic plans as the app's connections use them).
"""

from typing import Any

from django.db import migrations

# the departures of one trek, as 0004 computes them
DEPARTURES = """
    SELECT COALESCE(
        jsonb_agg(
            jsonb_build_object(
                'id', b.id::text,
                'start_date', b.start_date::text,
                'end_date', b.end_date::text,
                'price', b.price::text,
                'seats_left', b.total_seats - b.seats_taken,
                'status', b.status
            )
            ORDER BY b.start_date, b.id
        ),
        '[]'::jsonb
    )
    FROM treks_batch b
    WHERE b.trek_id = trek AND b.status IN ('open', 'full')
"""
SIGNATURE = "CREATE OR REPLACE FUNCTION treks_card_departures(trek uuid) RETURNS jsonb"
PLPGSQL = f"{SIGNATURE} LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN ({DEPARTURES}); END $$;"
SQL = f"{SIGNATURE} LANGUAGE sql STABLE AS $$ {DEPARTURES} $$;"  # 0004's, for the way back


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PLPGSQL)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


class Migration(migrations.Migration):
    dependencies = [("treks", "0011_card_refresh_locks_without_rewriting")]

    operations = [migrations.RunPython(forward, backward)]
