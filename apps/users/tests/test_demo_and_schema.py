"""Demo data of the accounts domain, and the OpenAPI documentation of its endpoints."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from apps.users.models import EmergencyContact, PointsTransaction, User


@pytest.mark.django_db
def test_seed_demo_is_idempotent() -> None:
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO())
    trekker = User.objects.get(email="trekker@demo.obsexperiences.in")
    assert trekker.tribe_handle == "priya_treks"
    ledger = PointsTransaction.objects.filter(user=trekker)
    from_bookings = ledger.filter(reference__startswith="booking:")  # demo bookings completed (100 points each)
    from_challenges = ledger.filter(reason=PointsTransaction.Reason.CHALLENGE)  # community badges earned
    challenge_points = sum(from_challenges.values_list("amount", flat=True))
    assert trekker.obs_points == 1200 + 100 * from_bookings.count() + challenge_points
    assert trekker.tribe_tier == "trail_blazer"
    assert ledger.exclude(pk__in=from_bookings).exclude(pk__in=from_challenges).count() == 1
    assert EmergencyContact.objects.filter(user=trekker, is_primary=True).count() == 1


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
                body = responses[str(code)]["content"]["application/json"]["schema"]
                assert body == {"$ref": "#/components/schemas/ErrorEnvelope"}, (path, method, code)
