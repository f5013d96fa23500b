"""Hot statements run as named prepared statements of the connection, planned once (PostgreSQL).

Django's psycopg cursor binds parameters on the client, so PostgreSQL parses and plans every statement it is sent.
For the few statements sent on nearly every request whose text never changes (the catalog's compiled list and
detail, the seat take), that planning is a large share of the database's work: 0.3 ms of the list's 0.8 ms on the
bench catalog. :func:`execute_prepared` sends such a statement once per connection as ``PREPARE name AS ...``
(its placeholders numbered) in the same round trip as its first ``EXECUTE``, and afterwards only
``EXECUTE name(values)``, with the values bound by the same client cursor as any other statement.

- **Generic plans.** A prepared statement is planned again for each execution unless PostgreSQL chooses its
  generic plan, which it does not for a statement with ``LIMIT $n``. Connections therefore start with
  ``plan_cache_mode=force_generic_plan`` (``config/settings/parts/core.py``): it applies only to prepared statements
  (these, and PL/pgSQL's), never to the ORM's statements, which are not prepared.
- **Integer values.** A parameter's type is inferred from where it stands, so ``duration_days <= $1`` would make
  ``$1`` a ``smallint`` and a request's ``duration_max=32768`` an error, where the same value sent as text compares
  as a number. Integers are therefore declared ``bigint`` (``numeric`` beyond it) in the ``PREPARE``; every other
  value's type is inferred as before. The declared types are part of the statement's identity.
- **Values as text.** ``EXECUTE``'s arguments take the types the ``PREPARE`` fixed, so UUIDs, JSON, aware
  datetimes and text enumerations are sent as plain text (:func:`bound`), which psycopg quotes in C where it builds
  their typed literals in Python; a statement sent unprepared keeps its values as they are.
- **Statement counts.** The first execution is one round trip (``PREPARE ...; EXECUTE ...``, read with
  ``nextset()``), so a path's statement count is the same whether its statements were prepared already or not.
- **Failures.** PostgreSQL keeps a prepared statement even when the transaction it was prepared in rolls back,
  and even when the ``EXECUTE`` sent with it fails. A statement whose first round trip failed is therefore
  prepared again under a new name next time, never under a name that may exist already.
- **Size.** A statement whose text depends on how many rows it writes (the inserts of :mod:`apps.common.db`) is
  one prepared statement per row count, up to the connection's limit; one with more than ``MAX_PREPARED_PARAMS``
  values is never prepared.
- **Poolers.** Named statements belong to one server session, and PgBouncer refuses the ``options`` start-up
  parameter unless told to ignore it: behind a pooler set ``DB_PREPARED_STATEMENTS=false`` and every statement is
  sent as it was before (and connections start without the option).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import count
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper
from psycopg.types.json import Json, Jsonb

# at most this many statements are prepared per connection; later ones run unprepared (no leak, no eviction)
MAX_PREPARED_PER_CONNECTION = 200
# a statement with more values than this (a bulk insert of thousands of rows) is sent as it is, never prepared:
# its plan would be kept for one use, and a PREPARE declares one type per value
MAX_PREPARED_PARAMS = 1000

_PLACEHOLDER = re.compile(r"%%|%s")


class _Prepared:
    """The statements prepared on one connection: (SQL text, declared types) -> statement name."""

    def __init__(self) -> None:
        self.names: dict[tuple[str, tuple[str, ...]], str] = {}
        self.serial = count(1)


_connections: WeakKeyDictionary[Any, _Prepared] = WeakKeyDictionary()
_lock = threading.Lock()


def numbered(sql: str) -> str:
    """``sql`` (psycopg's ``%s`` placeholders) with ``$1, $2, ...`` in their place; ``%%`` is left for the cursor."""
    numbers = count(1)
    return _PLACEHOLDER.sub(lambda m: m.group() if m.group() == "%%" else f"${next(numbers)}", sql)


_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


def declared_type(value: Any) -> str:
    """The type a parameter is declared with: integers as numbers wide enough for any value, else inferred."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "bigint" if _BIGINT_MIN <= value <= _BIGINT_MAX else "numeric"
    return "unknown"


def bound(value: Any) -> Any:
    """``value`` as an ``EXECUTE`` argument. The prepared statement has fixed each parameter's type, so a UUID, a
    JSON value, an aware datetime or a text enumeration can go as plain text, which PostgreSQL converts to that
    type exactly as it did the typed literal: the cursor quotes text in C and those types in Python (an SOS's write
    has about 400 values)."""
    if isinstance(value, str):
        return value if type(value) is str else str.__str__(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Json | Jsonb) and value.dumps is not None:
        text = value.dumps(value.obj)
        return text.decode() if isinstance(text, bytes) else text  # a dumps may give bytes (orjson's does)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()  # in the connection's zone, as the typed literal was converted
    return value


def declared_and_bound(params: Sequence[Any]) -> tuple[tuple[str, ...], list[Any]]:
    """Each value's :func:`declared_type` and :func:`bound` form, in one pass with the common types first (an SOS's
    write has about 400 values: the two generic passes were 6% of its CPU)."""
    types: list[str] = []
    arguments: list[Any] = []
    for value in params:
        kind = type(value)
        if kind is str or value is None or kind is bool:
            types.append("unknown")
            arguments.append(value)
        elif kind is UUID:
            types.append("unknown")
            arguments.append(str(value))
        elif kind is datetime and value.tzinfo is UTC:
            types.append("unknown")
            arguments.append(value.isoformat())
        else:
            types.append(declared_type(value))
            arguments.append(bound(value))
    return tuple(types), arguments


def enabled(cursor: CursorWrapper) -> bool:
    return cursor.db.vendor == "postgresql" and bool(getattr(settings, "DB_PREPARED_STATEMENTS", False))


def _state(raw: Any) -> _Prepared:
    with _lock:
        state = _connections.get(raw)
        if state is None:
            state = _connections[raw] = _Prepared()
        return state


def execute_prepared(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> None:
    """Execute ``sql`` with ``params`` on ``cursor`` as a prepared statement of its connection (see the module
    docstring); read the rows from ``cursor`` as after ``execute``. Other databases: ``cursor.execute``."""
    if not enabled(cursor) or len(params) > MAX_PREPARED_PARAMS:
        cursor.execute(sql, params)
        return
    state = _state(cursor.db.connection)
    types, bound_values = declared_and_bound(params)
    key = (sql, types)
    name = state.names.get(key)
    values = ", ".join(["%s"] * len(params))
    run = f"EXECUTE {{name}}({values})" if params else "EXECUTE {name}"
    arguments = bound_values or None
    if name is not None:
        cursor.execute(run.format(name=name), arguments)
        return
    if len(state.names) >= MAX_PREPARED_PER_CONNECTION:
        cursor.execute(sql, params)
        return
    name = f"obs_{next(state.serial)}"
    declared, text = (f" ({', '.join(types)})", numbered(sql)) if params else ("", sql.replace("%%", "%"))
    cursor.execute(f"PREPARE {name}{declared} AS {text}; " + run.format(name=name), arguments)
    cursor.nextset()
    state.names[key] = name  # only once both succeeded: a failure leaves the name unused, and never reuses it


_SENT = re.compile(r"^(?:PREPARE (obs_\d+)(?: \([a-z, ]+\))? AS .*; )?EXECUTE (obs_\d+)\b", re.DOTALL)


def statement_text(sent: str, using: str = DEFAULT_DB_ALIAS) -> str:
    """The statement behind ``sent`` as captured from the connection ``using`` (tests read a statement's text,
    not ``EXECUTE obs_3(...)``): the prepared text for an ``EXECUTE``, ``sent`` itself otherwise."""
    found = _SENT.match(sent)
    if found is None:
        return sent
    state = _state(connections[using].connection)
    texts = {name: sql for (sql, _types), name in state.names.items()}
    return texts.get(found.group(2), sent)
