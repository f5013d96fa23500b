"""Google sign-in: the real verification path (apps.users.oidc, PyJWT) against a locally generated key."""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import is_password_usable
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.common.models import AuditLog
from apps.common.tests.race import Race
from apps.common.throttles import GoogleLoginThrottle
from apps.users import oidc
from apps.users.models import SocialAccount, User
from apps.users.services import token_pair_for
from apps.users.tests.conftest import ANDROID_CLIENT_ID, GoogleKeys
from apps.users.tests.garbage_tokens import garbage

pytestmark = pytest.mark.django_db


def test_new_google_user_is_created_with_a_verified_email(google: GoogleKeys, sign_in_google: Any) -> None:
    response = sign_in_google(google.sign())

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_new_user"] is True
    assert body["access"]
    assert body["refresh"]
    user = User.objects.get(email="hiker@gmail.com")
    assert user.email_verified
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Dawa", "Sherpa")
    assert SocialAccount.objects.get(user=user).uid == "1234567890"


def test_any_configured_client_id_is_an_accepted_audience(google: GoogleKeys, sign_in_google: Any) -> None:
    assert sign_in_google(google.sign(aud=ANDROID_CLIENT_ID)).status_code == 200


def test_second_sign_in_is_the_same_user(google: GoogleKeys, sign_in_google: Any) -> None:
    first = sign_in_google(google.sign()).json()
    second = sign_in_google(google.sign()).json()
    assert second["is_new_user"] is False
    assert first["user"]["id"] == second["user"]["id"]
    assert User.objects.count() == 1


def test_same_subject_with_a_new_email_is_the_same_user(google: GoogleKeys, sign_in_google: Any) -> None:
    first = sign_in_google(google.sign()).json()
    second = sign_in_google(google.sign(email="renamed@gmail.com")).json()
    assert second["user"]["id"] == first["user"]["id"]
    assert SocialAccount.objects.get().email == "renamed@gmail.com"
    assert User.objects.count() == 1


def test_verified_local_account_is_linked(google: GoogleKeys, sign_in_google: Any, make_user: Any) -> None:
    local = make_user(email="hiker@gmail.com", email_verified=True)
    body = sign_in_google(google.sign()).json()
    assert body["user"]["id"] == str(local.pk)
    assert body["is_new_user"] is False
    local.refresh_from_db()
    assert local.has_usable_password()  # nothing taken away from a verified owner
    assert SocialAccount.objects.get(uid="1234567890").user == local


def test_preregistered_unverified_account_is_taken_over_not_merged(
    google: GoogleKeys, sign_in_google: Any, make_user: Any
) -> None:
    squatter = make_user(email="hiker@gmail.com", email_verified=False)
    squatter_refresh = token_pair_for(squatter)["refresh"]

    response = sign_in_google(google.sign())

    assert response.status_code == 200
    squatter.refresh_from_db()
    assert response.json()["user"]["id"] == str(squatter.pk)
    assert not is_password_usable(squatter.password), "the squatter's password must be cleared"
    assert squatter.email_verified
    squatters = OutstandingToken.objects.filter(user=squatter, token=squatter_refresh)
    assert squatters.filter(blacklistedtoken__isnull=False).count() == 1
    refresh = response.client.post("/api/v1/auth/token/refresh/", {"refresh": squatter_refresh}, format="json")
    assert refresh.status_code == 401
    assert AuditLog.objects.filter(action="user.taken_over", target_id=str(squatter.pk)).exists()


def test_unverified_email_on_a_phone_verified_account_is_released(
    google: GoogleKeys, sign_in_google: Any, make_user: Any
) -> None:
    phone_owner = make_user(email="hiker@gmail.com", email_verified=False, phone="+919812345678", phone_verified=True)
    body = sign_in_google(google.sign()).json()
    assert body["user"]["id"] != str(phone_owner.pk)
    assert body["is_new_user"] is True
    phone_owner.refresh_from_db()
    assert phone_owner.email is None
    assert phone_owner.has_usable_password()


def test_account_linked_to_another_google_subject_conflicts(
    google: GoogleKeys, sign_in_google: Any, make_user: Any
) -> None:
    user = make_user(email="hiker@gmail.com")
    SocialAccount.objects.create(user=user, provider="google", uid="someone-else")
    response = sign_in_google(google.sign())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "google_account_conflict"


def test_disabled_account_cannot_sign_in(google: GoogleKeys, sign_in_google: Any, make_user: Any) -> None:
    make_user(email="hiker@gmail.com", is_active=False)
    response = sign_in_google(google.sign())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_disabled"


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"aud": "someone-elses-app.apps.googleusercontent.com"}, "google_token_invalid"),
        ({"iss": "https://evil.example.com"}, "google_token_invalid"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "google_token_invalid"),
        ({"email_verified": False}, "google_email_unverified"),
        ({"email_verified": None}, "google_email_unverified"),
        ({"sub": None}, "google_token_invalid"),
        ({"email": None}, "google_token_invalid"),
    ],
    ids=["wrong-audience", "foreign-issuer", "expired", "unverified-email", "no-email-verified", "no-sub", "no-email"],
)
def test_rejected_tokens(google: GoogleKeys, sign_in_google: Any, claims: dict[str, Any], code: str) -> None:
    response = sign_in_google(google.sign(**claims))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert not User.objects.exists()


def test_token_signed_by_another_key_is_rejected(google: GoogleKeys, sign_in_google: Any) -> None:
    forger = GoogleKeys()
    forger.kid = google.kid  # claims to be Google's key
    response = sign_in_google(forger.sign())
    assert response.status_code == 401


