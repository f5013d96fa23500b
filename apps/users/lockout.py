"""One sign-in policy for every password form: the API's ``auth/login/`` and the admin's ``/admin/login/``.

- Rate: the ``login`` throttle, per client IP, one counter for both (``THROTTLE_LOGIN``, 10 a minute).
- Lockout (django-axes): ``LOGIN_FAILURE_LIMIT`` failed passwords for one address from one client IP lock that
  pair for ``LOGIN_LOCKOUT_MINUTES``; every further try restarts the wait, and a success clears the count. Keyed
  by address *and* IP, so nobody can lock an owner out from elsewhere. A super admin unlocks with
  ``manage.py axes_reset_username <address>`` (or ``axes_reset_ip``, ``axes_reset``) or in the admin
  ("Access attempts").

Both answer 429 with ``Retry-After``: the error envelope on the API, a page saying why on the admin.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from apps.common.exceptions import RateLimited, error_body
from apps.users.errors import SignInLocked
from apps.users.models import normalize_email_address

LOCKED_CODE = SignInLocked.code
THROTTLED_CODE = RateLimited.code


def lockout_seconds(request: Any = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, int(cool_off.total_seconds())) if cool_off else 3600


def locked_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"Too many failed sign-ins for this account from your network. Try again in {minutes} minutes, "
        "reset the password, or ask an administrator to unlock it."
    )


def attempted_address(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the address a sign-in tried, as accounts store it (trimmed, lower case).

    The API sends ``email``, the admin form ``username``; ``A@X.in`` and ``a@x.in `` are one address.
    """
    source: Any = credentials if credentials else getattr(request, "data", None) or getattr(request, "POST", {})
    value = source.get("email") or source.get("username")
    return normalize_email_address(str(value)) if value else None


def sign_in_refused(request: HttpRequest, *, code: str, message: str, retry_after: int) -> HttpResponse:
    """The answer to a refused sign-in: the envelope under ``/api/``, a page elsewhere (the admin)."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        body = error_body(429, code, message, {"retry_after": retry_after}, getattr(request, "request_id", None))
        response = JsonResponse(body, status=429)
    else:
        page = render_to_string("admin/sign_in_refused.html", {"message": message, "title": "Sign-in refused"}, request)
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out sign-in is answered."""
    seconds = lockout_seconds(request)
    return sign_in_refused(request, code=LOCKED_CODE, message=locked_message(seconds), retry_after=seconds)
