from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator

from apps.common.schema_errors import response_codes

ENDPOINTS = {
    "/api/v1/bookings/": {"get": {400, 401}, "post": {400, 401, 404}},
    "/api/v1/bookings/{booking_id}/": {"get": {401, 404}},
    "/api/v1/bookings/{booking_id}/cancel/": {"get": {401, 404}, "post": {400, 401, 404, 409}},
    "/api/v1/bookings/{booking_id}/payments/": {"get": {401, 404}, "post": {401, 404, 502, 503}},
    "/api/v1/bookings/{booking_id}/documents/": {"get": {401, 404}, "post": {400, 401, 404, 409}},
    "/api/v1/bookings/{booking_id}/documents/{document_id}/review/": {"post": {400, 401, 403, 404, 409}},
    "/api/v1/bookings/documents/download/": {"get": {404}},
    "/api/v1/payments/verify/": {"post": {400, 401, 404}},
    "/api/v1/payments/webhooks/razorpay/": {"post": {400}},
    "/api/v1/batches/{batch_id}/cancel/": {"get": {401, 403, 404}, "post": {400, 401, 403, 404, 409}},
    "/api/v1/batches/{batch_id}/waitlist/": {"get": {401, 404}, "post": {400, 401, 404}, "delete": {401, 404}},
    "/api/v1/batches/{batch_id}/manifest/": {"get": {401, 403, 404}},
    "/api/v1/reports/revenue/": {"get": {400, 401, 403}},
}
CONFLICTS = {
    ("/api/v1/bookings/", "post"),
    ("/api/v1/bookings/{booking_id}/payments/", "post"),
    ("/api/v1/batches/{batch_id}/waitlist/", "post"),
}


def test_every_bookings_endpoint_documents_its_errors() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        for method, codes in methods.items():
            responses = schema["paths"][path][method]["responses"]
            for code in codes:
                assert response_codes(schema, responses[str(code)]), (path, method, code)
            if (path, method) in CONFLICTS:  # documented with their domain codes
                assert response_codes(schema, responses["409"]) - {"conflict"}, (path, method)
    manifest = schema["paths"]["/api/v1/batches/{batch_id}/manifest/"]["get"]["responses"]["200"]["content"]
    assert set(manifest) == {"application/json", "text/csv"}
