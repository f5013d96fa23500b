"""Fixtures of the accounts tests: a clean OTP namespace in Redis, captured outgoing messages, Google and Apple keys."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from apps.users import otp_store
from apps.users.oidc import clear_key_cache, nonce_hash

WEB_CLIENT_ID = "web-client.apps.googleusercontent.com"
ANDROID_CLIENT_ID = "android-client.apps.googleusercontent.com"


@pytest.fixture(autouse=True)
def _otp_namespace() -> Iterator[None]:
    """Every test starts and ends with no OTP keys (this process's namespace only)."""
    otp_store.reset_store()

    def _wipe() -> None:
        store = otp_store.get_store()
        if isinstance(store, otp_store.RedisOTPStore):
            keys = list(store.client.scan_iter(match=f"{store.namespace}:*"))
            if keys:
                store.client.delete(*keys)

    _wipe()
    yield
    _wipe()
    otp_store.reset_store()


class Outbox(list[dict[str, Any]]):
    """Messages handed to ``notify()`` by the accounts domain, in order."""

    def of(self, template: str) -> list[dict[str, Any]]:
        return [call for call in self if call["template"] == template]

    def last_code(self) -> str:
        return str(self.of("otp")[-1]["context"]["code"])

    def last_link(self, template: str) -> str:
        return str(self.of(template)[-1]["context"]["link"])


@pytest.fixture(autouse=True)
def sent(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    outbox = Outbox()

    def _notify(**kwargs: Any) -> list[Any]:
        from django.db import transaction

        assert transaction.get_connection().in_atomic_block, "notify() must be called inside a transaction"
        outbox.append(kwargs)
        return []

    monkeypatch.setattr("apps.users.sending._notify", _notify)
    return outbox


# --- Google and Apple ------------------------------------------------------------------------------------


class IdTokenKeys:
    """A locally generated RSA key, published as a provider's JSON Web Key Set, that signs its ID tokens."""

    claims: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def jwks(self, *others: IdTokenKeys) -> str:
        return json.dumps({"keys": [self.jwk, *(other.jwk for other in others)]})

    def sign(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {**self.claims, "iat": now, "exp": now + 3600}
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


class GoogleKeys(IdTokenKeys):
    claims: ClassVar[dict[str, Any]] = {
        "iss": "https://accounts.google.com",
        "aud": WEB_CLIENT_ID,
        "azp": WEB_CLIENT_ID,
        "sub": "1234567890",
        "email": "hiker@gmail.com",
        "email_verified": True,
        "given_name": "Dawa",
        "family_name": "Sherpa",
    }


APPLE_BUNDLE_ID = "com.obsexperiences.app"
APPLE_SERVICES_ID = "com.obsexperiences.web"
APPLE_NONCE = "f3b1c0de-raw-nonce-from-the-app"
APPLE_SUB = "001234.5e201aec537347aeb79d23cbc345170a.1321"
APPLE_EMAIL = "x7k2m9q4rt@privaterelay.appleid.com"


class AppleKeys(IdTokenKeys):
    claims: ClassVar[dict[str, Any]] = {
        "iss": "https://appleid.apple.com",
        "aud": APPLE_BUNDLE_ID,
        "sub": APPLE_SUB,
        "email": APPLE_EMAIL,
        "email_verified": "true",  # Apple sends strings
        "is_private_email": "true",
        "nonce": nonce_hash(APPLE_NONCE),
        "nonce_supported": True,
        "auth_time": int(time.time()),
    }


def _serve(keys: IdTokenKeys, url: str) -> Iterator[responses.RequestsMock]:
    clear_key_cache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(url, body=keys.jwks(), headers={"Cache-Control": "public, max-age=21600, must-revalidate"})
        keys.http = mock  # type: ignore[attr-defined]
        yield mock
    clear_key_cache()


@pytest.fixture(scope="session")
def _google_keys() -> GoogleKeys:
    return GoogleKeys()


@pytest.fixture(scope="session")
def _apple_keys() -> AppleKeys:
    return AppleKeys()


@pytest.fixture
def google(_google_keys: GoogleKeys, settings: Any) -> Iterator[GoogleKeys]:
    """Configured client ids, and Google's key endpoint answered with our test key."""
    settings.GOOGLE_CLIENT_IDS = [WEB_CLIENT_ID, "ios-client.apps.googleusercontent.com", ANDROID_CLIENT_ID]
    for _ in _serve(_google_keys, settings.GOOGLE_CERTS_URL):
        yield _google_keys


@pytest.fixture
def apple(_apple_keys: AppleKeys, settings: Any) -> Iterator[AppleKeys]:
    """Configured bundle and services ids, and Apple's key endpoint answered with our test key."""
    settings.APPLE_CLIENT_IDS = [APPLE_BUNDLE_ID, APPLE_SERVICES_ID]
    for _ in _serve(_apple_keys, settings.APPLE_KEYS_URL):
        yield _apple_keys


@pytest.fixture
def sign_in_google(api_client: Any) -> Callable[..., Any]:
    def _post(token: str) -> Any:
        return api_client.post("/api/v1/auth/google/", {"id_token": token}, format="json")

    return _post


@pytest.fixture
def sign_in_apple(api_client: Any) -> Callable[..., Any]:
    def _post(token: str, nonce: str = APPLE_NONCE, **name: str) -> Any:
        return api_client.post("/api/v1/auth/apple/", {"id_token": token, "nonce": nonce, **name}, format="json")

    return _post


@pytest.fixture
def redis_store() -> otp_store.RedisOTPStore:
    store = otp_store.get_store()
    assert isinstance(store, otp_store.RedisOTPStore), "the test suite runs against Redis"
    return store
