"""How a transactional test empties the database (installed by the root ``conftest.py`` in the test processes).

After each ``transaction=True`` test Django flushes every table with one ``TRUNCATE``, which creates new files for
all of them and costs about a second on a small machine whatever the tests wrote. A ``DELETE`` per table, in one
transaction with the foreign keys checked at its end, empties the same tables in a few milliseconds. The tables'
own triggers (money rows that refuse a DELETE, the trek card kept by the batches) are switched off inside that
transaction only. A flush that resets sequences or cascades to other tables is Django's ``TRUNCATE``, as before.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.postgresql import base, operations

_USER_TRIGGERS = """
SELECT DISTINCT c.relname FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relname = ANY(%s)
"""
_NOT_DEFERRABLE = """
SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'f' AND NOT c.condeferrable AND n.nspname = current_schema()
"""


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if not tables or reset_sequences or allow_cascade:
            return list(super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade))
        with self.connection.cursor() as cursor:
            cursor.execute(_NOT_DEFERRABLE)
            if cursor.fetchone()[0]:  # a foreign key checked row by row: the DELETEs' order would matter
                return list(super().sql_flush(style, tables, allow_cascade=allow_cascade))
            cursor.execute(_USER_TRIGGERS, [list(tables)])
            triggered = sorted(row[0] for row in cursor.fetchall())
        quote = self.quote_name
        return [
            "SET CONSTRAINTS ALL DEFERRED",
            *(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER" for table in triggered),
            *(f"DELETE FROM {quote(table)}" for table in tables),
            "SET CONSTRAINTS ALL IMMEDIATE",  # the keys are checked here (nothing is left to point at)
            *(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER" for table in triggered),
        ]


def install() -> None:
    """PostgreSQL connections of this process, made from now on or already made, flush this way."""
    base.DatabaseWrapper.ops_class = DatabaseOperations
    for connection in connections.all(initialized_only=True):
        if isinstance(connection, base.DatabaseWrapper):
            connection.ops = DatabaseOperations(connection)
