from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.common.tests.race import Race
from apps.users.models import User
from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/users/me/"


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


# --- register ---------------------------------------------------------------------------------


def test_register_creates_account_and_returns_tokens(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER, {"email": "  Priya.Sharma@Example.COM ", "password": "Kedarkantha-3810", "first_name": "Priya"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"]["email"] == "priya.sharma@example.com"
    assert body["user"]["tribe_tier"] == "basecamp"
    assert {"access", "refresh"} <= set(body)
    user = User.objects.get(email="priya.sharma@example.com")
    assert user.check_password("Kedarkantha-3810")
    assert not user.is_staff
    assert not user.email_verified


def test_register_duplicate_email_is_a_clear_conflict(api_client: APIClient) -> None:
    UserFactory(email="taken@example.com")
    response = api_client.post(REGISTER, {"email": "TAKEN@example.com", "password": "Kedarkantha-3810"})
    assert response.status_code == 409
    assert error_code(response) == "email_taken"
    assert User.objects.filter(email="taken@example.com").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": "12345678901"}, "password"),
        ({"email": "a@example.com", "password": "password123"}, "password"),
        ({"email": "not-an-email", "password": "Kedarkantha-3810"}, "email"),
        ({"password": "Kedarkantha-3810"}, "email"),
        ({"email": "a@example.com"}, "password"),
    ],
)
def test_register_rejects_invalid_input(api_client: APIClient, payload: dict[str, str], field: str) -> None:
    response = api_client.post(REGISTER, payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not User.objects.exists()


def test_register_rejects_password_similar_to_email(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, {"email": "roopkund.trail@example.com", "password": "roopkund.trail"})
    assert response.status_code == 400


def test_register_ignores_privileged_fields(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER,
        {
            "email": "sneaky@example.com",
            "password": "Kedarkantha-3810",
            "staff_role": "super_admin",
            "is_staff": True,
            "obs_points": 99999,
            "tribe_tier": "obs_legend",
        },
    )
    assert response.status_code == 201
    user = User.objects.get(email="sneaky@example.com")
    assert (user.staff_role, user.is_staff, user.is_superuser, user.obs_points, user.tribe_tier) == (
        None,
        False,
        False,
        0,
        "basecamp",
    )


# --- login ------------------------------------------------------------------------------------


def test_login_returns_a_working_pair(api_client: APIClient) -> None:
    user = UserFactory(email="login@example.com")
    response = api_client.post(LOGIN, {"email": "LOGIN@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    access = response.json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    me = api_client.get(ME)
    assert me.status_code == 200
    assert me.json()["id"] == str(user.id)


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "login@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
    ],
)
def test_login_wrong_credentials_401_same_answer(api_client: APIClient, payload: dict[str, str]) -> None:
    UserFactory(email="login@example.com")
    response = api_client.post(LOGIN, payload)
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert response.json()["error"]["message"] == "E-mail or password is incorrect."


def test_login_inactive_user_401(api_client: APIClient) -> None:
    UserFactory(email="gone@example.com", is_active=False)
    response = api_client.post(LOGIN, {"email": "gone@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


def test_login_invalid_payload_400(api_client: APIClient) -> None:
    assert api_client.post(LOGIN, {"email": "x"}).status_code == 400


def test_login_is_throttled(api_client: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.common.throttles import LoginThrottle

    monkeypatch.setattr(LoginThrottle, "rate", "3/min", raising=False)
    codes = [api_client.post(LOGIN, {"email": "a@example.com", "password": "x"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_token(api_client: APIClient) -> None:
    user = UserFactory()
    pair = api_client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}).json()
    first = api_client.post(REFRESH, {"refresh": pair["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != pair["refresh"]
    reused = api_client.post(REFRESH, {"refresh": pair["refresh"]})
    assert reused.status_code == 401
    assert error_code(reused) == "token_not_valid"
    assert api_client.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_refresh_malformed_token(api_client: APIClient, token: str) -> None:
    response = api_client.post(REFRESH, {"refresh": token})
    assert response.status_code in (400, 401)
    assert "error" in response.json()


def test_refresh_expired_token_401(api_client: APIClient) -> None:
    user = UserFactory()
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        old = str(RefreshToken.for_user(user))
    response = api_client.post(REFRESH, {"refresh": old})
    assert response.status_code == 401


def test_refresh_with_access_token_is_rejected(api_client: APIClient) -> None:
    user = UserFactory()
    access = str(AccessToken.for_user(user))
    assert api_client.post(REFRESH, {"refresh": access}).status_code == 401


def test_refresh_for_deactivated_user_401(api_client: APIClient) -> None:
    user = UserFactory()
    refresh = str(RefreshToken.for_user(user))
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_client.post(REFRESH, {"refresh": refresh}).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_yield_one_pair(race: Race) -> None:
    user = UserFactory()
    refresh = str(RefreshToken.for_user(user))
    responses = race(*(partial(APIClient().post, REFRESH, {"refresh": refresh}) for _ in range(8)))
    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [200] + [401] * 7


# --- logout and access tokens ------------------------------------------------------------------


def test_logout_blacklists_refresh(api_client: APIClient) -> None:
    user = UserFactory()
    pair = api_client.post(LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.post(LOGOUT, {"refresh": pair["refresh"]}).status_code == 204
    response = APIClient().post(REFRESH, {"refresh": pair["refresh"]})
    assert response.status_code == 401


def test_logout_requires_authentication(api_client: APIClient) -> None:
    assert api_client.post(LOGOUT, {"refresh": "x"}).status_code == 401


def test_logout_with_someone_elses_refresh_is_refused(client_for: Any) -> None:
    me, other = UserFactory(), UserFactory()
    others_refresh = str(RefreshToken.for_user(other))
    response = client_for(me).post(LOGOUT, {"refresh": others_refresh})
    assert response.status_code == 401
    assert APIClient().post(REFRESH, {"refresh": others_refresh}).status_code == 200


def test_logout_with_garbage_token(client_for: Any) -> None:
    assert client_for(UserFactory()).post(LOGOUT, {"refresh": "nope"}).status_code == 401
    assert client_for(UserFactory()).post(LOGOUT, {}).status_code == 400


def test_expired_access_token_401(api_client: APIClient) -> None:
    user = UserFactory()
    with time_machine.travel(timezone.now() - timedelta(minutes=16)):
        access = str(AccessToken.for_user(user))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api_client.get(ME)
    assert response.status_code == 401
    assert error_code(response) == "token_not_valid"


def test_access_token_with_bad_signature_401(api_client: APIClient) -> None:
    access = str(AccessToken.for_user(UserFactory()))
    header, payload, signature = access.split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tampered}")
    assert api_client.get(ME).status_code == 401


def test_revoke_all_tokens(api_client: APIClient) -> None:
    from apps.users.services import user_revoke_all_tokens

    user = UserFactory()
    tokens = [str(RefreshToken.for_user(user)) for _ in range(3)]
    assert user_revoke_all_tokens(user=user) == 3
    assert all(api_client.post(REFRESH, {"refresh": token}).status_code == 401 for token in tokens)
    assert user_revoke_all_tokens(user=user) == 0


def test_token_lifetimes_follow_the_house_rules(settings: Any) -> None:
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(minutes=15)
    assert settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] == timedelta(days=7)
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] is True
    assert settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"] is True
