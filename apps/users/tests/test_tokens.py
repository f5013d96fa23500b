"""Refresh-token safety: rotation under concurrency, deactivated users, library version and blacklist."""

from __future__ import annotations

from functools import partial
from importlib.metadata import version
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.common.tests.race import Race
from apps.users.models import User
from apps.users.services import token_pair_for

REFRESH = "/api/v1/auth/token/refresh/"


def test_simplejwt_is_recent_and_the_blacklist_is_installed() -> None:
    parts = tuple(int(part) for part in version("djangorestframework-simplejwt").split(".")[:3])
    assert parts >= (5, 5, 1)
    assert "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"]
    assert settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]


@pytest.mark.django_db
def test_refresh_rotates(api_client: APIClient, user: User) -> None:
    pair = token_pair_for(user)
    first = api_client.post(REFRESH, {"refresh": pair["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != pair["refresh"]
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}).status_code == 401  # the old one is spent
    assert api_client.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200


@pytest.mark.django_db
def test_deactivated_user_cannot_refresh(api_client: APIClient, user: User) -> None:
    pair = token_pair_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post(REFRESH, {"refresh": pair["refresh"]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/users/me/").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_yield_exactly_one_pair(user: User, race: Race) -> None:
    refresh = token_pair_for(user)["refresh"]
    responses = race(*(partial(APIClient().post, REFRESH, {"refresh": refresh}, format="json") for _ in range(8)))
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [200] + [401] * 7


@pytest.mark.django_db
def test_logout_revokes_the_refresh_token(client_for: Any, user: User, api_client: APIClient) -> None:
    pair = token_pair_for(user)
    assert client_for(user).post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}).status_code == 204
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}).status_code == 401


@pytest.mark.django_db
def test_an_access_token_loads_its_whole_user_in_one_statement_and_keeps_simplejwts_checks(
    api_client: APIClient, user: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory

    from apps.users.authentication import JWTAuthentication

    pair = token_pair_for(user)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    with CaptureQueriesContext(connection) as queries:
        found, _ = JWTAuthentication().authenticate(request)  # type: ignore[misc]
    assert len(queries) == 1
    assert found == user
    assert found.get_deferred_fields() == set()  # every column: reading any field costs no query
    by_orm = User.objects.get(pk=user.pk)
    assert {field.attname: getattr(found, field.attname) for field in User._meta.concrete_fields} == {
        field.attname: getattr(by_orm, field.attname) for field in User._meta.concrete_fields
    }
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get("/api/v1/users/me/").status_code == 200
    user.set_password("An0ther-Passw0rd!")  # a password change voids the access tokens issued before it
    user.save(update_fields=["password"])
    response = api_client.get("/api/v1/users/me/")
    assert response.status_code == 401
    fresh = token_pair_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # and a deactivated user is refused
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh['access']}")
    assert api_client.get("/api/v1/users/me/").status_code == 401


@pytest.mark.django_db
def test_a_checked_access_token_is_remembered_and_its_expiry_still_applies(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone
    from rest_framework_simplejwt.backends import TokenBackend

    decoded: list[Any] = []
    decode = TokenBackend.decode
    monkeypatch.setattr(TokenBackend, "decode", lambda self, *a, **k: decoded.append(a) or decode(self, *a, **k))
    access = token_pair_for(user)["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert [api_client.get("/api/v1/users/me/").status_code for _ in range(3)] == [200, 200, 200]
    assert len(decoded) == 1  # the signature is checked once, the user row read every time

    head, body, signature = access.split(".")
    forged = f"{head}.{body}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
    for _ in range(2):  # a refused token is refused again, never remembered
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert api_client.get("/api/v1/users/me/").status_code == 401

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    User.objects.filter(pk=user.pk).update(is_active=False)  # authority gone: the remembered token is refused
    assert api_client.get("/api/v1/users/me/").status_code == 401
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert api_client.get("/api/v1/users/me/").status_code == 200

    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    with time_machine.travel(timezone.now() + lifetime + timedelta(seconds=5)):
        response = api_client.get("/api/v1/users/me/")  # expired since it was remembered
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"
