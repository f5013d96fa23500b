"""The OpenAPI document's contract for client generators: readable unique operationIds by one rule, every tag
declared with a description, every operation summarised and described (Redocly checks the same in make lint)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.common.schema import operation_id

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in schema["paths"].items() for method, op in item.items() if method in METHODS
    ]


@pytest.mark.parametrize(
    ("path", "method", "is_list", "expected"),
    [
        ("/api/v1/treks/", "GET", True, "trekList"),
        ("/api/v1/treks/", "POST", False, "trekCreate"),
        ("/api/v1/treks/{slug}/", "GET", False, "trekGet"),
        ("/api/v1/treks/{slug}/", "PATCH", False, "trekUpdate"),
        ("/api/v1/treks/{slug}/batches/", "POST", False, "trekBatchCreate"),
        ("/api/v1/bookings/{booking_id}/cancel/", "POST", False, "bookingCancel"),
        ("/api/v1/community/posts/{post_id}/comments/", "GET", True, "postCommentList"),
        ("/api/v1/users/me/emergency-contacts/{id}/", "DELETE", False, "meEmergencyContactDelete"),
        ("/api/v1/auth/login/", "POST", False, "authLogin"),
        ("/api/v1/notifications/unread-count/", "GET", False, "notificationUnreadCountGet"),
    ],
)
def test_the_operation_id_rule(path: str, method: str, is_list: bool, expected: str) -> None:
    assert operation_id(path, method, is_list=is_list) == expected


def test_operation_ids_are_unique_camel_case(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert [i for i in ids if not re.fullmatch(r"[a-z][A-Za-z0-9]*", i)] == []


def test_every_tag_is_declared_with_a_description(schema: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description", "") for tag in schema.get("tags", [])}
    used = {tag for _, _, op in _operations(schema) for tag in op.get("tags", [])}
    assert sorted(used - set(declared)) == []
    assert [name for name, text in declared.items() if not text.strip()] == []


def test_every_operation_has_a_summary_and_a_description(schema: dict[str, Any]) -> None:
    bare = [
        f"{method.upper()} {path}"
        for path, method, op in _operations(schema)
        if not op.get("summary", "").strip() or not op.get("description", "").strip()
    ]
    assert bare == []
