"""The card trigger locks the cards it rewrites with ``SELECT ... FOR UPDATE`` instead of a no-op upsert.

``treks_card_refresh()`` (0004) locked the affected cards with ``INSERT ... ON CONFLICT DO UPDATE SET departures
= departures``, which writes a new version of every card it locks before the ``UPDATE`` that rewrites it writes
another: two versions of a 1.7 KB row per seat change. The cards are now locked by ``SELECT ... FOR UPDATE`` in the
same order, and the upsert runs only when a card is missing (it creates it and locks it): one version per change,
2,182 -> 591 bytes of WAL per seat change on the bench catalog (18.7 -> 14.5 KB per booking). The second statement,
which reads the batches after the lock, is unchanged.
"""

from typing import Any

from django.db import migrations

REFRESH = """
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
        SELECT array_agg(DISTINCT trek_id) INTO changed
        FROM (SELECT trek_id FROM old_rows UNION SELECT trek_id FROM new_rows) AS touched;
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
"""

# 0004's function, for the way back
PREVIOUS = """
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
"""


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFRESH)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("treks", "0010_trek_deposit_terms")]

    operations = [migrations.RunPython(forward, backward)]
