"""psycopg keeps the parse of a many-parameter INSERT (``apps.common.db.cache_statement_parses``)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from psycopg import _queries

from apps.common.db import STATEMENT_PARSE_CACHE_PARAMS, cache_statement_parses


def test_a_statement_of_115_parameters_is_parsed_once(db: None) -> None:
    assert cache_statement_parses()
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= STATEMENT_PARSE_CACHE_PARAMS
    values: list[Any] = list(range(115))
    sql = "SELECT " + ", ".join(["%s"] * len(values))
    before = _queries._query2pg_client.cache_info()
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql, values)
            assert list(cursor.fetchone()) == values
    after = _queries._query2pg_client.cache_info()
    assert after.misses - before.misses == 1  # parsed the first time only
    assert after.hits - before.hits == 2
