"""The error ``code`` enum of each operation: platform codes from its shape, application errors by declaration."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import AllowAny, IsAuthenticated

from apps.bookings.errors import AlreadyBooked, BatchFull
from apps.common.exceptions import NotFound
from apps.common.schema import error_responses
from apps.common.schema_errors import TOKEN, declared_errors, platform_codes, response_codes
from apps.users.permissions import HasCapability
from apps.users.roles import Capability
from tests import error_codes


def _shape(**overrides: Any) -> dict[int, set[str]]:
    shape: dict[str, Any] = {
        "authenticated": False,
        "optional_auth": False,
        "permissions": [AllowAny],
        "body": False,
        "path_params": False,
        "query_params": False,
        "paginated": False,
    }
    return platform_codes(**(shape | overrides))


def test_any_operation_may_be_refused_by_accept_throttled_or_unavailable() -> None:
    assert _shape() == {
        400: {"too_many_fields"},  # a query string over DATA_UPLOAD_MAX_NUMBER_FIELDS
        404: {"not_found"},  # an unknown ?format=
        406: {"not_acceptable"},
        429: {"throttled"},
        503: {"service_unavailable"},
    }


def test_a_token_brings_simplejwt_codes_and_not_authenticated_unless_optional() -> None:
    required = _shape(authenticated=True, permissions=[IsAuthenticated])
    assert required[401] == {*TOKEN, "not_authenticated"}
    assert "token_not_valid" in required[401]
    assert "user_inactive" in required[401]
    assert 403 not in required  # IsAuthenticated refuses an anonymous caller with 401, never 403
    assert _shape(authenticated=True, optional_auth=True)[401] == set(TOKEN)


def test_a_permission_class_beyond_authentication_brings_permission_denied() -> None:
    assert _shape(authenticated=True, permissions=[HasCapability(Capability.CATALOG_WRITE)])[403] == {
        "permission_denied"
    }


def test_a_body_brings_the_parser_size_and_media_type_codes() -> None:
    codes = _shape(body=True)
    assert {"validation_error", "parse_error", "json_too_deep", "non_finite_number", "nul_character"} <= codes[400]
    assert codes[413] == {"request_too_large"}
    assert codes[415] == {"unsupported_media_type"}


def test_path_parameters_and_pages_bring_not_found_and_filters_validation_error() -> None:
    assert _shape(path_params=True)[404] == {"not_found"}
    assert _shape(paginated=True)[404] == {"not_found"}
    assert _shape(query_params=True)[400] == {"validation_error", "too_many_fields"}


def test_an_error_class_declares_its_status_and_code_a_status_alone_none() -> None:
    assert declared_errors(BatchFull, AlreadyBooked, NotFound, 401) == {
        409: {"batch_full", "already_booked"},
        404: {"not_found"},
        401: set(),
    }
    assert set(error_responses(BatchFull, 400)) == {409, 400}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return generated


def test_every_error_response_of_every_operation_lists_its_codes(schema: dict[str, Any]) -> None:
    missing = [
        (operation["operationId"], status)
        for item in schema["paths"].values()
        for operation in item.values()
        for status, response in operation["responses"].items()
        if status[:1] in {"4", "5"} and not response_codes(schema, response)
    ]
    assert missing == []


def test_an_operation_documents_its_declared_and_platform_codes(schema: dict[str, Any]) -> None:
    create = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]
    assert response_codes(schema, create["409"]) == {
        "batch_full",
        "batch_not_bookable",
        "already_booked",
        "coupon_exhausted",
        "add_on_sold_out",
        "add_on_closed",
    }
    assert {"validation_error", "coupon_invalid", "not_eligible", "add_on_unavailable", "parse_error"} <= (
        response_codes(schema, create["400"]) or set()
    )
    assert response_codes(schema, create["401"]) == {*TOKEN, "not_authenticated"}
    assert create["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AuthenticationError"
    }
    trek = schema["paths"]["/api/v1/treks/{slug}/"]["get"]["responses"]
    assert response_codes(schema, trek["404"]) == {"not_found"}
    assert response_codes(schema, trek["401"]) == set(TOKEN)  # anonymous reads: a bad token only


def test_an_undeclared_code_answered_is_reported() -> None:
    answered = [
        error_codes.Answer("POST", "/api/v1/bookings/", 409, "batch_full"),
        error_codes.Answer("POST", "/api/v1/bookings/", 409, "refund_at_gateway"),
        error_codes.Answer("GET", "/api/v1/no-such-place/", 404, "not_found"),
        error_codes.Answer("GET", "/api/v1/bookings/", 500, "server_error"),
    ]
    problems = error_codes.undeclared(answered)
    assert len(problems) == 1
    assert "bookingCreate" in problems[0]
    assert "refund_at_gateway" in problems[0]
