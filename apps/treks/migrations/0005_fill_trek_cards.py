"""Fill the stored card of every existing trek (PostgreSQL; other databases read departures live)."""

from typing import Any

from django.db import migrations

FILL = """
INSERT INTO treks_trekcard (trek_id, departures)
SELECT t.id, treks_card_departures(t.id) FROM treks_trek t ORDER BY t.id
ON CONFLICT (trek_id) DO UPDATE SET departures = EXCLUDED.departures
"""


def fill(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL)


class Migration(migrations.Migration):
    dependencies = [("treks", "0004_trek_card_triggers")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
