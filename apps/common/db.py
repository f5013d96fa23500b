"""Writing many rows in few round trips, where the ORM's ``bulk_create`` needs more statements.

- :func:`insert_new` is ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: one statement that writes the rows
  no unique constraint rejects and tells which ones those were (``bulk_create(ignore_conflicts=True)`` cannot
  say, so a caller had to read the rows back). A concurrent transaction inserting the same key makes it wait,
  then skip the row once that transaction commits.
- :func:`insert_together` writes new rows of several models in one statement on PostgreSQL (data-modifying
  ``WITH`` clauses); elsewhere (SQLite, for ``make run``) one ``bulk_create`` per model.

Both prepare values exactly as ``save()`` and ``bulk_create`` do (``auto_now_add``, JSON encoders, UUIDs): on
PostgreSQL with :func:`apps.common.sql.insert_rows` (no query to compile), elsewhere with Django's insert compiler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import IntegrityError, connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

from apps.common.prepared import execute_prepared
from apps.common.sql import insert_fields, insert_rows

M = TypeVar("M", bound=Model)


def is_violation(exc: IntegrityError, constraint: str) -> bool:
    """Whether ``exc`` is PostgreSQL refusing a row for the unique or check constraint named ``constraint`` (a
    statement that lost a race a constraint decides, to answer as the winner's outcome says)."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) == constraint


# psycopg (3.2) keeps the parse of a statement's text (where its placeholders are) only for statements of at most
# 4,096 bytes and 50 parameters; a multi-row INSERT has more parameters than that (an SOS's deliveries: 115, its
# incident with breadcrumb, timeline entry and audit row: 57), so psycopg parsed it again on every request (about
# 0.4 ms of CPU for the deliveries). The length bound, which keeps the cache small, is left as it is.
STATEMENT_PARSE_CACHE_PARAMS = 1000


def cache_statement_parses() -> bool:
    """Let psycopg keep the parse of statements of up to ``STATEMENT_PARSE_CACHE_PARAMS`` parameters (called once
    at start-up). False when this psycopg has no such limit to raise (nothing changed)."""
    try:
        from psycopg import _queries
    except ImportError:  # no psycopg (SQLite only)
        return False
    if not isinstance(getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", None), int):
        return False
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, STATEMENT_PARSE_CACHE_PARAMS)
    return True


def _insert_sql(rows: Sequence[Model], *, using: str, on_conflict: OnConflict | None = None) -> tuple[str, Any]:
    model = type(rows[0])
    if connections[using].vendor == "postgresql":  # the same values, without compiling a query (about 0.1 ms less)
        insert = insert_rows(rows, using=using)
        if on_conflict is None:
            return insert.sql(), insert.params
        assert on_conflict == OnConflict.IGNORE
        pk = model._meta.pk
        assert pk is not None
        assert pk.column is not None
        return (
            f"{insert.sql()} ON CONFLICT DO NOTHING RETURNING {connections[using].ops.quote_name(pk.column)}",
            insert.params,
        )
    query = InsertQuery(model, on_conflict=on_conflict)
    query.insert_values(insert_fields(rows), list(rows))
    compiler = query.get_compiler(using=using)
    if on_conflict is not None:
        compiler.returning_fields = [model._meta.pk]
    (sql, params), *more = compiler.as_sql()
    assert not more, "the backend must insert many rows in one statement"
    return sql, params


def _mark_saved(rows: Sequence[Model], using: str) -> None:
    for row in rows:
        row._state.adding = False
        row._state.db = using


def insert_new(rows: Sequence[M]) -> list[M]:
    """Insert ``rows`` (one model, primary keys set), skipping any a unique constraint rejects; returns the new.

    One statement per ``bulk_batch_size`` rows (thousands). The rows returned are marked saved.
    """
    if not rows:
        return []
    model = type(rows[0])
    using = router.db_for_write(model)
    connection = connections[using]
    pk = model._meta.pk
    assert pk is not None
    fields = [field for field in model._meta.concrete_fields if not field.generated]
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    written: set[Any] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            sql, params = _insert_sql(rows[start : start + size], using=using, on_conflict=OnConflict.IGNORE)
            execute_prepared(cursor, sql, params)
            written.update(pk.to_python(value) for (value,) in cursor.fetchall())
    new = [row for row in rows if row.pk in written]
    _mark_saved(new, using)
    return new


def insert_clauses(*groups: Sequence[Model], using: str) -> tuple[list[str], list[Any]]:
    """PostgreSQL: the ``WITH`` clauses (``rows0 AS (INSERT ...)``, ...) that insert the new rows of ``groups``
    (one model per group, empty groups left out) and their values, for a caller that writes them in a statement of
    its own; it marks them saved with :func:`apps.common.sql.mark_saved` once the statement has run."""
    clauses: list[str] = []
    params: list[Any] = []
    for index, group in enumerate(group for group in groups if group):
        sql, values = _insert_sql(group, using=using)
        clauses.append(f"rows{index} AS ({sql})")
        params += values
    return clauses, params


def insert_together(*groups: Sequence[Model]) -> None:
    """Insert new rows of several models (one model per group, primary keys set unless auto-incremented) in one
    round trip.

    Foreign keys between the groups are fine: PostgreSQL checks Django's (deferrable) foreign keys at commit.
    """
    groups = tuple(group for group in groups if group)
    if not groups:
        return
    using = router.db_for_write(type(groups[0][0]))
    connection = connections[using]
    if connection.vendor != "postgresql" or len(groups) == 1:
        for group in groups:
            type(group[0])._default_manager.using(using).bulk_create(group)
        return
    first, first_params = insert_clauses(*groups[:-1], using=using)
    last_sql, last_params = _insert_sql(groups[-1], using=using)
    sql = f"WITH {', '.join(first)} {last_sql}"
    params = [*first_params, *last_params]
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
    for group in groups:
        _mark_saved(group, using)
