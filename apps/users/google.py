"""Google ID tokens, verified with google-auth: signature (Google's published certificates), expiry,
audience (one of the configured client ids, never none), issuer and a verified e-mail address."""

from __future__ import annotations

import logging
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


class _Transport(google.auth.transport.requests.Request):
    """google-auth's requests transport with a short timeout."""

    def __call__(
        self, url: str, method: str = "GET", body: Any = None, headers: Any = None, timeout: Any = None, **kwargs: Any
    ) -> Any:
        return super().__call__(url, method=method, body=body, headers=headers, timeout=CERTS_TIMEOUT_SECONDS, **kwargs)


_session = requests.Session()


def verify_google_id_token(token: str) -> GoogleIdentity:
    audiences = [client_id for client_id in settings.GOOGLE_CLIENT_IDS if client_id]
    if not audiences:  # never verify without an audience: any app's token would pass
        raise GoogleNotConfigured()
    try:
        claims = id_token.verify_token(
            token,
            _Transport(session=_session),
            audience=audiences,
            certs_url=settings.GOOGLE_CERTS_URL,
            clock_skew_in_seconds=settings.GOOGLE_CLOCK_SKEW_SECONDS,
        )
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
