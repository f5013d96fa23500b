"""The OpenAPI documentation of the accounts endpoints."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

from apps.common.schema_errors import response_codes

ENDPOINTS = {
    "/api/v1/auth/google/": {"post": {400, 401, 429, 503}},
    "/api/v1/auth/otp/send/": {"post": {400, 429, 503}},
    "/api/v1/auth/otp/verify/": {"post": {400, 429, 503}},
    "/api/v1/auth/email/verify/": {"post": {400, 409}},
    "/api/v1/auth/email/verify/resend/": {"post": {401}},
    "/api/v1/auth/password/reset/": {"post": {400, 429}},
    "/api/v1/auth/password/reset/confirm/": {"post": {400}},
    "/api/v1/auth/password/change/": {"post": {400, 401}},
    "/api/v1/users/me/": {"get": {401}, "patch": {400, 401, 409}, "delete": {401}},
    "/api/v1/users/me/photo/": {"put": {400, 401}, "delete": {401}},
    "/api/v1/users/me/email/": {"post": {400, 401}},
    "/api/v1/users/me/phone/": {"post": {400, 401, 429, 503}},
    "/api/v1/users/me/phone/verify/": {"post": {400, 401, 409}},
    "/api/v1/users/me/points/": {"get": {401}},
    "/api/v1/users/me/emergency-contacts/": {"get": {401}, "post": {400, 401, 409}},
    "/api/v1/users/me/emergency-contacts/{id}/": {
        "get": {401, 404},
        "put": {400, 401, 404},
        "patch": {400, 401, 404},
        "delete": {401, 404},
    },
    "/api/v1/users/staff/": {"get": {401, 403}},
    "/api/v1/users/{user_id}/role/": {"put": {400, 401, 403, 404}},
}


def test_every_accounts_endpoint_documents_its_errors() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        for method, codes in methods.items():
            responses = schema["paths"][path][method]["responses"]
            for code in codes:
                assert response_codes(schema, responses[str(code)]), (path, method, code)
