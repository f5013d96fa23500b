"""OpenID Connect ID tokens of the sign-in providers (Google, Apple), verified with PyJWT against each provider's
published key set (JWKS): signature, issuer, audience (one of the configured client ids, never none), subject,
expiry, issue time, lifetime, a verified e-mail address and, where the provider binds one, the nonce.

Only the signature needs the provider's keys. Everything else is checked first, from the token alone, so a
token that cannot be a valid ID token of that provider is refused (401) without a network call, whether or not
the provider can be reached; only a well-formed token whose keys cannot be fetched is a 503.

Key sets are kept per URL for the ``Cache-Control: max-age`` the provider sends (capped), or an hour without
one. A token signed with a key id the cached set does not know makes one refetch (the provider rotated its
keys), at most once a minute per URL, so a flood of made-up key ids cannot hammer the provider.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.conf import settings

from apps.common.exceptions import ApplicationError
from apps.users import errors

logger = logging.getLogger(__name__)

KEYS_TIMEOUT_SECONDS = 5
KEYS_MAX_CACHE_SECONDS = 6 * 3600
KEYS_DEFAULT_CACHE_SECONDS = 3600  # a key set served without max-age
KEYS_MIN_REFETCH_SECONDS = 60  # an unknown key id refetches the set at most this often per URL
MAX_TOKEN_CHARS = 8192
ALGORITHM = "RS256"  # the only algorithm Google and Apple sign ID tokens with
RSA_SIGNATURE_BYTES = (256, 384, 512)  # RS256 with a 2048, 3072 or 4096-bit key
# A JWS in compact form: three base64url segments without padding.
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_SUBJECT = re.compile(r"^[\x21-\x7e]{1,255}$")  # at most 255 case-sensitive printable ASCII characters
_NONCE_HASH = re.compile(r"^[0-9a-f]{64}$")
_MAX_AGE = re.compile(r"max-age=(\d+)")
_TRUE = (True, "true")


@dataclass(frozen=True)
class Provider:
    """What differs between the providers: where their settings are, what they sign, and their errors."""

    name: str
    client_ids_setting: str
    issuers_setting: str
    keys_url_setting: str
    clock_skew_setting: str
    max_lifetime_seconds: int
    nonce_required: bool
    email_required: bool
    invalid: type[ApplicationError]
    unverified: type[ApplicationError]
    not_configured: type[ApplicationError]
    unavailable: type[ApplicationError]
    conflict: type[ApplicationError]  # the local account is linked to another identity at this provider
    nonce_mismatch: type[ApplicationError] | None = None

    def setting(self, name: str) -> Any:
        return getattr(settings, getattr(self, name))


GOOGLE = Provider(
    name="google",
    client_ids_setting="GOOGLE_CLIENT_IDS",
    issuers_setting="GOOGLE_ISSUERS",
    keys_url_setting="GOOGLE_CERTS_URL",
    clock_skew_setting="GOOGLE_CLOCK_SKEW_SECONDS",
    max_lifetime_seconds=24 * 3600,  # Google's ID tokens live one hour; anything near a day is not one
    nonce_required=False,
    email_required=True,
    invalid=errors.GoogleTokenInvalid,
    unverified=errors.GoogleEmailUnverified,
    not_configured=errors.GoogleNotConfigured,
    unavailable=errors.GoogleUnavailable,
    conflict=errors.GoogleAccountConflict,
)

APPLE = Provider(
    name="apple",
    client_ids_setting="APPLE_CLIENT_IDS",
    issuers_setting="APPLE_ISSUERS",
    keys_url_setting="APPLE_KEYS_URL",
    clock_skew_setting="APPLE_CLOCK_SKEW_SECONDS",
    max_lifetime_seconds=24 * 3600,  # Apple's identity tokens live minutes to a day
    nonce_required=True,
    email_required=False,  # only a first sign-in needs one (the account is keyed by ``sub`` afterwards)
    invalid=errors.AppleTokenInvalid,
    unverified=errors.AppleEmailUnverified,
    not_configured=errors.AppleNotConfigured,
    unavailable=errors.AppleUnavailable,
    conflict=errors.AppleAccountConflict,
    nonce_mismatch=errors.AppleNonceMismatch,
)


@dataclass(frozen=True)
class Identity:
    provider: str
    sub: str
    email: str  # empty when the token carries none (Apple, after the first sign-in, may omit it)
    given_name: str
    family_name: str


def nonce_hash(raw_nonce: str) -> str:
    """What the app gives the provider for a raw nonce, and the token then carries: SHA-256, lower-case hex."""
    return hashlib.sha256(raw_nonce.encode()).hexdigest()


# --- key sets ------------------------------------------------------------------------------------------------


@dataclass
class _KeySet:
    fetched_at: float
    expires_at: float
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)


_clock: Callable[[], float] = time.monotonic
_key_sets: dict[str, _KeySet] = {}
_lock = threading.Lock()
_session = requests.Session()


def clear_key_cache() -> None:
    with _lock:
        _key_sets.clear()


def _cache_seconds(response: requests.Response) -> int:
    match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
    return min(int(match.group(1)), KEYS_MAX_CACHE_SECONDS) if match else KEYS_DEFAULT_CACHE_SECONDS


def _fetch(provider: Provider, url: str) -> _KeySet:
    """The provider's current key set (RS256 signing keys by key id); ``unavailable`` when it cannot be had."""
    try:
        response = _session.get(url, timeout=KEYS_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("%s keys could not be fetched: %s", provider.name, type(exc).__name__)
        raise provider.unavailable() from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        logger.warning("%s keys endpoint answered something that is not a key set", provider.name)
        raise provider.unavailable()
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM or not isinstance(entry.get("kid"), str):
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=ALGORITHM)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            logger.warning("%s published an unusable key %.40r", provider.name, entry["kid"])
    now = _clock()
    return _KeySet(fetched_at=now, expires_at=now + _cache_seconds(response), keys=keys)


