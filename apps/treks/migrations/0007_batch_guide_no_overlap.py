"""PostgreSQL refuses a guide on two departures that share a day (cancelled and completed ones aside).

An exclusion constraint over ``(guide_id, daterange(start_date, end_date, '[]'))`` with ``btree_gist`` (for the
equality on the uuid). Other databases (SQLite under ``make run``) rely on the service's check
(``apps.treks.services.assignments.guide_check_available``), as for the catalog triggers of 0004.
"""

from typing import Any

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE treks_batch ADD CONSTRAINT batch_guide_no_overlap EXCLUDE USING gist (
    guide_id WITH =,
    daterange(start_date, end_date, '[]') WITH &&
) WHERE (guide_id IS NOT NULL AND status NOT IN ('cancelled', 'completed'));
"""

DROP = "ALTER TABLE treks_batch DROP CONSTRAINT IF EXISTS batch_guide_no_overlap;"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("treks", "0006_unassign_overlapping_guides")]

    operations = [migrations.RunPython(create, drop)]
