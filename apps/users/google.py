"""Google ID tokens, verified with google-auth: signature (Google's published certificates), expiry,
audience (one of the configured client ids, never none), issuer and a verified e-mail address.

Only the signature needs Google's certificates. Everything else is checked first, from the token alone, so a
token that cannot be a valid Google ID token is refused (401) without a network call, whether or not Google
can be reached; only a well-formed token whose keys cannot be fetched is a 503.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import google.auth.jwt
import google.auth.transport.requests
import requests
from django.conf import settings
from google.oauth2 import id_token

from apps.users.errors import GoogleEmailUnverified, GoogleNotConfigured, GoogleTokenInvalid, GoogleUnavailable

logger = logging.getLogger(__name__)

CERTS_TIMEOUT_SECONDS = 5
CERTS_MAX_CACHE_SECONDS = 6 * 3600
# A JWS in compact form: three base64url segments without padding.
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
GOOGLE_ALGORITHM = "RS256"  # the only algorithm Google signs ID tokens with
RSA_SIGNATURE_BYTES = (256, 384, 512)  # RS256 with a 2048, 3072 or 4096-bit key
_SUBJECT = re.compile(r"^[\x21-\x7e]{1,255}$")  # Google: at most 255 case-sensitive ASCII characters
MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600  # Google's ID tokens live one hour; anything near a day is not one


@dataclass(frozen=True)
class GoogleIdentity:
    sub: str
    email: str
    given_name: str
    family_name: str


class _CachedResponse:
    status = 200
    headers: dict[str, str] = {}

    def __init__(self, data: bytes) -> None:
        self.data = data


_MAX_AGE = re.compile(r"max-age=(\d+)")
_certs_cache: dict[str, tuple[float, bytes]] = {}
_certs_lock = threading.Lock()


def clear_certs_cache() -> None:
    with _certs_lock:
        _certs_cache.clear()


class _Transport(google.auth.transport.requests.Request):
    """google-auth's requests transport with a short timeout, keeping Google's certificates for as long as
    their ``Cache-Control: max-age`` allows (Google rotates keys well within that)."""

    def __call__(
        self, url: str, method: str = "GET", body: Any = None, headers: Any = None, timeout: Any = None, **kwargs: Any
    ) -> Any:
        if method == "GET":
            with _certs_lock:
                cached = _certs_cache.get(url)
            if cached and cached[0] > time.monotonic():
                return _CachedResponse(cached[1])
        response = super().__call__(
            url, method=method, body=body, headers=headers, timeout=CERTS_TIMEOUT_SECONDS, **kwargs
        )
        if method == "GET" and response.status == 200:
            match = _MAX_AGE.search(str(response.headers.get("Cache-Control", "")))
            max_age = min(int(match.group(1)), CERTS_MAX_CACHE_SECONDS) if match else 0
            if max_age:
                with _certs_lock:
                    _certs_cache[url] = (time.monotonic() + max_age, response.data)
        return response


_session = requests.Session()


def _verify(token: str, audiences: list[str]) -> Any:
    return id_token.verify_token(
        token,
        _Transport(session=_session),
        audience=audiences,
        certs_url=settings.GOOGLE_CERTS_URL,
        clock_skew_in_seconds=settings.GOOGLE_CLOCK_SKEW_SECONDS,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unverifiable_reason(token: str, audiences: list[str]) -> str | None:  # noqa: C901  one early return per claim checked, in the documented order
    """Why ``token`` cannot be a valid Google ID token for us, judged without Google's keys (None: it may be).

    The shape (compact JWS, JSON header and payload, signature length), the header (RS256, a key id of at
    most 128 URL-safe characters, type JWT) and every claim that needs no key: issuer, audience, subject (at
    most 255 ASCII characters), expiry, issue time and a lifetime of at most a day.
    """
    if not _COMPACT_JWS.match(token):
        return "not a compact JWS"
    try:
        header = google.auth.jwt.decode_header(token)
        claims = google.auth.jwt.decode(token, verify=False)
        encoded_signature = token.rsplit(".", 1)[1]
        signature = base64.urlsafe_b64decode(encoded_signature + "=" * (-len(encoded_signature) % 4))
    except (ValueError, TypeError, binascii.Error):  # not base64url, not JSON, not a JSON object
        return "malformed segments"
    if header.get("alg") != GOOGLE_ALGORITHM:
        return "algorithm"
    if not isinstance(header.get("kid"), str) or not _KEY_ID.match(header["kid"]):
        return "key id"
    if header.get("typ", "JWT") != "JWT":
        return "type"
    if len(signature) not in RSA_SIGNATURE_BYTES:
        return "signature length"
    if claims.get("iss") not in settings.GOOGLE_ISSUERS:
        return "issuer"
    if not isinstance(claims.get("aud"), str) or claims["aud"] not in audiences:
        return "audience"
    if not isinstance(claims.get("sub"), str) or not _SUBJECT.match(claims["sub"]):
        return "subject"
    now, skew = time.time(), settings.GOOGLE_CLOCK_SKEW_SECONDS
    issued, expires = claims.get("iat"), claims.get("exp")
    if not _is_number(issued) or not _is_number(expires):
        return "times"
    if expires + skew < now:
        return "expired"
    if issued - skew > now:
        return "issued in the future"
    if not 0 < expires - issued <= MAX_TOKEN_LIFETIME_SECONDS:
        return "lifetime"
    return None


def verify_google_id_token(token: str) -> GoogleIdentity:
    audiences = [client_id for client_id in settings.GOOGLE_CLIENT_IDS if client_id]
    if not audiences:  # never verify without an audience: any app's token would pass
        raise GoogleNotConfigured()
    reason = _unverifiable_reason(token, audiences)
    if reason is not None:
        logger.info("google id token rejected before fetching keys: %s", reason)
        raise GoogleTokenInvalid()
    try:
        try:
            claims = _verify(token, audiences)
        except ValueError as exc:
            if "Certificate for key id" not in str(exc):
                raise
            clear_certs_cache()  # signed with a key newer than our cached certificates: fetch them again
            claims = _verify(token, audiences)
    except google.auth.exceptions.TransportError as exc:
        logger.warning("google certificates could not be fetched: %s", type(exc).__name__)
        raise GoogleUnavailable() from exc
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        logger.info("google id token rejected: %s", type(exc).__name__)
        raise GoogleTokenInvalid() from exc
    if claims.get("iss") not in settings.GOOGLE_ISSUERS:
        logger.info("google id token rejected: foreign issuer")
        raise GoogleTokenInvalid()
    sub, email = str(claims.get("sub") or ""), str(claims.get("email") or "").strip().lower()
    if not sub or not email:
        raise GoogleTokenInvalid()
    if claims.get("email_verified") not in (True, "true", "True"):
        raise GoogleEmailUnverified()
    return GoogleIdentity(
        sub=sub,
        email=email,
        given_name=str(claims.get("given_name") or "")[:150],
        family_name=str(claims.get("family_name") or "")[:150],
    )
