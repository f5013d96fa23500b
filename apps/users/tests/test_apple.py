"""Sign in with Apple: the real verification path (apps.users.oidc, PyJWT) against a locally generated key."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import is_password_usable
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.common.models import AuditLog
from apps.common.tests.race import Race
from apps.common.throttles import AppleLoginThrottle
from apps.users.models import SocialAccount, User
from apps.users.oidc import nonce_hash
from apps.users.services import token_pair_for
from apps.users.tests.conftest import APPLE_EMAIL, APPLE_NONCE, APPLE_SERVICES_ID, APPLE_SUB, AppleKeys
from apps.users.tests.garbage_tokens import garbage

pytestmark = pytest.mark.django_db


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_first_sign_in_creates_the_account_with_the_relay_address_and_the_name(
    apple: AppleKeys, sign_in_apple: Any
) -> None:
    response = sign_in_apple(apple.sign(), first_name="Pema", last_name="Lhamo")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["is_new_user"] is True
    assert body["access"]
    assert body["refresh"]
    user = User.objects.get(email=APPLE_EMAIL)
    assert user.email_verified
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Pema", "Lhamo")
    link = SocialAccount.objects.get(user=user)
    assert (link.provider, link.uid, link.email) == ("apple", APPLE_SUB, APPLE_EMAIL)


def test_later_sign_ins_keep_the_first_name_and_need_no_email(apple: AppleKeys, sign_in_apple: Any) -> None:
    first = sign_in_apple(apple.sign(), first_name="Pema", last_name="Lhamo").json()
    later = sign_in_apple(apple.sign(email=None, email_verified=None, is_private_email=None)).json()
    assert later["is_new_user"] is False
    assert later["user"]["id"] == first["user"]["id"]
    user = User.objects.get()
    assert (user.first_name, user.last_name) == ("Pema", "Lhamo")
    assert SocialAccount.objects.get().email == APPLE_EMAIL


def test_the_web_services_id_is_an_accepted_audience(apple: AppleKeys, sign_in_apple: Any) -> None:
    assert sign_in_apple(apple.sign(aud=APPLE_SERVICES_ID)).status_code == 200


def test_a_shared_real_address_signs_in_as_well(apple: AppleKeys, sign_in_apple: Any) -> None:
    response = sign_in_apple(apple.sign(email="Pema@iCloud.com", is_private_email="false", email_verified=True))
    assert response.status_code == 200
    assert User.objects.get().email == "pema@icloud.com"


def test_first_sign_in_without_an_email_is_refused(apple: AppleKeys, sign_in_apple: Any) -> None:
    response = sign_in_apple(apple.sign(email=None, email_verified=None))
    assert _error(response) == (401, "apple_token_invalid")
    assert "id_token" in response.json()["error"]["details"]
    assert not User.objects.exists()


def test_verified_local_account_is_linked(apple: AppleKeys, sign_in_apple: Any, make_user: Any) -> None:
    local = make_user(email=APPLE_EMAIL, email_verified=True, first_name="Own", last_name="Name")
    body = sign_in_apple(apple.sign(), first_name="Other", last_name="Person").json()
    assert body["user"]["id"] == str(local.pk)
    assert body["is_new_user"] is False
    local.refresh_from_db()
    assert local.has_usable_password()  # nothing taken away from a verified owner
    assert (local.first_name, local.last_name) == ("Own", "Name")
    assert SocialAccount.objects.get(uid=APPLE_SUB).user == local


def test_preregistered_unverified_account_is_taken_over_not_merged(
    apple: AppleKeys, sign_in_apple: Any, make_user: Any
) -> None:
    squatter = make_user(email=APPLE_EMAIL, email_verified=False, first_name="Squat", phone="+919812345671")
    squatter_refresh = token_pair_for(squatter)["refresh"]

    response = sign_in_apple(apple.sign(), first_name="Pema", last_name="Lhamo")

    assert response.status_code == 200
    squatter.refresh_from_db()
    assert response.json()["user"]["id"] == str(squatter.pk)
    assert not is_password_usable(squatter.password), "the squatter's password must be cleared"
    assert squatter.email_verified
    assert squatter.phone is None, "the unproved phone of the previous holder goes"
    assert (squatter.first_name, squatter.last_name) == ("Pema", "Lhamo")
    squatters = OutstandingToken.objects.filter(user=squatter, token=squatter_refresh)
    assert squatters.filter(blacklistedtoken__isnull=False).count() == 1
    log = AuditLog.objects.get(action="user.taken_over", target_id=str(squatter.pk))
    assert log.changes == {"via": "apple"}


def test_unverified_email_on_a_phone_verified_account_is_released(
    apple: AppleKeys, sign_in_apple: Any, make_user: Any
) -> None:
    phone_owner = make_user(email=APPLE_EMAIL, email_verified=False, phone="+919812345678", phone_verified=True)
    body = sign_in_apple(apple.sign()).json()
    assert body["user"]["id"] != str(phone_owner.pk)
    assert body["is_new_user"] is True
    phone_owner.refresh_from_db()
    assert phone_owner.email is None
    assert phone_owner.has_usable_password()


def test_account_linked_to_another_apple_id_conflicts(apple: AppleKeys, sign_in_apple: Any, make_user: Any) -> None:
    user = make_user(email=APPLE_EMAIL)
    SocialAccount.objects.create(user=user, provider="apple", uid="someone-else")
    assert _error(sign_in_apple(apple.sign())) == (409, "apple_account_conflict")


def test_a_google_link_does_not_stop_an_apple_link(apple: AppleKeys, sign_in_apple: Any, make_user: Any) -> None:
    user = make_user(email=APPLE_EMAIL)
    SocialAccount.objects.create(user=user, provider="google", uid="1234567890")
    assert sign_in_apple(apple.sign()).json()["user"]["id"] == str(user.pk)
    assert set(user.social_accounts.values_list("provider", flat=True)) == {"google", "apple"}


def test_disabled_account_cannot_sign_in(apple: AppleKeys, sign_in_apple: Any, make_user: Any) -> None:
    make_user(email=APPLE_EMAIL, is_active=False)
    assert _error(sign_in_apple(apple.sign())) == (403, "account_disabled")


@pytest.mark.parametrize(
    ("claims", "nonce", "code"),
    [
        ({"aud": "com.someone.else"}, APPLE_NONCE, "apple_token_invalid"),
        ({"iss": "https://accounts.google.com"}, APPLE_NONCE, "apple_token_invalid"),
        ({"iat": 1_700_000_000, "exp": 1_700_000_600}, APPLE_NONCE, "apple_token_invalid"),
        ({}, "another-raw-nonce", "apple_nonce_mismatch"),
        ({}, nonce_hash(APPLE_NONCE), "apple_nonce_mismatch"),
        ({"nonce": nonce_hash("what-an-attacker-chose")}, APPLE_NONCE, "apple_nonce_mismatch"),
        ({"nonce": None}, APPLE_NONCE, "apple_token_invalid"),
        ({"nonce": APPLE_NONCE}, APPLE_NONCE, "apple_token_invalid"),
        ({"email_verified": "false"}, APPLE_NONCE, "apple_email_unverified"),
        ({"email_verified": False}, APPLE_NONCE, "apple_email_unverified"),
        ({"email_verified": None}, APPLE_NONCE, "apple_email_unverified"),
        ({"sub": None}, APPLE_NONCE, "apple_token_invalid"),
        ({"email": "no-at-sign"}, APPLE_NONCE, "apple_token_invalid"),
    ],
    ids=[
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "other-raw-nonce",
        "hashed-nonce-sent",
        "token-bound-to-another-nonce",
        "token-without-nonce",
        "token-with-raw-nonce",
        "email-verified-false-string",
        "email-verified-false",
        "no-email-verified",
        "no-sub",
        "malformed-email",
    ],
)
def test_rejected_tokens(apple: AppleKeys, sign_in_apple: Any, claims: dict[str, Any], nonce: str, code: str) -> None:
    response = sign_in_apple(apple.sign(**claims), nonce=nonce)
    assert _error(response) == (401, code)
    assert not User.objects.exists()


def test_token_signed_by_another_key_under_apples_key_id_is_rejected(apple: AppleKeys, sign_in_apple: Any) -> None:
    forger = AppleKeys()
    forger.kid = apple.kid  # claims to be Apple's key
    assert _error(sign_in_apple(forger.sign())) == (401, "apple_token_invalid")


def test_unknown_key_id_refetches_the_keys_once(apple: AppleKeys, sign_in_apple: Any) -> None:
    assert sign_in_apple(apple.sign()).status_code == 200
    stranger = AppleKeys()  # a key Apple never published
    assert _error(sign_in_apple(stranger.sign(sub="x"))) == (401, "apple_token_invalid")
    assert _error(sign_in_apple(stranger.sign(sub="x"))) == (401, "apple_token_invalid")
    assert len(apple.http.calls) == 1, "fetched a moment ago: an unknown key id is not a rotation"  # type: ignore[attr-defined]


def test_apple_keys_unreachable_is_503_in_the_envelope(apple: AppleKeys, sign_in_apple: Any, settings: Any) -> None:
    apple.http.replace("GET", settings.APPLE_KEYS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    response = sign_in_apple(apple.sign())
    assert _error(response) == (503, "apple_unavailable")
    assert response.json()["error"]["message"]
    assert not User.objects.exists()


def test_no_client_ids_configured_refuses(apple: AppleKeys, sign_in_apple: Any, settings: Any) -> None:
    settings.APPLE_CLIENT_IDS = []
    assert _error(sign_in_apple(apple.sign())) == (503, "apple_not_configured")


@pytest.mark.parametrize(
    "body",
    [
        {"nonce": APPLE_NONCE},
        {"id_token": "x.y.z"},
        {"id_token": "x.y.z", "nonce": ""},
        {"id_token": "x.y.z", "nonce": "a\x00b"},
        {"id_token": "x.y.z", "nonce": APPLE_NONCE, "first_name": "Pe\x00ma"},
        {"id_token": "x.y.z", "nonce": APPLE_NONCE, "last_name": "L" * 151},
        {"id_token": "x" * 9000, "nonce": APPLE_NONCE},
        {"id_token": ["x.y.z"], "nonce": APPLE_NONCE},
        {"id_token": "x.y.z", "nonce": {"raw": APPLE_NONCE}},
    ],
    ids=["no-token", "no-nonce", "blank-nonce", "nul-nonce", "nul-name", "long-name", "huge-token", "list", "object"],
)
def test_hostile_bodies_are_400(apple: AppleKeys, api_client: Any, body: dict[str, Any]) -> None:
    response = api_client.post("/api/v1/auth/apple/", body, format="json")
    nul = any("\x00" in value for value in body.values() if isinstance(value, str))
    assert _error(response) == (400, "nul_character" if nul else "validation_error")
    assert len(apple.http.calls) == 0  # type: ignore[attr-defined]


def test_a_token_that_cannot_be_an_apple_token_is_401_without_any_network_call(
    apple: AppleKeys, sign_in_apple: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AppleLoginThrottle, "rate", "10000/min", raising=False)  # a hundred tokens follow
    apple.http.replace("GET", settings.APPLE_KEYS_URL, body=requests.ConnectionError("down"))  # type: ignore[attr-defined]
    cases = garbage(apple.sign(), nonce=[APPLE_NONCE, nonce_hash(APPLE_NONCE).upper(), "0" * 63])
    assert len(cases) > 60
    got = {name: _error(sign_in_apple(token)) for name, token in cases}
    expected = {name: (401, "apple_token_invalid") for name, _ in cases}
    expected["empty"] = (400, "validation_error")  # refused by the serializer: the field is required
    assert got == expected
    assert len(apple.http.calls) == 0, "no garbage may reach Apple"  # type: ignore[attr-defined]
    assert not User.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_sign_ins_create_one_account(apple: AppleKeys, race: Race) -> None:
    from apps.users.services import apple_sign_in

    token = apple.sign()
    signed_in = race(*(partial(apple_sign_in, token=token, nonce=APPLE_NONCE, first_name="Pema") for _ in range(6)))
    results = [(str(user.pk), is_new) for user, _, is_new in signed_in]
    assert len(results) == 6
    assert len({user_id for user_id, _ in results}) == 1
    assert [is_new for _, is_new in results].count(True) == 1
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1


def test_an_apple_only_account_confirms_its_deletion_with_an_apple_token(
    apple: AppleKeys, sign_in_apple: Any, api_client: Any
) -> None:
    access = sign_in_apple(apple.sign()).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    asked = api_client.post("/api/v1/users/me/delete/", {}, format="json")
    assert asked.status_code == 400
    assert "id_token" in asked.json()["error"]["details"]
    wrong = api_client.post("/api/v1/users/me/delete/", {"id_token": apple.sign(), "nonce": "another"}, format="json")
    assert _error(wrong) == (403, "reauthentication_failed")
    other = api_client.post(
        "/api/v1/users/me/delete/",
        {"id_token": apple.sign(sub="another-apple-id"), "nonce": APPLE_NONCE},
        format="json",
    )
    assert _error(other) == (403, "reauthentication_failed")
    done = api_client.post("/api/v1/users/me/delete/", {"id_token": apple.sign(), "nonce": APPLE_NONCE}, format="json")
    assert done.status_code == 204
    assert User.objects.get().deleted_at is not None
