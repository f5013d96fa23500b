"""Every numeric input of every writable operation refuses NaN and Infinity in every spelling.

The numeric fields come from the OpenAPI document (the one served at /api/schema/), walked through
nested objects and arrays, so a new numeric field or endpoint is covered without touching this file.
Each case first sends the operation's valid write (``writes.WRITES``) and sees it succeed, then sends it
with one field replaced by each spelling: a bare literal the JSON grammar does not allow (``NaN``), one
that overflows the float range (``1e999``), or a string a float field would coerce (``"nan"``). Every
one must answer a 400 envelope and write no row anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
import responses
from django.apps import apps as django_apps
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.common.tests.test_errors import envelope
from apps.users.services import token_pair_for

from .actors import build_world
from .writes import WRITES, Write

LITERALS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]
STRINGS = ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999"]
SPELLINGS = LITERALS + [json.dumps(text) for text in STRINGS]
MARKER = "__non_finite_marker__"
JSON = "application/json"
PLACEHOLDER = str(UUID(int=0))  # matches uuid, slug and str path converters (integer parameters get 0)

Path = tuple[str | int, ...]


# --- the numeric inputs, read from the OpenAPI document -------------------------------------------


def _resolve(node: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _numeric_paths(node: dict[str, Any], components: dict[str, Any], path: Path = ()) -> Iterator[Path]:
    node = _resolve(node, components)
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            yield from _numeric_paths(sub, components, path)
    if node.get("readOnly"):
        return
    declared = node.get("type")
    types = set(declared) if isinstance(declared, list) else {declared}  # OpenAPI 3.1: ["number", "null"]
    if types & {"number", "integer"} or node.get("format") == "decimal":
        yield path
    for name, sub in node.get("properties", {}).items():
        yield from _numeric_paths(sub, components, (*path, name))
    if "array" in types:
        yield from _numeric_paths(node.get("items", {}), components, (*path, 0))


def numeric_inputs() -> dict[tuple[str, str], tuple[str, list[Path]]]:
    """{(route name, METHOD): (schema path, numeric field paths)} for every JSON request body with numbers."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found: dict[tuple[str, str], tuple[str, list[Path]]] = {}
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            media = operation.get("requestBody", {}).get("content", {}).get(JSON)
            if media is None:
                continue
            paths = list(dict.fromkeys(_numeric_paths(media["schema"], components)))
            if paths:
                concrete = url
                kinds = {p["name"]: p.get("schema", {}).get("type") for p in operation.get("parameters", [])}
                for name in [part[1:-1] for part in url.split("/") if part.startswith("{")]:
                    concrete = concrete.replace("{" + name + "}", "0" if kinds.get(name) == "integer" else PLACEHOLDER)
                found[(resolve(concrete).url_name or url, method.upper())] = (url, paths)
    return found


INPUTS = numeric_inputs()
CASES = [
    pytest.param(key, field_path, id=f"{key[1]} {url} {'.'.join(map(str, field_path))}")
    for key, (url, paths) in sorted(INPUTS.items())
    if key in WRITES
    for field_path in paths
]


def test_the_schema_walk_finds_the_known_numeric_inputs() -> None:
    """A guard on the walk itself: it must see top-level, nested-array and decimal-string numbers."""
    assert ("accuracy_m",) in INPUTS[("emergency-sos", "POST")][1]
    assert ("pings", 0, "altitude_m") in INPUTS[("incident-locations", "POST")][1]
    assert ("price",) in INPUTS[("batch-detail", "PATCH")][1]
    assert len(CASES) >= 40


def test_every_operation_with_numeric_input_has_a_valid_write() -> None:
    missing = sorted(f"{m} {INPUTS[(r, m)][0]} (route {r!r})" for r, m in set(INPUTS) - set(WRITES))
    assert not missing, "add a valid write to tests/proof/writes.py for:\n" + "\n".join(missing)


# --- the request and what it may change -------------------------------------------------------------


def _with_marker(body: Any, path: Path) -> Any:
    """A copy of ``body`` whose value at ``path`` is the marker (missing objects and arrays are created)."""
    if not path:
        return MARKER
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) else []
        while len(items) <= head:
            items.append({} if rest else None)
        items[head] = _with_marker(items[head], rest)
        return items
    mapping = dict(body) if isinstance(body, dict) else {}
    mapping[head] = _with_marker(mapping.get(head), rest)
    return mapping


def _table_state_sql() -> str:
    parts = []
    for model in django_apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT count(*) FROM {table})")
        if any(f.column == "updated_at" for f in model._meta.concrete_fields):
            parts.append(f"(SELECT max(updated_at) FROM {table})")
    return "SELECT " + ", ".join(parts)


def table_state() -> tuple[Any, ...]:
    """Row count (and latest update) of every table, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_table_state_sql())
        return tuple(cursor.fetchone())


def _send(client: APIClient, write: Write, url: str, text: str) -> Any:
    cache.delete_pattern("*")  # scoped throttles start empty for each request
    method = getattr(client, write.method.lower())
    with responses.RequestsMock(assert_all_requests_are_fired=False):  # nothing may reach the network
        return method(url, text, content_type=JSON, headers=write.headers())


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "field_path"), CASES)
def test_non_finite_number_is_refused(key: tuple[str, str], field_path: Path) -> None:
    write = WRITES[key]
    world = build_world()
    if write.prepare:
        write.prepare(world)
    user = world.users[write.actor]
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
    url = reverse(write.route, kwargs=write.kwargs(world))
    body = write.body(world, user)

    with transaction.atomic():
        control = _send(client, write, url, json.dumps(body))
        transaction.set_rollback(True)
    assert 200 <= control.status_code < 300, f"the valid write failed: {control.content[:300]!r}"

    poisoned = json.dumps(_with_marker(body, field_path))
    before = table_state()
    wrong: list[str] = []
    for spelling in SPELLINGS:
        with transaction.atomic():
            response = _send(client, write, url, poisoned.replace(json.dumps(MARKER), spelling))
            after = table_state()
            transaction.set_rollback(True)
        if response.status_code != 400:
            wrong.append(f"{spelling}: {response.status_code} {response.content[:200]!r}")
            continue
        error = envelope(response)
        if error["code"] == "validation_error":
            top = str(field_path[0])
            if top not in (error["details"] or {}):
                wrong.append(f"{spelling}: refused for another field: {error['details']}")
        elif error["code"] != "non_finite_number":
            wrong.append(f"{spelling}: unexpected code {error['code']}")
        if after != before:
            wrong.append(f"{spelling}: a row was written")
    assert not wrong, f"{write.method} {url} {'.'.join(map(str, field_path))}\n" + "\n".join(wrong)
