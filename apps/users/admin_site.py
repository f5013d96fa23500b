"""The admin site, signing in under the API's policy (see ``apps.users.lockout``)."""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, HttpResponse
from unfold.sites import UnfoldAdminSite

from apps.common.throttles import LoginThrottle
from apps.users.lockout import THROTTLED_CODE, sign_in_refused


class AdminSite(UnfoldAdminSite):
    """Django's admin in django-unfold's theme; its sign-in form counts against the same per-IP ``login`` rate
    as ``auth/login/``.

    The lockout per address and IP is django-axes' (its backend and middleware), shared with the API too.
    """

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":
            throttle = LoginThrottle()
            if not throttle.allow_request(request, None):  # type: ignore[arg-type]
                wait = max(1, math.ceil(throttle.wait() or 60))
                message = f"Too many sign-in attempts from your network. Try again in {wait} seconds."
                return sign_in_refused(request, code=THROTTLED_CODE, message=message, retry_after=wait)
        return super().login(request, extra_context)
