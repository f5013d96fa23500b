"""Google ID tokens, verified with google-auth: signature (Google's published certificates), expiry,
audience (one of the configured client ids, never none), issuer and a verified e-mail address."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from django.conf import settings
from google.oauth2 import id_token

from apps.common.exceptions import ApplicationError, ServiceUnavailable

logger = logging.getLogger(__name__)

CERTS_TIMEOUT_SECONDS = 5
CERTS_MAX_CACHE_SECONDS = 6 * 3600


class GoogleTokenInvalid(ApplicationError):
    status_code = 401
    code = "google_token_invalid"
    message = "The Google sign-in token is invalid or expired."


class GoogleEmailUnverified(ApplicationError):
    status_code = 401
    code = "google_email_unverified"
    message = "Google has not verified this e-mail address."


class GoogleNotConfigured(ServiceUnavailable):
    code = "google_not_configured"
    message = "Google sign-in is not available."


class GoogleUnavailable(ServiceUnavailable):
    code = "google_unavailable"
    message = "Google could not be reached. Try again shortly."


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


def verify_google_id_token(token: str) -> GoogleIdentity:
    audiences = [client_id for client_id in settings.GOOGLE_CLIENT_IDS if client_id]
    if not audiences:  # never verify without an audience: any app's token would pass
        raise GoogleNotConfigured()
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
