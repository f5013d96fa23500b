"""A row read as JSON (``to_json``) gives the instance a row read column by column gives: every decimal column of
every model, at its extremes and scales."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, models

from apps.common.sql import _from_json

pytestmark = pytest.mark.django_db


def _decimal_columns() -> list[tuple[str, models.DecimalField[Decimal, Decimal]]]:
    found: dict[tuple[int, int], tuple[str, models.DecimalField[Decimal, Decimal]]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField):
                found.setdefault((field.max_digits, field.decimal_places), (f"{model.__name__}.{field.name}", field))
    return sorted(found.values(), key=lambda item: item[0])


def _values(digits: int, places: int) -> list[str]:
    whole = digits - places
    largest = "9" * whole + ("." + "9" * places if places else "")
    smallest = ("0." + "0" * (places - 1) + "1") if places else "1"
    trailing = ("1" + "0" * max(whole - 1, 0)) + ("." + "0" * places if places else "")
    return [largest, f"-{largest}", smallest, "0", trailing, "32.3182" if whole >= 2 and places >= 4 else "7"]


@pytest.mark.parametrize(
    ("name", "field"), _decimal_columns(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_decimal_column_reads_the_same_from_json(name: str, field: models.DecimalField[Decimal, Decimal]) -> None:
    kind = f"numeric({field.max_digits}, {field.decimal_places})"
    for text in _values(field.max_digits, field.decimal_places):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT CAST(%s AS {kind}), json_build_object('v', CAST(%s AS {kind}))", [text, text])
            column, as_json = cursor.fetchone()
        read = _from_json(field, as_json["v"])
        assert (read, str(read)) == (column, str(column)), (name, text)
