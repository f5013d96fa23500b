"""A trek's departures (``treks_card_departures``) computed by a PL/pgSQL function instead of an SQL one.

PostgreSQL parses and plans the body of an SQL function that cannot be inlined (this one aggregates) at every
query that calls it. The card trigger calls it at every batch change, so every seat taken or released parsed and
planned the same ``SELECT`` again. PL/pgSQL keeps the plan of its statements for the session. Same result, same
volatility. On the bench catalog, one seat change (an ``UPDATE`` of one batch, its card refresh and the commit) went
from 0.87 to 0.60 ms (pgbench, one client, generic plans as the app's connections use them).
"""

from importlib import import_module
from typing import Any

from django.db import migrations

# 0004's definition of the function (the way back) and its query, written there once
_FUNCTIONS = import_module("apps.treks.migrations.0004_trek_card_triggers").FUNCTIONS
SQL = _FUNCTIONS[: _FUNCTIONS.index("CREATE OR REPLACE FUNCTION treks_card_refresh")].strip()
_SIGNATURE, DEPARTURES, _END = SQL.split("$$")
PLPGSQL = f"{_SIGNATURE.replace('LANGUAGE sql', 'LANGUAGE plpgsql')}$$ BEGIN RETURN ({DEPARTURES}); END $${_END}"


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PLPGSQL)


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL)


class Migration(migrations.Migration):
    dependencies = [("treks", "0011_card_refresh_locks_without_rewriting")]

    operations = [migrations.RunPython(forward, backward)]
