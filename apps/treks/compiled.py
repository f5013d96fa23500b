"""Catalog statements compiled once per process, their values bound per request (PostgreSQL).

Building a queryset and compiling it costs the hot catalog reads more CPU than PostgreSQL needs to run the
statement. The SQL text depends only on a statement's *shape* (the audience, which filters are present and how
many values each has, the ordering), not on its values. So each shape is built once with unique stand-in
values, the positions where those stand-ins land among the compiled parameters are recorded, and every later
request of the shape sends the same text with its own values in those positions.

Safety: a shape whose stand-ins do not all come back unchanged among the parameters (a value the ORM
transforms or writes into the text) is refused (:func:`statement` returns None) and the caller compiles as
before. Stand-ins are chosen so that the usual transforms (case, rounding, dates as text) change them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import QuerySet

from apps.common.prepared import execute_prepared


def stand_in(value: Any, n: int) -> Any:
    """A value of ``value``'s type, unique to slot ``n``, that the usual ORM transforms would change."""
    if isinstance(value, bool) or value is None:
        raise TypeError("booleans and None are part of a shape, not values")
    if isinstance(value, int):
        return 10_007 + 13 * n  # within every integer column's range (a value beyond it is not compiled)
    if isinstance(value, Decimal):
        return Decimal(f"{97_001 + n}.37")
    if isinstance(value, date):
        return date(1001 + n, 3, 17)
    if isinstance(value, str):
        return f"Zq{n}Slot"
    raise TypeError(f"no stand-in for {type(value).__name__}")


def flatten(values: dict[str, Any]) -> dict[str, Any]:
    """``{"region": ["a", "b"]}`` as ``{"region.0": "a", "region.1": "b"}``: one slot per scalar."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            flat.update({f"{name}.{i}": item for i, item in enumerate(value)})
        else:
            flat[name] = value
    return flat


def structure(values: dict[str, Any]) -> tuple[Hashable, ...]:
    """The part of ``values`` a statement's text depends on: names, types and list lengths."""
    return tuple(
        (name, len(value) if isinstance(value, list | tuple) else type(value).__name__)
        for name, value in sorted(values.items())
    )


