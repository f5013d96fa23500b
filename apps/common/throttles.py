"""Throttle scopes. Rates live in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (settings), one per scope."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def client_ip(request: Request | HttpRequest) -> str:
    """The client address as every throttle and per-IP limit sees it (honours ``NUM_PROXIES``); also the IP of
    the sign-in lockout (``AXES_CLIENT_IP_CALLABLE``)."""
    return str(BaseThrottle().get_ident(request) or "")  # type: ignore[arg-type]  # "" when no address was given


class IPScopedThrottle(SimpleRateThrottle):
    """Counts requests per client IP under ``scope``, whether or not the client is signed in."""

    def get_cache_key(self, request, view):  # type: ignore[no-untyped-def]
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(IPScopedThrottle):
    scope = "login"


class RegisterThrottle(IPScopedThrottle):
    scope = "register"


class TokenRefreshThrottle(IPScopedThrottle):
    scope = "token_refresh"


class PasswordResetThrottle(IPScopedThrottle):
    scope = "password_reset"


class OTPSendThrottle(IPScopedThrottle):
    scope = "otp_send"


class OTPVerifyThrottle(IPScopedThrottle):
    scope = "otp_verify"


class GoogleLoginThrottle(IPScopedThrottle):
    scope = "google_login"


class AppleLoginThrottle(IPScopedThrottle):
    scope = "apple_login"


class EmailVerifyThrottle(IPScopedThrottle):
    scope = "email_verify"
