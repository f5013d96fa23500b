"""The trip pass: a booking reference as a signed string the app shows as a QR code, checkable with no signal.

Format (ASCII, dot-separated; every field free of dots)::

    OBS1.<reference>.<batch id, 32 hex>.<seats>.<signature>

``signature`` is the Ed25519 signature (RFC 8032) of everything before the last dot, base64url without padding
(86 characters). A guide's scanner verifies it offline with the public key (``verification_key()``, 32 bytes,
base64url; served by ``GET bookings/trip-pass-key/`` and inside every trip pack), then checks the batch id is
their departure and finds the reference on their roster. A signature proves the server issued the pass, not
that the booking is still confirmed: the roster, refreshed whenever there is signal, says that.

Ed25519 rather than an HMAC: a verifier needs only the public key, so no secret sits on guides' phones and a lost
phone cannot forge passes. The private key is ``TRIP_PASS_SIGNING_KEY`` (a 32-byte seed, base64url) or, when that
is empty, derived from ``SECRET_KEY`` with HKDF-SHA256 (rotating ``SECRET_KEY`` then changes the key: passes
already issued stop verifying until the apps fetch their packs again).
"""

from __future__ import annotations

import base64
import binascii
import functools
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "OBS1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@functools.cache
def _private_key(configured: str, secret_key: str) -> Ed25519PrivateKey:
    if configured:
        try:
            seed = _unb64(configured)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured("TRIP_PASS_SIGNING_KEY is not base64url.") from exc
        if len(seed) != 32:
            raise ImproperlyConfigured("TRIP_PASS_SIGNING_KEY must hold 32 bytes.")
    else:
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"obs trip pass ed25519").derive(
            secret_key.encode()
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    return _private_key(settings.TRIP_PASS_SIGNING_KEY, settings.SECRET_KEY)


def verification_key() -> str:
    """The public key guides' scanners verify passes with: 32 raw bytes, base64url without padding."""
    raw = signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64(raw)


def pass_payload(*, reference: str, batch_id: uuid.UUID, seats: int) -> str:
    body = f"{PREFIX}.{reference}.{batch_id.hex}.{seats}"
    return f"{body}.{_b64(signing_key().sign(body.encode('ascii')))}"


def pass_verify(payload: str, *, public_key: str) -> dict[str, object] | None:
    """The fields of a pass whose signature holds under ``public_key`` (as a scanner would check it); else None."""
    body, _, signature = payload.rpartition(".")
    parts = body.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(public_key)).verify(_unb64(signature), body.encode("ascii"))
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return None
    return {"reference": parts[1], "batch_id": uuid.UUID(hex=parts[2]), "seats": int(parts[3])}
