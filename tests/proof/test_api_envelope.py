"""Every answer under /api/ that is not a success is JSON in the error envelope, with DEBUG on or off.

Django's HTML pages (the DEBUG 404 page among them) never appear there: unknown addresses answer 404, a method a
route does not take 405, whatever the view renders on success (CSV, GeoJSON, YAML, the HTML documentation pages).
The addresses are generated from the routes themselves, so a new route is covered without listing it. And no
response carries a hop-by-hop header, which WSGI servers refuse (PEP 3333).
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit
from wsgiref.util import is_hop_by_hop, setup_testing_defaults
from wsgiref.validate import validator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from apps.common.exceptions import api_not_found
from apps.common.views import API_AREAS
from apps.users.services import token_pair_for

from .matrix import EXCLUDED_PREFIXES
from .routes import Route, all_routes

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<path>\w+)>|\(\?P<(?P<regex>\w+)>")

# Addresses no route answers: odd characters, encoded control bytes, broken UTF-8, traversal, length.
UNKNOWN = (
    "/api",
    "/api/",
    "/api/v2/treks/",
    "/api/v1/no-such-area/",
    "/api/v1//",
    "/api/v1/caf%C3%A9/%E2%9B%B0%EF%B8%8F/",
    "/api/v1/%00/",
    "/api/v1/treks/%00",
    "/api/v1/%0D%0A/",
    "/api/v1/%FF%FE/",
    "/api/v1/%2e%2e/%2e%2e/etc/passwd",
    "/api/schema/x/",
    "/api/docs/x/",
    "/api/v1/" + "a" * 4000 + "/",
)
# Appended to every route's own address, one after another: addresses next to each real one.
# The long one ends in a character no slug or uuid takes, so a list route plus it never spells a detail address.
SUFFIXES = ("~{token}/", "caf%C3%A9-%E2%9B%B0/", "%00/", "%0A{token}", "{token}" * 100 + "~/")


def _api_routes() -> list[Route]:
    return [
        r
        for r in all_routes(EXCLUDED_PREFIXES)
        if r.pattern.lstrip("^").startswith("api") and r.name != "api-not-found"
    ]


def _address(route: Route) -> str:
    """The route's address with every parameter filled with something that does not exist."""
    kwargs = {}
    for m in _PARAM.finditer(route.pattern):
        name = m["path"] or m["regex"]
        if name == "format":
            continue
        if m["converter"] == "int":
            kwargs[name] = "987654"  # a position no booking has
        else:
            kwargs[name] = "no-such-slug" if name == "slug" else str(uuid.uuid4())
    return reverse(route.name, kwargs=kwargs)


def _assert_envelope(response: Any, status: int | None, where: str, wrong: list[str]) -> None:
    content_type = response.get("Content-Type", "")
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        wrong.append(f"{where}: {response.status_code} {content_type} {response.content[:120]!r}")
        return
    expected = status or response.status_code
    if not (
        response.status_code == expected
        and content_type.startswith("application/json")
        and set(error) == {"status_code", "code", "message", "details", "request_id"}
        and error["status_code"] == expected
        and error["request_id"]
    ):
        wrong.append(f"{where}: {response.status_code} {content_type} {response.content[:160]!r}")


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request: pytest.FixtureRequest, settings: Any) -> bool:
    settings.DEBUG = request.param
    return bool(request.param)