def stand_ins(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every scalar (lists item by item) replaced by its own stand-in."""
    counter = iter(range(1_000_000))
    out: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, list | tuple):
            out[name] = [stand_in(item, next(counter)) for item in value]
        else:
            out[name] = stand_in(value, next(counter))
    return out


@dataclass(frozen=True)
class Statement:
    """Compiled SQL with its constant parameters and the slots where a request's values go."""

    sql: str
    constants: tuple[Any, ...]
    slots: tuple[tuple[int, str, Callable[[Any], Any]], ...]  # (parameter position, value name, placing)
    names: tuple[str, ...]  # result columns
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, converter functions, expression)

    def params(self, values: dict[str, Any]) -> list[Any]:
        flat = flatten(values)
        params = list(self.constants)
        for position, name, place in self.slots:
            params[position] = place(flat[name])
        return params

    def fetch(
        self,
        values: dict[str, Any],
        *,
        around: tuple[str, str] = ("", ""),
        extra: tuple[Iterable[Any], Iterable[Any]] = ((), ()),
    ) -> list[tuple[Any, ...]]:
        """Run the statement wrapped in ``around`` (text before and after it, with their own parameters in
        ``extra``) and return its raw rows."""
        with connection.cursor() as cursor:
            execute_prepared(cursor, around[0] + self.sql + around[1], [*extra[0], *self.params(values), *extra[1]])
            return list(cursor.fetchall())

    def rows(self, values: dict[str, Any], tail: str = "", tail_params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Run the statement (with ``tail`` appended, e.g. ``LIMIT``) and read its rows as dicts."""
        rows = [list(row) for row in self.fetch(values, around=("", tail), extra=((), tail_params))]
        for column, functions, expression in self.converters:
            for row in rows:
                value = row[column]
                for function in functions:
                    value = function(value, expression, connection)
                row[column] = value
        return [dict(zip(self.names, row, strict=True)) for row in rows]

    def scalar(self, template: str, values: dict[str, Any]) -> Any:
        """One value of ``template`` (``{sql}`` standing for this statement), e.g. its row count."""
        before, after = template.split("{sql}")
        return self.fetch(values, around=(before, after))[0][0]


def compile_values(queryset: QuerySet[Any, Any], values: dict[str, Any]) -> Statement | None:
    """Compile ``queryset`` (a ``values()`` queryset built from ``stand_ins(values)``) into a reusable
    :class:`Statement`, or None when some stand-in does not come back unchanged among the parameters."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except (EmptyResultSet, FullResultSet):  # a stand-in decided the statement's text
        return None
    wanted: dict[tuple[type, Any], tuple[str, Callable[[Any], Any]]] = {}
    for name, value in flatten(values).items():
        wanted[(type(value), value)] = (name, _same)
        if isinstance(value, date):
            wanted[(str, value.isoformat())] = (name, date.isoformat)
    slots, constants, found = [], [], set()
    for position, param in enumerate(params):
        slot = _slot(param, wanted)
        constants.append(None if slot else param)
        if slot is not None:
            slots.append((position, *slot))
            found.add(slot[0])
    if found != set(flatten(values)) or any(str(value) in sql for value in flatten(values).values()):
        return None
    query = queryset.query
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    expressions = [column for column, _sql, _alias in compiler.select]
    converters = compiler.get_converters(expressions)
    return Statement(
        sql=sql,
        constants=tuple(constants),
        slots=tuple(slots),
        names=tuple(names),
        converters=tuple(
            (column, tuple(functions), expression) for column, (functions, expression) in converters.items()
        ),
    )


def _same(value: Any) -> Any:
    return value


def _slot(param: Any, wanted: dict[tuple[type, Any], Any]) -> tuple[str, Callable[[Any], Any]] | None:
    """Which value goes where ``param`` stands, and how, if ``param`` is a stand-in (or holds one)."""
    if isinstance(param, int) and not isinstance(param, bool):
        # psycopg's Int2/Int4 wrappers are ints; a request's value is sent as a plain int, which PostgreSQL
        # compares as the ORM's out-of-range rule would (nothing above a column's range, all below it)
        return wanted.get((int, int(param)))
    items = getattr(param, "obj", None)  # psycopg's Json/Jsonb: a one-item list, as ``themes @> [theme]``
    if isinstance(items, list) and len(items) == 1 and isinstance(items[0], str):
        slot = wanted.get((str, items[0]))
        if slot is None or slot[1] is not _same:
            return None
        return slot[0], partial(_in_json_list, type(param), param.dumps)
    try:
        return wanted.get((type(param), param))
    except TypeError:  # unhashable: a constant
        return None


def _in_json_list(wrapper: Callable[..., Any], dumps: Any, value: Any) -> Any:
    return wrapper([value], dumps)


_MAX = 256
_statements: OrderedDict[Hashable, Statement | None] = OrderedDict()
_lock = threading.Lock()


def statement(
    key: Hashable, values: dict[str, Any], build: Callable[[dict[str, Any]], QuerySet[Any, Any]]
) -> Statement | None:
    """The statement of shape ``(key, structure(values))``: compiled from ``build(stand_ins(values))`` the
    first time, then reused. None when the shape cannot be reused (see :func:`compile_values`)."""
    full_key = (connection.alias, key, structure(values))
    with _lock:
        if full_key in _statements:
            _statements.move_to_end(full_key)
            return _statements[full_key]
    placeholders = stand_ins(values)
    compiled = compile_values(build(placeholders), placeholders)
    with _lock:
        _statements[full_key] = compiled
        while len(_statements) > _MAX:
            _statements.popitem(last=False)
    return compiled


def forget_statements() -> None:
    with _lock:
        _statements.clear()
