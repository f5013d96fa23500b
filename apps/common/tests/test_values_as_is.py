"""The values :mod:`apps.common.sql` passes through without their field (``_WRITTEN_AS_IS``, ``_READ_AS_IS``) are
the values the field itself would give: every such field of every model, over values of every shape its type
takes (empty, unicode, a null byte, booleans, integers at the extremes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models
from psycopg.types.json import Json, Jsonb

from apps.common.sql import _Never, as_is_kind, insert_fields, insert_rows

pytestmark = pytest.mark.django_db

_SAMPLES: dict[type, list[Any]] = {
    str: ["", "a", "Kedarkantha", "केदारकांठा", "x\x00y", " padded ", "=cmd|' /C calc'!A0", "9" * 300],
    bool: [True, False],
    int: [0, 1, -1, 32767, -32768, 2**31 - 1, 2**63 - 1, -(2**63)],
}


def _fields(*, written: bool) -> list[tuple[str, models.Field[Any, Any], type]]:
    found: dict[type, tuple[str, models.Field[Any, Any], type]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            kind = as_is_kind(field, written=written)
            if kind is not _Never:
                found.setdefault(type(field), (f"{model.__name__}.{field.name}", field, kind))
    return sorted(found.values(), key=lambda item: item[0])


@pytest.mark.parametrize(
    ("name", "field", "kind"), _fields(written=True), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_value_written_as_it_is_is_what_its_field_writes(
    name: str, field: models.Field[Any, Any], kind: type
) -> None:
    for value in _SAMPLES[kind]:
        prepared = field.get_db_prep_save(value, connection)
        assert (prepared, type(prepared)) == (value, kind), name


@pytest.mark.parametrize(
    ("name", "field", "kind"), _fields(written=False), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_value_read_as_it_is_is_what_its_field_reads(name: str, field: models.Field[Any, Any], kind: type) -> None:
    for value in _SAMPLES[kind]:
        read = field.to_python(value)
        assert (read, type(read)) == (value, kind), name


def test_every_model_inserts_what_its_fields_give() -> None:
    """Each model's insert parameters (a new instance's defaults) against its fields' own calls."""
    for model in apps.get_models():
        if model._meta.proxy or model._meta.managed is False:
            continue
        obj = model()
        got = insert_rows([obj]).params
        expected = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in insert_fields([obj])]
        assert len(got) == len(expected), model.__name__
        for value, want in zip(got, expected, strict=True):
            assert type(value) is type(want), (model.__name__, value, want)
            if isinstance(value, Json | Jsonb):  # the driver's wrappers compare by identity
                value, want = value.obj, want.obj
            if not isinstance(value, datetime):  # an auto_now stamp: the moment of each call
                assert value == want, (model.__name__, value, want)
