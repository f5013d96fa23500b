"""The account a request is made by, for views behind ``IsAuthenticated`` (or a stricter permission)."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from apps.users.models import User


def authenticated_user(request: Request | HttpRequest) -> User:
    """The signed-in user of ``request``, typed as ``User``. A permission class has already refused anonymous
    callers; should one get this far anyway (a view without it), the answer is 401, never an anonymous user
    passed on to a service."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
