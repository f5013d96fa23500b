"""Every operation that can answer something other than JSON (a CSV export, a GeoJSON feed...) answers its errors
in the JSON envelope as ``application/json``, however the client asked for the other format (``?format=`` or
``Accept``), and documents them so.

The operations are found twice and must agree: in the OpenAPI document (a success documented with a media type
other than JSON) and in the views (a renderer or a response of another media type). Each is then asked for its
other format with a token that is no token (401), by a trekker without the right (403, where the operation is
not public), for objects that do not exist (404, where the address names one) and with more query fields than
the server takes (400).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.common.schema_errors import response_codes
from apps.users.services import token_pair_for

from .test_api_envelope import _assert_envelope

JSON = "application/json"
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the OpenAPI document, {parameter} placeholders
    media_type: str  # the other media type
    format: str | None  # its ?format= value, when a renderer offers one
    public: bool  # readable without a token
    has_object: bool  # the address names an object


@functools.cache
def _schema() -> dict[str, Any]:
    """The generated document, once per process: the tests only read it."""
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def _formats(view_class: Any) -> dict[str, str]:
    return {r.media_type: r.format for r in getattr(view_class, "renderer_classes", ()) if getattr(r, "format", None)}


def non_json_operations() -> list[Operation]:
    found = []
    for path, item in _schema()["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            successes = [r for status, r in operation["responses"].items() if str(status).startswith("2")]
            others = {media for r in successes for media in r.get("content", {}) if media != JSON}
            if not others:
                continue
            view_class = resolve(_address(path)).func.cls
            for media_type in sorted(others):
                found.append(
                    Operation(
                        method=method.upper(),
                        path=path,
                        media_type=media_type,
                        format=_formats(view_class).get(media_type),
                        public={} in operation.get("security", [{}]),
                        has_object=bool(_PARAMETER.search(path)),
                    )
                )
    return found


def _address(path: str) -> str:
    """The address with every parameter naming something that does not exist."""
    return _PARAMETER.sub(lambda m: "no-such-slug" if m.group(1) == "slug" else str(uuid.uuid4()), path)


def _batch() -> str:
    from apps.treks.tests.factories import BatchFactory

    return str(BatchFactory().pk)


def _trek() -> str:
    from apps.treks.tests.factories import TrekFactory

    return str(TrekFactory().slug)


# Parameter -> a seed making an object it can name (a 403 needs the object to exist). A new parameter in a
# non-JSON operation's address fails the test until it has a seed here.
def _tax_document() -> str:
    """A tax invoice: a booking paid through the local gateway."""
    from apps.bookings import services
    from apps.bookings.models import TaxDocument
    from apps.bookings.tests.conftest import pay_order, people, with_emergency_contact
    from apps.treks.tests.factories import BatchFactory
    from apps.users.tests.factories import UserFactory

    user = with_emergency_contact(UserFactory())
    booking = services.booking_create(user=user, batch_id=BatchFactory().pk, participants=people(1))
    return str(TaxDocument.objects.get(payment=pay_order(booking)).pk)


SEEDS = {"batch_id": _batch, "slug": _trek, "document_id": _tax_document}
# Parameters naming what belongs to one trekker: anyone else is answered 404, as if it did not exist.
HIDDEN_FROM_OTHERS = {"document_id"}


def _existing_address(path: str) -> str:
    return _PARAMETER.sub(lambda m: SEEDS[m.group(1)](), path)


OPERATIONS = non_json_operations()


def test_the_document_and_the_views_name_the_same_non_json_operations() -> None:
    from .routes import all_routes

    by_renderer = {
        route.name
        for route in all_routes(("admin/", "static/", "media/"))
        if route.pattern.startswith("api/") and any(media != JSON for media in _media_types(route.view_class))
    }
    documented = {resolve(_address(op.path)).url_name for op in OPERATIONS}
    # The OpenAPI document itself (YAML by default) is no operation of the API: it is not in itself.
    assert by_renderer - {"schema"} == documented
    assert {
        "batch-manifest",
        "incident-active-geojson",
        "trek-route",
        "booking-document-download",
    } <= documented


def _media_types(view_class: Any) -> set[str]:
    return {r.media_type for r in getattr(view_class, "renderer_classes", ()) if "html" not in r.media_type}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path} {op.media_type}")
def test_the_errors_of_a_non_json_operation_are_documented_as_json(operation: Operation) -> None:
    responses = _schema()["paths"][operation.path][operation.method.lower()]["responses"]
    errors = {status: response for status, response in responses.items() if str(status)[0] in "45"}
    assert {"401", "404"} & set(errors) or operation.public
    for status, response in errors.items():
        assert set(response["content"]) == {JSON}, (status, response["content"])
        assert response_codes(_schema(), response), status  # the envelope, its code one of those listed


def _asks(operation: Operation) -> list[tuple[dict[str, str], str]]:
    """The ways of asking for the other format: its Accept header, and its ?format= when it has one."""
    ways: list[tuple[dict[str, str], str]] = [({}, operation.media_type)]
    if operation.format:
        ways.append(({"format": operation.format}, "*/*"))
    return ways


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path} {op.media_type}")
def test_a_non_json_operation_answers_its_errors_in_the_json_envelope(operation: Operation, make_user: Any) -> None:
    trekker = token_pair_for(make_user())["access"]
    admin = token_pair_for(make_user(staff_role="super_admin"))["access"]
    cases: list[tuple[int, str, str | None, dict[str, str]]] = [
        (400, _address(operation.path), admin, {f"field{n}": "x" for n in range(1001)}),
    ]
    if resolve(_address(operation.path)).func.cls.authentication_classes:  # a link that carries its own token: none
        cases.append((401, _address(operation.path), "not-a-token", {}))
    if not operation.public:
        # someone else's invoice is not found (its existence is not told); staff-only objects are forbidden
        hidden = any(name in HIDDEN_FROM_OTHERS for name in _PARAMETER.findall(operation.path))
        cases.append((404 if hidden else 403, _existing_address(operation.path), trekker, {}))
    if operation.has_object:
        cases.append((404, _address(operation.path), admin, {}))
    wrong: list[str] = []
    for status, url, token, query in cases:
        for ask, accept in _asks(operation):
            client = APIClient()
            if token:
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            response = client.generic(operation.method, url, QUERY_STRING=_query({**query, **ask}), HTTP_ACCEPT=accept)
            _assert_envelope(response, status, f"{operation.method} {url} {ask or accept}", wrong)
            if response.get("Content-Type", "").startswith(JSON):
                assert json.loads(response.content)["error"]["status_code"] == status
    assert not wrong, "\n".join(wrong)


def _query(params: dict[str, str]) -> str:
    return urlencode(params)
