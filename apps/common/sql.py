"""Composing single statements from models: rows to insert, rows read back into instances.

For writes that must be one round trip (a data-modifying ``WITH``, ``INSERT ... ON CONFLICT ... RETURNING``)
where the ORM would need several. Values are prepared exactly as ``Model.save()`` prepares them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class InsertRows:
    """The pieces of ``INSERT INTO <table> (<columns>) VALUES <values>`` with ``params`` for the placeholders."""

    table: str
    columns: str
    values: str
    params: list[Any]
    row: str = ""  # the placeholders of one row, without parentheses

    def sql(self) -> str:
        return f"INSERT INTO {self.table} ({self.columns}) VALUES {self.values}"  # noqa: S608 - names from _meta

    def sql_for_each(self, source: str) -> str:
        """``INSERT ... SELECT <the one row> FROM <source>``: the row written once per row ``source`` yields
        (none when a ``WITH`` clause it names wrote nothing). Unlike a ``VALUES`` list, the target columns
        type the parameters, so a NULL foreign key is not taken for text."""
        if len(self.params) != self.row.count("%s"):
            raise ValueError("one row only")
        return f"INSERT INTO {self.table} ({self.columns}) SELECT {self.row} FROM {source}"  # noqa: S608  table, columns and row are identifiers and placeholders from code; values are parameters


def insert_rows(objs: Sequence[models.Model], *, using: str = DEFAULT_DB_ALIAS, typed: bool = False) -> InsertRows:
    """Every concrete column of unsaved instances of one model, as ``save()`` would write them.

    ``pre_save`` runs (``auto_now`` and ``auto_now_add`` stamp the instances). Call :func:`mark_saved` once the
    statement has written them. ``typed``: each placeholder cast to its column's type, for a ``VALUES`` list
    read by ``SELECT`` (where a NULL would otherwise be taken for text).
    """
    if not objs:
        raise ValueError("nothing to insert")
    connection = connections[using]
    model = type(objs[0])
    fields, table, columns, row = _insert_texts(model, _numbered(objs), typed, using)
    params: list[Any] = []
    for obj in objs:
        params += [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return InsertRows(table=table, columns=columns, values=", ".join([f"({row})"] * len(objs)), params=params, row=row)


@functools.cache
def _insert_texts(
    model: type[models.Model], numbered: bool, typed: bool, using: str
) -> tuple[tuple[models.Field[Any, Any], ...], str, str, str]:
    """The fields :func:`insert_fields` gives, the quoted table, its columns and one row's placeholders (cast to
    the columns' types when ``typed``): the same for every insert of ``model`` into the database ``using``, so
    built once per process (models do not change while it runs)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    opts = model._meta
    fields = tuple(
        field for field in opts.concrete_fields if not field.generated and not (numbered and field is opts.pk)
    )
    columns = ", ".join(quote(field.attname if field.column is None else field.column) for field in fields)
    row = ", ".join(f"%s::{field.db_type(connection)}" if typed else "%s" for field in fields)
    return fields, quote(opts.db_table), columns, row


def _numbered(objs: Sequence[models.Model]) -> bool:
    """Whether the database numbers these rows: an auto-incremented primary key that none of them has yet."""
    # isinstance(..., AutoField) holds for BigAutoField and SmallAutoField too (Django's AutoFieldMeta)
    return isinstance(objs[0]._meta.pk, models.AutoField) and all(obj.pk is None for obj in objs)


def insert_fields(objs: Sequence[models.Model]) -> list[models.Field[Any, Any]]:
    """The columns an INSERT of ``objs`` (one model) writes: every concrete one but a generated column, and
    but an auto-incremented primary key that none of them has yet (the database numbers those rows)."""
    return list(_insert_texts(type(objs[0]), _numbered(objs), False, DEFAULT_DB_ALIAS)[0])


def mark_saved(objs: Sequence[models.Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Instances written by a statement of :func:`insert_rows` are saved instances from now on."""
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def instance_from_row(model: type[M], names: Sequence[str], row: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of ``model`` from columns ``names`` (attribute names) of a fetched row, in any order.

    The other fields are deferred: reading one loads it with a query, it is never a silent default.
    """
    values = dict(zip(names, row, strict=True))
    loaded = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(using, loaded, [values[name] for name in loaded])


def instance_from_json(model: type[M], data: dict[str, Any], *, using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of ``model`` from a JSON object of its columns (PostgreSQL's ``to_json(row)`` or a
    ``json_build_object`` keyed by column), each value converted by its field as a form value would be.

    Columns the object lacks are deferred, as in :func:`instance_from_row`. A decimal column arrives as a JSON
    number (a float): it is given its column's scale, as read from the column itself (``32.318200`` for a
    ``numeric(9, 6)``, not the float's ``32.3182000`` that ``DecimalField.to_python`` would make of it).
    """
    fields = [(field, data[field.column]) for field in model._meta.concrete_fields if field.column in data]
    return model.from_db(
        using, [field.attname for field, _ in fields], [_from_json(field, value) for field, value in fields]
    )


def _from_json(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.DecimalField) and isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    return field.to_python(value)
