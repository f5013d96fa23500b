"""Money rows are never deleted: PostgreSQL refuses a DELETE on them (PROTECT only guards their parents)."""

from typing import Any

from django.db import migrations

TABLES = (
    "bookings_booking",
    "bookings_payment",
    "bookings_paymentevent",
    "bookings_refund",
    "bookings_couponredemption",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION bookings_refuse_delete() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are never deleted', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bookings_refuse_delete()"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS bookings_refuse_delete()")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
