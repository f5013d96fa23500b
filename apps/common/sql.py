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
    numbered = _numbered(objs)
    _, table, columns, row = _insert_texts(model, numbered, typed, using)
    written = _written(model, numbered)
    params: list[Any] = []
    for obj in objs:
        held = obj.__dict__
        params += [
            value
            if (value := held.get(name, _ABSENT)).__class__ is kind
            else field.get_db_prep_save(field.pre_save(obj, True), connection)
            for field, name, kind in written
        ]
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
    columns = ", ".join(quote(_column(field)) for field in fields)
    row = ", ".join(f"%s::{field.db_type(connection)}" if typed else "%s" for field in fields)
    return fields, quote(opts.db_table), columns, row


# Fields whose value, once of the Python type given here, is the value written (their ``pre_save`` and
# ``get_db_prep_save`` return it unchanged) and the value read (``to_python``). By exact class, as a subclass may
# convert. The statements composed here skip those calls for such values: they were a fifth of the CPU of a
# booking's insert (52 columns) and a third of reading a user (25) back from JSON. Integers are read as they are
# but written through their field, which types them for the driver (``Int2(1)`` for a small integer).
_WRITTEN_AS_IS: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.EmailField: str,
    models.SlugField: str,
    models.BooleanField: bool,
}
_READ_AS_IS: dict[type[models.Field[Any, Any]], type] = {
    **_WRITTEN_AS_IS,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
}
_ABSENT = object()  # a field the instance (or the JSON object) does not hold


class _Never:
    """A type no value has: the kind of a field whose every value goes through the field."""


def as_is_kind(field: models.Field[Any, Any], *, written: bool) -> type:
    """The type of value ``field`` writes (``written``) or reads unchanged, or one no value has."""
    return (_WRITTEN_AS_IS if written else _READ_AS_IS).get(type(field), _Never)


def _column(field: models.Field[Any, Any]) -> str:
    """A concrete field's column (typed optional for fields that have none; a concrete one always has one)."""
    return field.attname if field.column is None else field.column


@functools.cache
def _written(model: type[models.Model], numbered: bool) -> tuple[tuple[models.Field[Any, Any], str, type], ...]:
    """Each field an insert of ``model`` writes, its attribute name and the kind of value it writes as it is."""
    fields = _insert_texts(model, numbered, False, DEFAULT_DB_ALIAS)[0]
    return tuple((field, field.attname, as_is_kind(field, written=True)) for field in fields)


@functools.cache
def _read(model: type[models.Model]) -> tuple[tuple[models.Field[Any, Any], str, str, type], ...]:
    """Each concrete field of ``model``, its column, its attribute name and the kind of value it reads as it is."""
    return tuple(
        (field, _column(field), field.attname, as_is_kind(field, written=False))
        for field in model._meta.concrete_fields
    )


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


def json_rows(model: type[models.Model], where: str, order: str, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """A scalar subquery: the JSON array of ``model``'s rows (aliased ``x``, each ``to_json``, read back with
    :func:`instance_from_json`) where ``where``, in ``order``; ``[]`` when there is none."""
    table = connections[using].ops.quote_name(model._meta.db_table)
    return f"(SELECT coalesce(json_agg(to_json(x) ORDER BY {order}), '[]') FROM {table} x WHERE {where})"  # noqa: S608  names from _meta and code, values as parameters


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
    names: list[str] = []
    values: list[Any] = []
    for field, column, name, kind in _read(model):
        value = data.get(column, _ABSENT)
        if value is _ABSENT:
            continue
        names.append(name)
        values.append(value if value.__class__ is kind else _from_json(field, value))
    return model.from_db(using, names, values)


def _from_json(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field, models.DecimalField) and isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    return field.to_python(value)
