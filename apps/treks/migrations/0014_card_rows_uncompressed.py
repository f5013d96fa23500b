"""Cards kept whole in their row, uncompressed: ``toast_tuple_target`` of ``treks_trekcard`` raised to 8160 bytes.

A card of ten departures is about 3.8 kB (``departures`` 1.8 kB, ``tails`` 2 kB). PostgreSQL compresses the values
of a row longer than about 2 kB (the default ``toast_tuple_target``), so every seat taken or given back (which
rewrites the trek's card, see 0004 and 0013) compressed both values again with pglz, and every page of the list
decompressed the ``tails`` of its 20 cards to pick one element of each. On the bench catalog that compression was
0.1 ms of the 0.3 ms a seat change's card refresh costs (pgbench: 0.54 ms per seat update before, 0.46 after).

With the target at 8160 bytes (the most a heap page allows), a row is compressed or moved out of line only when it
is longer than that: a trek with about twenty departures or more, which is stored as before. The existing cards
are written once more, uncompressed (the same departures; the generated columns follow).
"""

from typing import Any

from django.db import migrations

FORWARD = """
ALTER TABLE treks_trekcard SET (toast_tuple_target = 8160);
UPDATE treks_trekcard SET departures = treks_card_departures(trek_id);
"""

BACKWARD = "ALTER TABLE treks_trekcard RESET (toast_tuple_target);"


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("treks", "0013_card_tails")]

    operations = [migrations.RunPython(forward, backward)]
