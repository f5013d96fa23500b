"""A local stand-in for Apple's signing key, for `make run` only: Sign in with Apple without an Apple device.

The development settings (never production) point ``APPLE_KEYS_URL`` at ``dev/apple/auth/keys``, served by this
server from the public half of a key kept in ``var/``; ``manage.py apple_dev_token`` signs identity tokens with
the private half. The server verifies them on the real path (``apps.users.oidc``): keys fetched over HTTP,
signature, issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from jwt.algorithms import RSAAlgorithm

from apps.users.oidc import nonce_hash

KEY_ID = "obs-dev-apple-key"


def _key_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "dev-apple-signing-key.pem"


def signing_key() -> rsa.RSAPrivateKey:
    """The development key, made on first use."""
    path = _key_path()
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def key_set() -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(signing_key().public_key()))
    return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}


def keys_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(key_set(), headers={"Cache-Control": "max-age=60"})


def mint(*, sub: str, email: str, nonce: str | None = None, lifetime: int = 600) -> tuple[str, str]:
    """An identity token as Apple would sign it for the first configured client id, and its raw nonce."""
    raw_nonce = nonce or secrets.token_urlsafe(24)
    now = int(time.time())
    claims = {
        "iss": "https://appleid.apple.com",
        "aud": settings.APPLE_CLIENT_IDS[0],
        "sub": sub,
        "email": email,
        "email_verified": "true",
        "is_private_email": "true" if email.endswith("@privaterelay.appleid.com") else "false",
        "nonce": nonce_hash(raw_nonce),
        "nonce_supported": True,
        "iat": now,
        "exp": now + lifetime,
        "auth_time": now,
    }
    token = jwt.encode(claims, signing_key(), algorithm="RS256", headers={"kid": KEY_ID})
    return token, raw_nonce
