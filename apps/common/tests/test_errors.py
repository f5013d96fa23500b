from __future__ import annotations

import logging
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.urls("apps.common.tests.urls")]


def envelope(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status_code", "code", "message", "details", "request_id"}
    assert error["status_code"] == response.status_code
    assert error["request_id"] == response["X-Request-ID"]
    return error


def test_validation_error_400(api_client: APIClient) -> None:
    error = envelope(api_client.get("/boom/validation/", {"name": "much too long"}))
    assert error["code"] == "validation_error"
    assert "name" in error["details"]


def test_django_validation_error_400(api_client: APIClient) -> None:
    error = envelope(api_client.get("/boom/django-validation/"))
    assert (error["code"], error["details"]) == ("validation_error", {"field": ["bad value"]})


def test_not_authenticated_401(api_client: APIClient) -> None:
    response = api_client.get("/needs-auth/")
    error = envelope(response)
    assert (response.status_code, error["code"]) == (401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_malformed_token_401(api_client: APIClient) -> None:
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api_client.get("/needs-auth/")
    assert (response.status_code, envelope(response)["code"]) == (401, "token_not_valid")


def test_missing_capability_403(client_for: Any, user: Any) -> None:
    response = client_for(user).get("/needs-capability/")
    assert (response.status_code, envelope(response)["code"]) == (403, "permission_denied")


def test_capability_granted(client_for: Any, staff_user: Any) -> None:
    assert client_for(staff_user("content")).get("/needs-capability/").status_code == 200


def test_django_permission_denied_403(api_client: APIClient) -> None:
    response = api_client.get("/boom/django-denied/")
    assert (response.status_code, envelope(response)["code"]) == (403, "permission_denied")


def test_http404_inside_api_404(api_client: APIClient) -> None:
    response = api_client.get("/boom/http404/")
    assert (response.status_code, envelope(response)["code"]) == (404, "not_found")


def test_unknown_url_404(api_client: APIClient) -> None:
    response = api_client.get("/no/such/thing/")
    assert (response.status_code, envelope(response)["code"]) == (404, "not_found")


def test_method_not_allowed_405(api_client: APIClient) -> None:
    response = api_client.delete("/only-get/")
    assert (response.status_code, envelope(response)["code"]) == (405, "method_not_allowed")


def test_domain_conflict_409(api_client: APIClient) -> None:
    response = api_client.get("/boom/conflict/")
    error = envelope(response)
    assert (response.status_code, error["code"], error["details"]) == (409, "batch_full", {"seats_left": 0})
    assert error["message"] == "Seats are gone."


def test_unique_integrity_error_409(api_client: APIClient) -> None:
    response = api_client.get("/boom/unique/")
    assert (response.status_code, envelope(response)["code"]) == (409, "already_exists")


def test_other_integrity_error_409(api_client: APIClient) -> None:
    response = api_client.get("/boom/integrity/")
    assert (response.status_code, envelope(response)["code"]) == (409, "conflict")


def test_throttled_429_with_retry_after(api_client: APIClient) -> None:
    response = api_client.get("/boom/throttled/")
    error = envelope(response)
    assert (response.status_code, error["code"], response["Retry-After"]) == (429, "throttled", "42")
    assert error["details"] == {"retry_after": 42}


def test_domain_rate_limit_429(api_client: APIClient) -> None:
    response = api_client.get("/boom/rate-limited/")
    assert (response.status_code, response["Retry-After"]) == (429, "30")


def test_database_unavailable_503(api_client: APIClient) -> None:
    response = api_client.get("/boom/db-down/")
    error = envelope(response)
    assert (response.status_code, error["code"]) == (503, "service_unavailable")
    assert "10.0.0.5" not in response.content.decode()


def test_unhandled_error_500_reveals_nothing(api_client: APIClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = api_client.get("/boom/crash/", HTTP_X_REQUEST_ID="req-500-check")
    error = envelope(response)
    assert (response.status_code, error["code"], error["request_id"]) == (500, "server_error", "req-500-check")
    assert "secret" not in response.content.decode()
    assert "hunter2" not in response.content.decode()
    assert any(record.exc_info for record in caplog.records), "the 500 is logged with its traceback"


def test_django_level_500_handler_returns_envelope(rf: Any) -> None:
    from apps.common.exceptions import server_error

    request = rf.get("/x/")
    request.request_id = "abc"
    response = server_error(request)
    assert response.status_code == 500
    assert b'"code": "server_error"' in response.content


def test_csrf_failure_uses_envelope(rf: Any) -> None:
    from apps.common.exceptions import bad_request, csrf_failure

    assert csrf_failure(rf.post("/x/")).status_code == 403
    assert bad_request(rf.get("/x/")).status_code == 400
