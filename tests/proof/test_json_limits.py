"""Deeply nested JSON is a 400 envelope wherever JSON is read, signed in or not, at the top or in a field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.common.parsers import JSONParser
from apps.common.tests.test_errors import envelope
from apps.users.services import token_pair_for

from .actors import build_world
from .matrix import EXCLUDED_PREFIXES
from .routes import view_classes

LOGIN = "/api/v1/auth/login/"
JSON = "application/json"


def nested_arrays(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def nested_objects(depth: int, inner: str = "1") -> str:
    return '{"a": ' * depth + inner + "}" * depth


def test_every_view_reads_json_through_the_strict_parser() -> None:
    """A view that names its own parsers must not bring back DRF's plain JSON parser."""
    plain = []
    for name, view in sorted(view_classes(EXCLUDED_PREFIXES).items()):
        for parser in getattr(view, "parser_classes", ()):
            if parser.media_type == JSON and not issubclass(parser, JSONParser):
                plain.append(
                    f"{name}: {view.__module__}.{view.__qualname__} uses {parser.__module__}.{parser.__name__}"
                )
    assert not plain, "\n".join(plain)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [nested_arrays(100_000), nested_objects(50_000), nested_arrays(33), nested_objects(33)],
    ids=["100k-arrays", "50k-objects", "33-arrays", "33-objects"],
)
def test_too_deep_body_on_an_unauthenticated_route_is_400(api_client: APIClient, body: str) -> None:
    response = api_client.post(LOGIN, body, content_type=JSON)
    error = envelope(response)
    assert (response.status_code, error["code"]) == (400, "json_too_deep")
    assert "32" in error["message"]


@pytest.mark.django_db
def test_depth_at_the_limit_reaches_validation(api_client: APIClient) -> None:
    response = api_client.post(LOGIN, '{"email": ' + nested_arrays(31, '"x"') + "}", content_type=JSON)
    assert (response.status_code, envelope(response)["code"]) == (400, "validation_error")


@pytest.mark.django_db
def test_depth_limit_is_a_setting(api_client: APIClient, settings) -> None:
    body = '{"email": ' + nested_arrays(4, '"x"') + "}"
    assert envelope(api_client.post(LOGIN, body, content_type=JSON))["code"] == "validation_error"
    settings.JSON_MAX_DEPTH = 4
    assert envelope(api_client.post(LOGIN, body, content_type=JSON))["code"] == "json_too_deep"


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [60_000, 40])
def test_too_deep_health_declaration_is_400_and_stores_nothing(depth: int) -> None:
    world = build_world()
    owner = world.users["owner"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(owner)['access']}")  # type: ignore[arg-type]
    url = f"/api/v1/bookings/{world.booking.id}/documents/"
    body = '{"kind": "health_declaration", "answers": {"conditions": ' + nested_arrays(depth, '"asthma"') + "}}"
    response = client.post(url, body, content_type=JSON)
    error = envelope(response)
    assert (response.status_code, error["code"]) == (400, "json_too_deep")
    world.booking.refresh_from_db()
    assert world.booking.health_declaration is None

    nul = '{"kind": "health_declaration", "answers": {"conditions": "asthma\\u0000"}}'
    assert envelope(client.post(url, nul, content_type=JSON))["code"] == "nul_character"

    shallow = '{"kind": "health_declaration", "answers": {"conditions": ' + nested_arrays(3, '"asthma"') + "}}"
    assert client.post(url, shallow, content_type=JSON).status_code == 200
    world.booking.refresh_from_db()
    assert world.booking.health_declaration == {"conditions": [[["asthma"]]]}
