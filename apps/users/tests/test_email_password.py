"""E-mail verification links, e-mail change, password reset and change."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.users.models import User
from apps.users.services import token_pair_for
from apps.users.tests.conftest import Outbox
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

VERIFY_TEMPLATE = "email_verification"
RESET_TEMPLATE = "password_reset"
NEW_PASSWORD = "Chadar-Trek-2027!"


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(link).query).items()}


@pytest.fixture
def request_reset(api_client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Ask for a reset and run what the request queued on commit (the lookup-and-mail task)."""

    def _request(email: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post("/api/v1/auth/password/reset/", {"email": email})

    return _request


def _register(api_client: Any, email: str = "new@example.com") -> Any:
    return api_client.post("/api/v1/auth/register/", {"email": email, "password": "Kedarkantha-2026"}, format="json")


def test_registration_mails_a_signed_verification_link(api_client: Any, sent: Outbox) -> None:
    assert _register(api_client).status_code == 201
    (message,) = sent.of(VERIFY_TEMPLATE)
    assert message["email"] == "new@example.com"
    assert message["category"] == "security"
    assert message["sensitive"]
    token = _query(message["context"]["link"])["token"]
    response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert User.objects.get(email="new@example.com").email_verified


def test_verification_link_expires(api_client: Any, sent: Outbox, settings: Any) -> None:
    _register(api_client)
    token = _query(sent.last_link(VERIFY_TEMPLATE))["token"]
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE + 5)):
        response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_link_expired"
    assert not User.objects.get(email="new@example.com").email_verified


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoiMSJ9:1tQ:abc"])
def test_tampered_verification_link(api_client: Any, token: str) -> None:
    response = api_client.post("/api/v1/auth/email/verify/", {"token": token}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification_link_invalid"


def test_resend_verification(client_for: Any, make_user: Any, sent: Outbox) -> None:
    unverified = make_user(email_verified=False)
    assert client_for(unverified).post("/api/v1/auth/email/verify/resend/").status_code == 202
    assert len(sent.of(VERIFY_TEMPLATE)) == 1
    verified = make_user()
    assert client_for(verified).post("/api/v1/auth/email/verify/resend/").status_code == 202
    assert len(sent.of(VERIFY_TEMPLATE)) == 1


def test_email_change_takes_effect_only_when_the_new_address_is_confirmed(
    client_for: Any, user: User, sent: Outbox, api_client: Any
) -> None:
    old = user.email
    client = client_for(user)
    response = client.post("/api/v1/users/me/email/", {"email": "Moved@Example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 202
    user.refresh_from_db()
    assert user.email == old
    message = sent.of(VERIFY_TEMPLATE)[-1]
    assert message["email"] == "moved@example.com"
    token = _query(message["context"]["link"])["token"]
    assert api_client.post("/api/v1/auth/email/verify/", {"token": token}).status_code == 200
    user.refresh_from_db()
    assert user.email == "moved@example.com"
    assert user.email_verified
    # the same link cannot be replayed once the address changed
    assert api_client.post("/api/v1/auth/email/verify/", {"token": token}).status_code == 400


def test_email_change_needs_the_password(client_for: Any, user: User, sent: Outbox) -> None:
    response = client_for(user).post("/api/v1/users/me/email/", {"email": "x@example.com", "password": "wrong"})
    assert response.status_code == 400
    assert not sent


def test_email_change_to_a_taken_address_conflicts_on_confirmation(
    client_for: Any, user: User, make_user: Any, sent: Outbox, api_client: Any
) -> None:
    make_user(email="taken@example.com")
    response = client_for(user).post(
        "/api/v1/users/me/email/", {"email": "taken@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 202  # no hint whether the address is in use
    token = _query(sent.last_link(VERIFY_TEMPLATE))["token"]
    confirm = api_client.post("/api/v1/auth/email/verify/", {"token": token})
    assert confirm.status_code == 409
    assert confirm.json()["error"]["code"] == "email_taken"


# --- password reset ---------------------------------------------------------------------------------


def test_reset_answers_are_identical_for_known_and_unknown_addresses(
    request_reset: Any, api_client: Any, user: User, sent: Outbox
) -> None:
    known = request_reset(user.email.upper())
    unknown = request_reset("nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    (message,) = sent.of(RESET_TEMPLATE)
    assert message["email"] == user.email
    assert message["sensitive"] is True


def test_reset_confirm_changes_the_password_and_revokes_every_session(
    request_reset: Any, api_client: Any, user: User, sent: Outbox
) -> None:
    sessions = [token_pair_for(user) for _ in range(3)]
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))

    response = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {**params, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    for pair in sessions:
        refresh = api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]})
        assert refresh.status_code == 401
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
        assert api_client.get("/api/v1/users/me/").status_code == 401  # access tokens die with the password
        api_client.credentials()
    # single use
    again = api_client.post(
        "/api/v1/auth/password/reset/confirm/", {**params, "new_password": "Another-Pass-99"}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "reset_link_invalid"


def test_reset_confirm_verifies_the_address(request_reset: Any, api_client: Any, make_user: Any, sent: Outbox) -> None:
    user = make_user(email_verified=False)
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))
    api_client.post("/api/v1/auth/password/reset/confirm/", {**params, "new_password": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.email_verified


@pytest.mark.parametrize(
    "payload",
    [
        {"uid": "bm9wZQ", "token": "abc-def"},
        {"uid": "!!!", "token": "abc-def"},
    ],
)
def test_reset_confirm_with_bad_link(api_client: Any, payload: dict[str, str]) -> None:
    response = api_client.post("/api/v1/auth/password/reset/confirm/", {**payload, "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reset_link_invalid"


def test_reset_confirm_rejects_a_weak_password(request_reset: Any, api_client: Any, user: User, sent: Outbox) -> None:
    request_reset(user.email)
    params = _query(sent.last_link(RESET_TEMPLATE))
    response = api_client.post("/api/v1/auth/password/reset/confirm/", {**params, "new_password": "12345678"})
    assert response.status_code == 400
    assert "new_password" in response.json()["error"]["details"]


def test_inactive_account_gets_no_reset_mail(request_reset: Any, api_client: Any, make_user: Any, sent: Outbox) -> None:
    user = make_user(is_active=False)
    assert request_reset(user.email).status_code == 202
    assert not sent


def test_password_reset_is_throttled(api_client: Any) -> None:
    codes = [
        api_client.post("/api/v1/auth/password/reset/", {"email": f"n{i}@example.com"}).status_code for i in range(6)
    ]
    assert codes == [202] * 5 + [429]


# --- password change --------------------------------------------------------------------------------


def test_password_change_revokes_other_sessions_and_returns_a_new_pair(
    client_for: Any, user: User, api_client: Any
) -> None:
    other = token_pair_for(user)
    response = client_for(user).post(
        "/api/v1/auth/password/change/", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": other["refresh"]}).status_code == 401
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": response.json()["refresh"]}).status_code == 200


def test_password_change_needs_the_current_password(client_for: Any, user: User) -> None:
    response = client_for(user).post(
        "/api/v1/auth/password/change/", {"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