def test_garbage_token_is_rejected(google: GoogleKeys, sign_in_google: Any) -> None:
    assert sign_in_google("not-a-jwt").status_code == 401


def test_missing_token_is_400(google: GoogleKeys, api_client: Any) -> None:
    response = api_client.post("/api/v1/auth/google/", {}, format="json")
    assert response.status_code == 400


def test_no_client_ids_configured_refuses_instead_of_skipping_audience(
    google: GoogleKeys, sign_in_google: Any, settings: Any
) -> None:
    settings.GOOGLE_CLIENT_IDS = []
    response = sign_in_google(google.sign())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "google_not_configured"


def test_google_certificates_unreachable_is_503(google: GoogleKeys, sign_in_google: Any, settings: Any) -> None:
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    response = sign_in_google(google.sign())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "google_unavailable"


def test_keys_are_cached_per_max_age_and_refetched_for_a_new_key(
    google: GoogleKeys, sign_in_google: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(oidc, "_clock", lambda: clock[0])
    http = google.http  # type: ignore[attr-defined]
    assert sign_in_google(google.sign()).status_code == 200
    assert sign_in_google(google.sign()).status_code == 200
    assert len(http.calls) == 1, "the second sign-in used the cached keys"

    rotated = GoogleKeys()  # Google starts signing with a new key
    http.replace("GET", settings.GOOGLE_CERTS_URL, body=google.jwks(rotated), headers={"Cache-Control": "max-age=100"})
    stranger = GoogleKeys()  # a key Google never published
    assert sign_in_google(stranger.sign()).status_code == 401
    assert len(http.calls) == 1, "an unknown key id refetches at most once a minute"
    clock[0] += oidc.KEYS_MIN_REFETCH_SECONDS
    assert sign_in_google(rotated.sign(sub="rotated-user", email="r@gmail.com")).status_code == 200
    assert len(http.calls) == 2
    assert sign_in_google(stranger.sign()).status_code == 401
    assert len(http.calls) == 2, "the set was fetched a moment ago: the stranger's key id is not a rotation"
    clock[0] += 100  # max-age passed
    assert sign_in_google(google.sign()).status_code == 200
    assert len(http.calls) == 3


def test_keys_without_max_age_are_kept_an_hour(
    google: GoogleKeys, sign_in_google: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(oidc, "_clock", lambda: clock[0])
    http = google.http  # type: ignore[attr-defined]
    http.replace("GET", settings.GOOGLE_CERTS_URL, body=google.jwks())
    sign_in_google(google.sign())
    clock[0] += oidc.KEYS_DEFAULT_CACHE_SECONDS - 1
    sign_in_google(google.sign())
    assert len(http.calls) == 1
    clock[0] += 1
    sign_in_google(google.sign())
    assert len(http.calls) == 2


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "body": "oops"},
        {"status": 200, "body": "<html>not json</html>"},
        {"status": 200, "body": json.dumps({"keys": "none"})},
        {"status": 200, "body": json.dumps([1, 2])},
    ],
    ids=["server-error", "not-json", "keys-not-a-list", "not-an-object"],
)
def test_a_key_endpoint_that_answers_nonsense_is_503(
    google: GoogleKeys, sign_in_google: Any, settings: Any, answer: dict[str, Any]
) -> None:
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, **answer)  # type: ignore[attr-defined]
    response = sign_in_google(google.sign())
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "google_unavailable"


def test_unusable_keys_in_the_set_are_skipped(google: GoogleKeys, sign_in_google: Any, settings: Any) -> None:
    junk = [
        {"kty": "RSA", "kid": "broken", "n": "AA", "e": "!!"},
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {**google.jwk, "kid": "enc", "use": "enc"},
        "not a key",
    ]
    body = json.dumps({"keys": [*junk, google.jwk]})
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, body=body)  # type: ignore[attr-defined]
    assert sign_in_google(google.sign()).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_sign_ins_create_one_account(google: GoogleKeys, race: Race) -> None:
    from apps.users.services import google_sign_in

    token = google.sign()
    signed_in = race(*(partial(google_sign_in, token=token) for _ in range(6)))
    results = [(str(user.pk), is_new) for user, _, is_new in signed_in]
    assert len(results) == 6
    assert len({user_id for user_id, _ in results}) == 1
    assert [is_new for _, is_new in results].count(True) == 1
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1


# --- garbage is refused without a network call ------------------------------------------------------------


def test_a_valid_token_is_not_refused_before_the_keys_are_fetched(
    google: GoogleKeys, sign_in_google: Any, settings: Any
) -> None:
    """The boundary of the class below: a well-formed token whose keys cannot be fetched is a 503."""
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    response = sign_in_google(google.sign())
    assert response.status_code == 503
    assert len(google.http.calls) == 1  # type: ignore[attr-defined]


def test_a_token_that_cannot_be_a_google_token_is_401_without_any_network_call(
    google: GoogleKeys, sign_in_google: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(GoogleLoginThrottle, "rate", "10000/min", raising=False)  # a hundred tokens follow
    google.http.replace("GET", settings.GOOGLE_CERTS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    cases = garbage(google.sign())
    assert len(cases) > 50
    answers = {name: sign_in_google(token) for name, token in cases}
    got = {name: (r.status_code, r.json()["error"]["code"]) for name, r in answers.items()}
    expected = {name: (401, "google_token_invalid") for name, _ in cases}
    expected["empty"] = (400, "validation_error")  # refused by the serializer: the field is required
    assert got == expected
    assert len(google.http.calls) == 0, "no garbage may reach Google"  # type: ignore[attr-defined]
    assert not User.objects.exists()