def _signing_key(provider: Provider, kid: str) -> jwt.PyJWK:
    url = provider.setting("keys_url_setting")
    with _lock:
        cached = _key_sets.get(url)
        now = _clock()
        if cached is not None and cached.expires_at > now:
            if kid in cached.keys:
                return cached.keys[kid]
            if now - cached.fetched_at < KEYS_MIN_REFETCH_SECONDS:  # fetched a moment ago: not a rotation
                logger.info("%s id token rejected: unknown key id", provider.name)
                raise provider.invalid()
        fresh = _fetch(provider, url)  # under the lock: one fetch at a time, never a stampede
        _key_sets[url] = fresh
    if kid not in fresh.keys:
        logger.info("%s id token rejected: unknown key id", provider.name)
        raise provider.invalid()
    return fresh.keys[kid]


# --- the token ----------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _segment(encoded: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))


def _unverifiable_reason(provider: Provider, token: str, audiences: list[str]) -> str | None:  # noqa: C901  one early return per check, in the documented order
    """Why ``token`` cannot be a valid ID token of ``provider`` for us, judged without its keys (None: it may be).

    The shape (compact JWS, JSON object header and payload, signature length), the header (RS256, a key id of
    at most 128 URL-safe characters, type JWT) and every claim that needs no key: issuer, audience, subject,
    expiry, issue time, a lifetime of at most a day, and the nonce's SHA-256 where the provider binds one.
    """
    if len(token) > MAX_TOKEN_CHARS or not _COMPACT_JWS.match(token):
        return "not a compact JWS"
    head, body, encoded_signature = token.split(".")
    try:
        header, claims = _segment(head), _segment(body)
        signature = base64.urlsafe_b64decode(encoded_signature + "=" * (-len(encoded_signature) % 4))
    except (ValueError, TypeError, binascii.Error):  # not base64url, not UTF-8, not JSON
        return "malformed segments"
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return "malformed segments"
    if header.get("alg") != ALGORITHM:
        return "algorithm"
    if not isinstance(header.get("kid"), str) or not _KEY_ID.match(header["kid"]):
        return "key id"
    if header.get("typ", "JWT") != "JWT":
        return "type"
    if len(signature) not in RSA_SIGNATURE_BYTES:
        return "signature length"
    if not isinstance(claims.get("iss"), str) or claims["iss"] not in provider.setting("issuers_setting"):
        return "issuer"
    if not isinstance(claims.get("aud"), str) or claims["aud"] not in audiences:
        return "audience"
    if not isinstance(claims.get("sub"), str) or not _SUBJECT.match(claims["sub"]):
        return "subject"
    now, skew = time.time(), provider.setting("clock_skew_setting")
    issued: Any = claims.get("iat")
    expires: Any = claims.get("exp")
    if not _is_number(issued) or not _is_number(expires):
        return "times"
    if expires + skew < now:
        return "expired"
    if issued - skew > now:
        return "issued in the future"
    if not 0 < expires - issued <= provider.max_lifetime_seconds:
        return "lifetime"
    if provider.nonce_required and (not isinstance(claims.get("nonce"), str) or not _NONCE_HASH.match(claims["nonce"])):
        return "no nonce"
    return None


def _email(provider: Provider, claims: dict[str, Any]) -> str:
    email = claims.get("email")
    if email is None and not provider.email_required:
        return ""
    if not isinstance(email, str) or not 3 <= len(email.strip()) <= 254 or "@" not in email:
        raise provider.invalid()
    if claims.get("email_verified") not in _TRUE:  # a boolean (Google) or the string "true" (Apple)
        raise provider.unverified()
    return email.strip().lower()


def verify_id_token(provider: Provider, token: str, *, nonce: str | None = None) -> Identity:
    """The identity a provider's ID token asserts, once everything about it checks out.

    ``nonce`` is the raw nonce the app generated; the token must carry its SHA-256 (``nonce_hash``). Raises the
    provider's ``invalid`` (401), ``unverified`` (401, an e-mail address the provider has not verified),
    ``nonce_mismatch`` (401), ``not_configured`` (503: no client id) or ``unavailable`` (503: keys unreachable).
    """
    audiences = [client_id for client_id in provider.setting("client_ids_setting") if client_id]
    if not audiences:  # never verify without an audience: any app's token would pass
        raise provider.not_configured()
    reason = _unverifiable_reason(provider, token, audiences)
    if reason is not None:
        logger.info("%s id token rejected before fetching keys: %s", provider.name, reason)
        raise provider.invalid()
    if provider.nonce_required:
        expected = nonce_hash(nonce or "")
        if not nonce or not hmac.compare_digest(_segment(token.split(".")[1])["nonce"], expected):
            logger.info("%s id token rejected: nonce mismatch", provider.name)
            raise (provider.nonce_mismatch or provider.invalid)()
    key = _signing_key(provider, jwt.get_unverified_header(token)["kid"])
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audiences,
            issuer=provider.setting("issuers_setting"),
            leeway=provider.setting("clock_skew_setting"),
            options={"require": ["iss", "aud", "sub", "iat", "exp"]},
        )
    except jwt.InvalidTokenError as exc:
        logger.info("%s id token rejected: %s", provider.name, type(exc).__name__)
        raise provider.invalid() from exc
    return Identity(
        provider=provider.name,
        sub=claims["sub"],
        email=_email(provider, claims),
        given_name=str(claims.get("given_name") or "")[:150],
        family_name=str(claims.get("family_name") or "")[:150],
    )
