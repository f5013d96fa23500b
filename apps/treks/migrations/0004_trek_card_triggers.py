"""PostgreSQL keeps ``treks_trekcard.departures`` in the statement that changes a batch.

``treks_card_departures(trek)`` computes a trek's card from scratch; three statement-level triggers on
``treks_batch`` (insert, update, delete; transition tables, so a statement touching many batches
refreshes each trek once) first lock the affected cards in id order (creating missing ones), then
rewrite them in a second statement, which in READ COMMITTED sees every change committed while it
waited for the lock. Other databases (SQLite under ``make run``) read departures live instead.
"""

from typing import Any

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION treks_card_departures(trek uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
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
$$;

CREATE OR REPLACE FUNCTION treks_card_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT trek_id) INTO changed FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT trek_id) INTO changed
        FROM (SELECT trek_id FROM old_rows UNION SELECT trek_id FROM new_rows) AS touched;
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    -- lock (or create) the cards in a fixed order before reading the batches
    INSERT INTO treks_trekcard (trek_id, departures)
    SELECT t.id, '[]'::jsonb FROM treks_trek t WHERE t.id = ANY(changed) ORDER BY t.id
    ON CONFLICT (trek_id) DO UPDATE SET departures = treks_trekcard.departures;
    UPDATE treks_trekcard c SET departures = treks_card_departures(c.trek_id) WHERE c.trek_id = ANY(changed);
    RETURN NULL;
END
$$;

CREATE TRIGGER treks_batch_card_insert AFTER INSERT ON treks_batch
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treks_card_refresh();
CREATE TRIGGER treks_batch_card_update AFTER UPDATE ON treks_batch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION treks_card_refresh();
CREATE TRIGGER treks_batch_card_delete AFTER DELETE ON treks_batch
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION treks_card_refresh();
"""

DROP = """
DROP TRIGGER IF EXISTS treks_batch_card_insert ON treks_batch;
DROP TRIGGER IF EXISTS treks_batch_card_update ON treks_batch;
DROP TRIGGER IF EXISTS treks_batch_card_delete ON treks_batch;
DROP FUNCTION IF EXISTS treks_card_refresh();
DROP FUNCTION IF EXISTS treks_card_departures(uuid);
"""


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("treks", "0003_trek_card")]

    operations = [migrations.RunPython(create, drop)]
