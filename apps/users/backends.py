from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from apps.users.models import User, normalize_email_address


class EmailBackend(ModelBackend):
    """Authenticate by e-mail (case-insensitive) and password."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        email: str | None = None,
        password: str | None = None,
        username: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        address = normalize_email_address(email or username or kwargs.get(User.USERNAME_FIELD))
        if not address or password is None:
            return None
        user = User.objects.filter(email=address).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint that the address is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
