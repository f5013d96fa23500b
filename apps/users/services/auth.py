"""Account writes: registration, sign-in tokens, refresh rotation, logout, role changes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.i18n import DEFAULT_LANGUAGE, supported_language
from apps.users.errors import EmailTaken, InvalidCredentials, InvalidRefreshToken, SignInLocked
from apps.users.lockout import locked_message, lockout_seconds
from apps.users.models import User, normalize_email_address
from apps.users.passwords import prehashed_passwords
from apps.users.signals import staff_role_changed


def token_pair_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def user_register(
    *, email: str, password: str, first_name: str = "", last_name: str = "", language: str = DEFAULT_LANGUAGE
) -> User:
    """A new e-mail account; ``language`` is the sign-up request's (``Accept-Language``), its messages' language."""
    normalized = normalize_email_address(email)
    if not normalized:
        raise ValidationFailed(details={"email": ["This field is required."]})
    candidate = User(email=normalized, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(details={"password": list(exc.messages)}) from exc
    if User.objects.filter(email=normalized).exists():
        raise EmailTaken()
    try:
        with prehashed_passwords(password), transaction.atomic():
            user = User.objects.create_user(
                email=normalized,
                password=password,
                first_name=first_name,
                last_name=last_name,
                language=supported_language(language),
            )
            from apps.users.services.email import email_verification_send  # the e-mail module imports this one

            email_verification_send(user=user)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise EmailTaken() from exc
    return user


def user_login(*, email: str, password: str, request: Any) -> tuple[User, dict[str, str]]:
    """Sign in with e-mail and password under the sign-in policy of ``apps.users.lockout`` (shared with the
    admin): an (address, client IP) pair with too many failures is refused, 429, before the password is looked at.
    """
    user = authenticate(request=request, email=normalize_email_address(email), password=password)
    if user is None or not user.is_active:
        if getattr(request, "axes_locked_out", False):
            seconds = lockout_seconds(request)
            raise SignInLocked(locked_message(seconds), retry_after=seconds)
        raise InvalidCredentials()
    assert isinstance(user, User)
    # A sign-in, as for the admin: clears the address's failures (lockout) and records last_login.
    user_logged_in.send(sender=User, request=request, user=user)
    return user, token_pair_for(user)


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Rotate a refresh token: exactly one new pair per token, even under concurrent requests."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]  # signature, expiry, type and blacklist
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    with transaction.atomic():
        outstanding = (
            OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=token[jwt_settings.JTI_CLAIM]).first()
        )
        if outstanding is None:
            raise InvalidRefreshToken()
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        if not created:
            raise InvalidRefreshToken()
        user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
        if user is None:
            raise InvalidRefreshToken()
        return token_pair_for(user)


def token_revoke(*, refresh: str, user: User) -> None:
    """Log out: blacklist the given refresh token, which must belong to ``user``."""
    try:
        token = RefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise InvalidRefreshToken() from exc
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise InvalidRefreshToken()
    token.blacklist()


def user_revoke_all_tokens(*, user: User) -> int:
    """Blacklist every outstanding refresh token of ``user`` (password change, takeover, deletion)."""
    with transaction.atomic():
        pending = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
        rows = [BlacklistedToken(token=token) for token in pending]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def user_set_role(*, actor: User, user: User, role: str | None) -> User:
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        previous = locked.staff_role
        locked.staff_role = role or None
        locked.save(update_fields=["staff_role", "updated_at"])
        if locked.staff_role != previous:
            action = AuditAction.USER_ROLE_GRANTED if locked.staff_role else AuditAction.USER_ROLE_REVOKED
            audit(actor=actor, action=action, target=locked, changes={"from": previous, "to": locked.staff_role})
        staff_role_changed.send(sender=User, actor=actor, user=locked)
    return locked
