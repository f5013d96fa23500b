"""Deleting the account needs proof that the caller can sign in now, not only an access token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from apps.common.throttles import LoginThrottle
from apps.users.models import SocialAccount, User
from apps.users.services import token_pair_for
from apps.users.tests.conftest import GoogleKeys, Outbox
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

PHONE = "+919812345678"
GOOGLE_SUB = "1234567890"  # the subject GoogleKeys.sign() uses
# Both ways to ask: DELETE with a JSON body, and POST for clients that cannot send a body with DELETE.
ROUTES = {
    "DELETE users/me/": lambda client, body: client.delete("/api/v1/users/me/", body, format="json"),
    "POST users/me/delete/": lambda client, body: client.post("/api/v1/users/me/delete/", body, format="json"),
}


def password_account() -> User:
    return User.objects.create_user(email="walker@example.com", password=DEFAULT_PASSWORD, email_verified=True)


def phone_account() -> User:
    return User.objects.create_user(phone=PHONE, phone_verified=True)


def google_account() -> User:
    user = User.objects.create_user(email="hiker@gmail.com", email_verified=True)
    SocialAccount.objects.create(user=user, provider="google", uid=GOOGLE_SUB, email=user.email)
    return user


def _texted_code(api_client: Any, sent: Outbox, phone: str = PHONE) -> str:
    assert api_client.post("/api/v1/auth/otp/send/", {"phone": phone}, format="json").status_code == 202
    return sent.last_code()


@pytest.fixture
def proofs(api_client: Any, sent: Outbox, google: GoogleKeys) -> dict[str, Callable[[User], dict[str, str]]]:
    """Bodies by name: the right proof for each kind of account, and every kind of wrong or missing one."""
    return {
        "nothing": lambda user: {},
        "blank fields": lambda user: {"password": "", "otp": "", "id_token": ""},
        "right password": lambda user: {"password": DEFAULT_PASSWORD},
        "wrong password": lambda user: {"password": "Not-The-Password-1"},
        "right code": lambda user: {"otp": _texted_code(api_client, sent)},
        "wrong code": lambda user: (_texted_code(api_client, sent), {"otp": "000000"})[1],
        "code never sent": lambda user: {"otp": "123456"},
        "code for another number": lambda user: {"otp": _texted_code(api_client, sent, "+919898989898")},
        "phone-change code": lambda user: (
            api_client.force_authenticate(user),
            api_client.post("/api/v1/users/me/phone/", {"phone": PHONE}, format="json"),
            api_client.force_authenticate(None),
            {"otp": sent.last_code()},
        )[-1],
        "right google token": lambda user: {"id_token": google.sign()},
        "another google account": lambda user: {"id_token": google.sign(sub="someone-else")},
        "garbage google token": lambda user: {"id_token": "not-a-jwt"},
        "expired google token": lambda user: {"id_token": google.sign(iat=1_600_000_000, exp=1_600_003_600)},
    }


ACCOUNTS = {"password": password_account, "phone only": phone_account, "google only": google_account}
# (account kind, proof) -> expected status; every pair not listed here is wrong or missing for that account.
ACCEPTED = {("password", "right password"), ("phone only", "right code"), ("google only", "right google token")}
MISSING = {"nothing", "blank fields"}


def _expected(kind: str, proof: str) -> tuple[int, str | None]:
    if (kind, proof) in ACCEPTED:
        return 204, None
    if proof in MISSING:
        return 400, "validation_error"
    usable = {
        "password": {"wrong password"},
        "phone only": {"wrong code", "code never sent", "code for another number", "phone-change code"},
        "google only": {"another google account", "garbage google token", "expired google token"},
    }
    if proof in usable[kind]:
        return 403, "reauthentication_failed"
    return 400, "validation_error"  # a proof this account cannot use: it is told which one it can


def _unchanged(user: User) -> bool:
    fresh = User.objects.get(pk=user.pk)
    return fresh.is_active and fresh.deleted_at is None and (fresh.email, fresh.phone) == (user.email, user.phone)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", ACCOUNTS)
@pytest.mark.parametrize(
    "proof",
    [
        "nothing",
        "blank fields",
        "right password",
        "wrong password",
        "right code",
        "wrong code",
        "code never sent",
        "code for another number",
        "phone-change code",
        "right google token",
        "another google account",
        "garbage google token",
        "expired google token",
    ],
)
def test_deletion_needs_the_accounts_own_proof(
    route: str, kind: str, proof: str, proofs: dict[str, Any], client_for: Any
) -> None:
    user = ACCOUNTS[kind]()
    body = proofs[proof](user)
    response = ROUTES[route](client_for(user), body)
    status, code = _expected(kind, proof)
    assert response.status_code == status, response.content
    if status == 204:
        assert not User.objects.get(pk=user.pk).is_active
        assert User.objects.get(pk=user.pk).deleted_at is not None
    else:
        assert response.json()["error"]["code"] == code
        assert _unchanged(user), "nothing may be anonymised without the proof"


def test_missing_proof_names_what_this_account_can_send(client_for: Any, google: GoogleKeys) -> None:
    cases = {password_account: {"password"}, phone_account: {"otp"}, google_account: {"id_token"}}
    for make, fields in cases.items():
        response = client_for(make()).delete("/api/v1/users/me/")
        assert response.status_code == 400
        assert set(response.json()["error"]["details"]) == fields


def test_an_account_with_a_phone_and_google_may_use_either(
    client_for: Any, api_client: Any, sent: Outbox, google: GoogleKeys
) -> None:
    user = google_account()
    user.phone, user.phone_verified = PHONE, True
    user.save()
    response = client_for(user).delete("/api/v1/users/me/", {}, format="json")
    assert set(response.json()["error"]["details"]) == {"otp", "id_token"}
    assert client_for(user).post("/api/v1/users/me/delete/", {"id_token": google.sign()}).status_code == 204


def test_an_account_with_no_way_to_prove_itself_is_told_how_to_get_one(client_for: Any) -> None:
    user = User.objects.create_user(email="legacy@example.com")  # no password, phone or Google link
    response = client_for(user).post("/api/v1/users/me/delete/", {"otp": "123456"})
    assert response.status_code == 400
    assert "auth/password/reset/" in response.json()["error"]["message"]
    assert _unchanged(user)


def test_google_unreachable_is_503_and_nothing_is_deleted(client_for: Any, google: GoogleKeys, settings: Any) -> None:
    user = google_account()
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    response = client_for(user).post("/api/v1/users/me/delete/", {"id_token": google.sign()})
    assert response.status_code == 503
    assert _unchanged(user)


def test_a_code_proves_once(client_for: Any, api_client: Any, sent: Outbox) -> None:
    first, second = phone_account(), None
    code = _texted_code(api_client, sent)
    assert client_for(first).post("/api/v1/users/me/delete/", {"otp": code}).status_code == 204
    second = phone_account()  # the number is free again; a new account gets it
    response = client_for(second).post("/api/v1/users/me/delete/", {"otp": code})
    assert response.status_code == 403
    assert _unchanged(second)


@pytest.mark.parametrize("route", ROUTES)
def test_guessing_the_password_is_rate_limited_like_a_sign_in(route: str, client_for: Any) -> None:
    user = password_account()
    client = client_for(user)
    codes = [ROUTES[route](client, {"password": f"guess-{n}"}).status_code for n in range(11)]
    assert codes == [403] * 10 + [429]
    assert _unchanged(user)
    assert LoginThrottle.scope == "login"


def test_a_stolen_access_token_alone_cannot_delete(client_for: Any, api_client: Any) -> None:
    user = password_account()
    access = token_pair_for(user)["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    for request in (api_client.delete("/api/v1/users/me/"), api_client.post("/api/v1/users/me/delete/")):
        assert request.status_code == 400
    assert _unchanged(user)


def test_the_schema_documents_the_proof(api_client: Any) -> None:
    schema = api_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/users/me/delete/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {"password", "otp", "id_token", "nonce"}
    for path, method in (("/api/v1/users/me/delete/", "post"), ("/api/v1/users/me/", "delete")):
        assert {"204", "400", "403", "429"} <= set(schema["paths"][path][method]["responses"])
    assert "password" in schema["paths"]["/api/v1/users/me/"]["delete"]["description"]
