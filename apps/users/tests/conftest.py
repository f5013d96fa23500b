"""Fixtures of the accounts tests: a clean OTP namespace in Redis, captured outgoing messages, Google keys."""

from __future__ import annotations

import datetime
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt
from google.auth import jwt as google_jwt

from apps.users import otp_store
from apps.users.google import clear_certs_cache

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


# --- Google ------------------------------------------------------------------------------------------


class GoogleKeys:
    """A locally generated RSA key whose certificate is served as Google's certificate endpoint."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-google-signer")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "aud": WEB_CLIENT_ID,
            "azp": WEB_CLIENT_ID,
            "sub": "1234567890",
            "email": "hiker@gmail.com",
            "email_verified": True,
            "given_name": "Dawa",
            "family_name": "Sherpa",
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        signer = crypt.RSASigner.from_string(self.private_pem, key_id=self.kid)
        return google_jwt.encode(signer, claims).decode()


@pytest.fixture(scope="session")
def _google_keys() -> GoogleKeys:
    return GoogleKeys()


@pytest.fixture
def google(_google_keys: GoogleKeys, settings: Any) -> Iterator[GoogleKeys]:
    """Configured client ids, and Google's certificate endpoint answered with our test certificate."""
    settings.GOOGLE_CLIENT_IDS = [WEB_CLIENT_ID, "ios-client.apps.googleusercontent.com", ANDROID_CLIENT_ID]
    clear_certs_cache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            settings.GOOGLE_CERTS_URL,
            body=json.dumps({_google_keys.kid: _google_keys.cert_pem}),
            headers={"Cache-Control": "public, max-age=21600, must-revalidate, no-transform"},
        )
        _google_keys.http = mock  # type: ignore[attr-defined]
        yield _google_keys
    clear_certs_cache()


@pytest.fixture
def sign_in_google(api_client: Any) -> Callable[..., Any]:
    def _post(token: str) -> Any:
        return api_client.post("/api/v1/auth/google/", {"id_token": token}, format="json")

    return _post


@pytest.fixture
def redis_store() -> otp_store.RedisOTPStore:
    store = otp_store.get_store()
    assert isinstance(store, otp_store.RedisOTPStore), "the test suite runs against Redis"
    return store
