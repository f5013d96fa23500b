"""Every foreign key is the leading column of an index of its table (whole, or partial where the key is set), so
looking rows up by it, and checking or cascading when the row it points at is deleted, never reads the whole
table; and the keys most rows leave NULL are indexed only where set (a row written with them NULL writes no index
entry for them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models

pytestmark = pytest.mark.django_db

# keys that rows are mostly written without: indexed only where set (see apps.common.models.index_where_set)
WHERE_SET = {
    ("bookings_booking", "created_by_id"),
    ("bookings_booking", "coupon_id"),
    ("bookings_booking", "cancelled_by_id"),
    ("notifications_delivery", "notification_id"),
    ("notifications_delivery", "user_id"),
    ("notifications_delivery", "device_id"),
    ("emergency_incident", "reported_by_id"),
    ("emergency_incident", "acknowledged_by_id"),
    ("emergency_incident", "resolved_by_id"),
}


def _leading_columns() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(table, first column) -> the indexes that lead with it (each: whether partial and on what)."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                if (info["index"] or info["unique"] or info["primary_key"]) and info["columns"]:
                    found.setdefault((table, info["columns"][0]), []).append({"name": name, **info})
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes as PostgreSQL holds them")
def test_every_foreign_key_leads_an_index_and_the_mostly_null_ones_are_partial() -> None:
    leading = _leading_columns()
    missing = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                key = (model._meta.db_table, field.column)
                if key not in leading:
                    missing.append(key)
    assert missing == []
    with connection.cursor() as cursor:
        for table, column in sorted(WHERE_SET):
            cursor.execute(
                "SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                "WHERE i.indrelid = %s::regclass AND a.attname = %s",
                [table, column],
            )
            predicates = [row[0] for row in cursor.fetchall()]
            assert predicates == [f"({column} IS NOT NULL)"], (table, column, predicates)
