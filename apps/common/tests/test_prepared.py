"""Hot statements as named prepared statements with generic plans (``apps.common.prepared``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import datetime
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.common import prepared
from apps.common.prepared import declared_type, execute_prepared, numbered, statement_text

pytestmark = pytest.mark.django_db


def _sql(tag: str) -> str:
    """A statement no other test prepares (names are per connection, statements per text)."""
    return f"SELECT %s::int + 1 AS n, '50%%' AS p, '{tag}' AS tag"


def _run(sql: str, params: list[Any]) -> tuple[list[tuple[Any, ...]], list[str]]:
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        execute_prepared(cursor, sql, params)
        rows = list(cursor.fetchall())
    return rows, [query["sql"] for query in captured.captured_queries]


def _prepared_statements() -> dict[str, tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, generic_plans, custom_plans FROM pg_prepared_statements")
        return {name: (generic, custom) for name, generic, custom in cursor.fetchall()}


def test_numbered_placeholders_leave_literal_percents_to_the_cursor() -> None:
    assert numbered("SELECT %s, '%%s', %s WHERE x LIKE '%%' || %s") == "SELECT $1, '%%s', $2 WHERE x LIKE '%%' || $3"


def test_prepared_once_then_executed_in_one_statement_each_time() -> None:
    sql = _sql(uuid.uuid4().hex)
    rows, sent = _run(sql, [41])
    assert rows == [(42, "50%", sql.split("'")[-2])]
    assert len(sent) == 1
    assert sent[0].startswith("PREPARE obs_")
    assert "; EXECUTE obs_" in sent[0]
    for value in (1, 2, 3, 4, 5, 6, 7):
        rows, sent = _run(sql, [value])
        assert rows[0][:2] == (value + 1, "50%")
        assert len(sent) == 1
        assert sent[0].startswith("EXECUTE obs_")


def test_prepared_statements_use_their_generic_plan() -> None:
    sql = _sql(uuid.uuid4().hex)
    for value in range(8):
        _run(sql, [value])
    name = prepared._state(connection.connection).names[(sql, ("bigint",))]
    generic, custom = _prepared_statements()[name]
    assert (generic, custom) == (8, 0)


def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_executed() -> None:
    sql = _sql(uuid.uuid4().hex)
    with transaction.atomic():
        _run(sql, [1])
        transaction.set_rollback(True)
    rows, sent = _run(sql, [2])
    assert rows[0][0] == 3
    assert sent[0].startswith("EXECUTE ")


def test_a_failed_first_execution_prepares_again_under_a_new_name() -> None:
    """PostgreSQL keeps the statement prepared even though its first ``EXECUTE`` failed: the next attempt must
    not send ``PREPARE`` under the same name (that would fail for ever)."""
    sql = f"SELECT 10 / %s::int, '{uuid.uuid4().hex}'"
    with pytest.raises(DatabaseError), transaction.atomic():
        _run(sql, [0])
    rows, sent = _run(sql, [5])
    assert rows[0][0] == 2
    assert sent[0].startswith("PREPARE ")
    rows, sent = _run(sql, [2])
    assert rows[0][0] == 5
    assert sent[0].startswith("EXECUTE ")


def test_a_statement_without_parameters() -> None:
    sql = f"SELECT '100%%', '{uuid.uuid4().hex}'"
    for _ in range(2):
        rows, _sent = _run(sql, [])
        assert rows[0][0] == "100%"


def test_hostile_text_values_are_bound_as_values() -> None:
    sql = _sql(uuid.uuid4().hex).replace("%s::int + 1", "length(%s)")
    for value in ("'); DROP TABLE treks_trek; --", "\\' OR 1=1", "नमस्ते\u2028", "%s %% $1"):
        rows, _sent = _run(sql, [value])
        assert rows[0][0] == len(value)


def test_switched_off_statements_are_sent_as_they_are(settings: Any) -> None:
    settings.DB_PREPARED_STATEMENTS = False
    sql = _sql(uuid.uuid4().hex)
    rows, sent = _run(sql, [1])
    assert rows[0][0] == 2
    assert sent[0].startswith("SELECT ")


def test_a_connection_prepares_at_most_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    state = prepared._state(connection.connection)
    monkeypatch.setattr(prepared, "MAX_PREPARED_PER_CONNECTION", len(state.names))
    rows, sent = _run(_sql(uuid.uuid4().hex), [1])
    assert rows[0][0] == 2
    assert sent[0].startswith("SELECT ")


def test_a_statement_with_more_values_than_the_limit_is_sent_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    sql = "SELECT " + " + ".join(["%s::int"] * 4) + f" AS n, '{uuid.uuid4().hex}' AS tag"
    monkeypatch.setattr(prepared, "MAX_PREPARED_PARAMS", 3)
    rows, sent = _run(sql, [1, 2, 3, 4])
    assert rows[0][0] == 10
    assert sent[0].startswith("SELECT ")
    monkeypatch.setattr(prepared, "MAX_PREPARED_PARAMS", 4)
    rows, sent = _run(sql, [1, 2, 3, 5])
    assert rows[0][0] == 11
    assert sent[0].startswith("PREPARE obs_")


def test_rows_written_by_the_insert_helpers_are_prepared_per_row_count() -> None:
    """``insert_new`` (every notification's rows) runs prepared: one statement per number of rows, reused."""
    from apps.common.db import insert_new
    from apps.notifications.models import Notification
    from apps.users.tests.factories import UserFactory

    user = UserFactory()
    title = f"prepared {uuid.uuid4().hex}"

    def write(count: int) -> list[str]:
        rows = [Notification(user=user, category="booking", template="t", title=title) for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert len(insert_new(rows)) == count
        return [query["sql"] for query in captured.captured_queries]

    first, again, other = write(2), write(2), write(3)
    assert statement_text(first[0]).startswith('INSERT INTO "notifications_notification"')
    assert again[0].startswith("EXECUTE obs_")
    assert statement_text(again[0]) == statement_text(first[0])
    assert statement_text(other[0]) != statement_text(first[0])  # another row count, another statement
    assert Notification.objects.filter(user=user, title=title).count() == 7


def test_statement_text_names_what_was_executed() -> None:
    sql = _sql(uuid.uuid4().hex)
    first = _run(sql, [1])[1][0]
    again = _run(sql, [2])[1][0]
    assert statement_text(first) == sql
    assert statement_text(again) == sql
    assert statement_text("SELECT 1") == "SELECT 1"
    assert statement_text("EXECUTE obs_999999(1)") == "EXECUTE obs_999999(1)"


@pytest.mark.parametrize("value", [32767, 32768, -32769, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**40])
def test_integers_compare_as_numbers_whatever_the_column_type(value: int) -> None:
    """``$1`` next to a smallint would be inferred as one: a value past its range must compare, not fail."""
    sql = f"SELECT %s::numeric = %s, 32767::smallint <= %s, '{uuid.uuid4().hex}'"
    for _ in range(2):
        rows, _sent = _run(sql, [value, value, value])
        assert rows[0][:2] == (True, value >= 32767)


def test_declared_types_are_part_of_a_statement() -> None:
    sql = f"SELECT %s, '{uuid.uuid4().hex}'"
    for value in (1, 10**30, "x", 2):
        rows, _sent = _run(sql, [value])
        assert rows[0][0] in (value, str(value))
    assert {types for text, types in prepared._state(connection.connection).names if text == sql} == {
        ("bigint",),
        ("numeric",),
        ("unknown",),
    }


def test_psycopg_integer_wrappers_are_declared_as_integers() -> None:
    from psycopg.types.numeric import Int2, Int4, Int8

    assert [declared_type(v) for v in (Int2(5), Int4(-(2**31)), Int8(2**63 - 1), 2**63, True, "1", None)] == [
        "bigint", "bigint", "bigint", "numeric", "unknown", "unknown", "unknown",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "switch", "options"),
    [
        ("postgres://u@h/db", "", "-c plan_cache_mode=force_generic_plan"),
        ("postgres://u@h/db", "false", None),
        (
            "postgres://u@h/db?options=-c%20statement_timeout%3D5000",
            "",
            "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan",
        ),
        ("postgres://u@h/db?options=-c%20plan_cache_mode%3Dauto", "", "-c plan_cache_mode=auto"),
        ("sqlite:///x.sqlite3", "", None),
    ],
)
def test_connections_start_with_generic_plans_unless_switched_off(url: str, switch: str, options: str | None) -> None:
    """The libpq ``options`` the settings give a connection: added to the URL's own, left alone when the URL
    sets a plan mode, absent with ``DB_PREPARED_STATEMENTS=false`` (behind a pooler) and on SQLite."""
    env = {**os.environ, "DATABASE_URL": url, "DB_PREPARED_STATEMENTS": switch or "true"}
    code = (
        "import json; from config.settings import dev as s; "
        "print(json.dumps([s.DATABASES['default'].get('OPTIONS', {}).get('options'), s.DB_PREPARED_STATEMENTS]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    found, enabled = json.loads(out.strip().splitlines()[-1])
    assert found == options
    assert enabled is (switch != "false" and url.startswith("postgres"))


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_prepares_again_on_the_new_one() -> None:
    """The database connection dropped (a restart, a network cut): the new connection has none of the old one's
    statements, and the next request prepares its statement again instead of failing on ``EXECUTE``."""
    sql = _sql(uuid.uuid4().hex)
    assert _run(sql, [1])[1][0].startswith("PREPARE ")
    assert _run(sql, [1])[1][0].startswith("EXECUTE ")
    # the server ends the session, as a restart would
    with connection.cursor() as cursor, pytest.raises(DatabaseError):
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    connection.close()  # what Django does at the end of the request that hit the broken connection
    rows, sent = _run(sql, [2])
    assert rows[0][0] == 3
    assert sent[0].startswith("PREPARE ")


def test_values_sent_as_text_arrive_as_their_columns_types() -> None:
    """UUIDs, JSON, aware datetimes (any zone) and text enumerations go to ``EXECUTE`` as plain text
    (``prepared.bound``): what is stored is what the typed literal stored."""
    from zoneinfo import ZoneInfo

    from psycopg.types.json import Jsonb

    from apps.notifications.models import Category, Notification
    from apps.users.tests.factories import UserFactory

    user = UserFactory()
    when = datetime(2026, 11, 30, 21, 15, 7, 123456, tzinfo=ZoneInfo("Asia/Kolkata"))
    data = {"quote": 'it\'s "fine"', "hindi": "सुरक्षित", "nested": [1, None, {"x": 1.5}], "nul": "a\\u0000b"}
    rows = []
    for _ in range(2):  # the second run is EXECUTE only
        pk = uuid.uuid4()
        sql = (
            'INSERT INTO "notifications_notification" ("id", "created_at", "updated_at", "user_id", "category", '
            '"template", "title", "body", "data", "read_at", "dedupe_key") '
            "VALUES (%s, %s, %s, %s, %s, 't', 'title', '', %s, NULL, NULL) RETURNING id"
        )
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, [pk, when, when, user.pk, Category.EMERGENCY, Jsonb(data, dumps=json.dumps)])
            rows.append(cursor.fetchone()[0])
        stored = Notification.objects.get(pk=pk)
        assert stored.created_at == when
        assert stored.category == "emergency"
        assert stored.data == data
        assert stored.user_id == user.pk
    assert rows[0] != rows[1]


def test_bound_leaves_other_values_as_they_are() -> None:
    from datetime import date
    from decimal import Decimal

    naive = datetime(2026, 1, 1, 12, 0)
    for value in (1, 2**70, True, None, Decimal("1.50"), date(2026, 1, 1), naive, "text", b"bytes", 1.5):
        assert prepared.bound(value) is value
    assert prepared.bound(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    from psycopg.types.json import Jsonb

    assert prepared.bound(Jsonb({"a": "ü"}, dumps=json.dumps)) == '{"a": "\\u00fc"}'
    assert prepared.bound(Jsonb({"a": 1}, dumps=lambda obj: json.dumps(obj).encode())) == '{"a": 1}'
    # an aware datetime goes in UTC, the connection's zone: read as a date it is the same day the typed literal gave
    from zoneinfo import ZoneInfo

    early = datetime(2026, 12, 1, 2, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert prepared.bound(early) == "2026-11-30T20:30:00+00:00"
    with connection.cursor() as cursor:
        sql = f"SELECT %s::date, '{uuid.uuid4().hex}'"
        execute_prepared(cursor, sql, [early])
        assert cursor.fetchone()[0].isoformat() == "2026-11-30"


def test_declared_and_bound_agree_with_their_one_value_definitions() -> None:
    """The one-pass form gives, value by value, what ``declared_type`` and ``bound`` give."""
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    from django.db.models import TextChoices
    from psycopg.types.json import Json, Jsonb

    from apps.common.prepared import bound, declared_and_bound, declared_type

    class Kind(TextChoices):
        SOS = "sos", "SOS"

    values = [
        None, True, False, 0, 32768, 2**63, -(2**63) - 1, "text", "", Kind.SOS, uuid.uuid4(),
        datetime(2026, 11, 30, 2, 0, tzinfo=UTC), datetime(2026, 11, 30, 2, 0, tzinfo=timezone(timedelta(hours=5))),
        datetime(2026, 11, 30, 2, 0), Json({"a": "हिन्दी"}), Jsonb([1, "x"]), Decimal("1.50"), 1.25, b"bytes",
    ]  # fmt: skip
    types, arguments = declared_and_bound(values)
    assert list(types) == [declared_type(value) for value in values]
    assert arguments == [bound(value) for value in values]
    assert type(arguments[values.index(Kind.SOS)]) is str