@pytest.mark.django_db
def test_unknown_addresses_under_api_answer_the_404_envelope(debug: bool) -> None:
    client = APIClient()
    wrong: list[str] = []
    for url in UNKNOWN:
        for method in (*METHODS, "OPTIONS"):
            response = client.generic(method, url)
            _assert_envelope(response, 404, f"{method} {url[:80]}", wrong)
    for index, route in enumerate(_api_routes()):
        url = _address(route) + SUFFIXES[index % len(SUFFIXES)].format(token=uuid.uuid4().hex[:8])
        for method in ("GET", "POST"):
            _assert_envelope(client.generic(method, url), 404, f"{method} {url[:80]}", wrong)
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_missing_trailing_slash_is_a_404_naming_the_address(debug: bool) -> None:
    wrong: list[str] = []
    routes = [r for r in _api_routes() if _address(r).endswith("/")]
    for route in routes:
        url = _address(route).rstrip("/")
        response = APIClient().generic(route.method, url)
        _assert_envelope(response, 404, f"{route.method} {url}", wrong)
        if not wrong and response.json()["error"]["details"] != {"did_you_mean": f"{url}/"}:
            wrong.append(f"{route.method} {url}: {response.json()['error']}")
    assert routes
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_a_method_a_route_does_not_take_is_the_405_envelope(debug: bool, make_user: Any) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(make_user(staff_role='super_admin'))['access']}")
    allowed: dict[str, set[str]] = {}
    addresses: dict[str, str] = {}
    for route in _api_routes():
        allowed.setdefault(route.name, set()).add(route.method)
        addresses[route.name] = _address(route)
    wrong: list[str] = []
    for name, methods in sorted(allowed.items()):
        for method in sorted(set(METHODS) - methods):
            cache.delete_pattern("*")  # scoped throttles (checked before the method) start empty
            response = client.generic(method, addresses[name])
            _assert_envelope(response, 405, f"{method} {addresses[name]} ({name})", wrong)
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "accept"),
    [("?format=no-such-format", "*/*"), ("", "text/csv"), ("", "text/html"), ("?format=csv", "text/csv")],
)
def test_errors_are_json_whatever_the_route_renders(debug: bool, query: str, accept: str) -> None:
    """Anonymous reads of objects that do not exist, asking for other formats: every error is JSON."""
    wrong: list[str] = []
    errors = 0
    for route in _api_routes():
        if route.method != "GET":
            continue
        url = _address(route) + query
        response = APIClient().get(url, HTTP_ACCEPT=accept)
        if response.status_code >= 400:
            errors += 1
            _assert_envelope(response, None, f"GET {url} Accept: {accept}", wrong)
    assert errors >= 20  # most routes are protected or point at nothing
    assert not wrong, "\n".join(wrong)


# --- the index -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_root_is_an_index_of_the_areas_with_links_to_the_docs(debug: bool) -> None:
    client = APIClient()
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    index = response.json()
    assert [area["name"] for area in index["areas"]] == [
        "catalog",
        "auth",
        "me",
        "bookings",
        "community",
        "messaging",
        "emergency",
        "notifications",
    ]
    tags = {tag for ops in SchemaGenerator().get_schema(public=True)["paths"].values() for op in ops.values()
            for tag in op.get("tags", [])}  # fmt: skip
    for area in index["areas"]:
        assert area["name"] in tags, area  # its docs link opens a section of Swagger UI
        assert area["docs"] == f"{index['docs']['swagger_ui']}#/{area['name']}"
        match = resolve(urlsplit(area["url"]).path)
        assert match.func is not api_not_found, area
    for name, link in index["docs"].items():
        assert urlsplit(link).netloc == "testserver", link
        assert client.get(urlsplit(link).path).status_code == 200, name
    assert {name for name, _, _ in API_AREAS} == {area["name"] for area in index["areas"]}


def test_api_root_is_in_the_schema() -> None:
    """The index is documented like every operation (Swagger UI lists it: tests/proof/test_browser.py)."""
    assert set(SchemaGenerator().get_schema(public=True)["paths"]["/api/v1/"]) == {"get"}


# --- WSGI conformance ------------------------------------------------------------------------------------


@pytest.fixture
def wsgi_app(db: None) -> Iterator[Any]:
    """The WSGI application behind a validator (PEP 3333), on the test's connection (like Django's test client,
    the handler must not close it at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield validator(get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _wsgi_call(
    app: Any, method: str, path: str, body: bytes = b"", content_type: str = "application/json"
) -> list[str]:
    """Run one request through the WSGI application the way a server does; return hop-by-hop headers sent."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    sent: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        sent.extend(f"{name}: {value}" for name, value in headers if is_hop_by_hop(name))
        return lambda data: None

    result = app(environ, start_response)
    try:
        for _ in result:
            pass
    finally:
        result.close()
    return sent


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("POST", "/api/v1/auth/login/", b"x" * (2 * 1024 * 1024 + 1), "application/json"),
        ("POST", "/api/v1/auth/login/", b"x" * (10 * 1024 * 1024 + 1), "multipart/form-data; boundary=x"),
        ("GET", "/api/v1/no-such-area/", b"", "application/json"),
        ("GET", "/api/v1/auth/login/", b"", "application/json"),
        ("GET", "/api/v1/", b"", "application/json"),
    ],
    ids=["413-json", "413-upload", "404", "405", "200"],
)
def test_no_response_carries_a_hop_by_hop_header(
    wsgi_app: Any, method: str, path: str, body: bytes, content_type: str
) -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * 1024 * 1024
    assert settings.MAX_UPLOAD_REQUEST_SIZE == 10 * 1024 * 1024
    assert _wsgi_call(wsgi_app, method, path, body, content_type) == []
