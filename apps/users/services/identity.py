"""Sign-in with Google and with a phone code; taking over unverified accounts safely."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.exceptions import ApplicationError, Conflict
from apps.common.services import audit
from apps.users.google import GoogleIdentity, verify_google_id_token
from apps.users.models import SocialAccount, User
from apps.users.phones import mask_phone
from apps.users.services.auth import token_pair_for, user_revoke_all_tokens
from apps.users.services.otp import PURPOSE_SIGN_IN, otp_check

logger = logging.getLogger(__name__)


class AccountDisabled(ApplicationError):
    status_code = 403
    code = "account_disabled"
    message = "This account is disabled."


class GoogleAccountConflict(Conflict):
    code = "google_account_conflict"
    message = "This account is already linked to another Google account."


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountDisabled()


def _take_over(*, user: User, via: str) -> None:
    """An account nobody has proved to own is handed to whoever proves the identifier now.

    Its password is cleared (the person who set it never proved the address or number) and every session
    is revoked; nothing is merged into it.
    """
    user.set_unusable_password()
    user.save(update_fields=["password", "updated_at"])
    user_revoke_all_tokens(user=user)
    audit(actor=None, action="user.taken_over", target=user, changes={"via": via})
    logger.warning("unverified account %s taken over via %s", user.pk, via)


def _mark_login(user: User) -> None:
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)


def _google_sign_in(identity: GoogleIdentity) -> tuple[User, bool]:
    now = timezone.now()
    social = (
        SocialAccount.objects.select_for_update()
        .select_related("user")
        .filter(provider=SocialAccount.Provider.GOOGLE, uid=identity.sub)
        .first()
    )
    if social is not None:  # the same Google account, whatever its e-mail is today
        _ensure_active(social.user)
        social.email, social.last_login_at = identity.email, now
        social.save(update_fields=["email", "last_login_at", "updated_at"])
        return social.user, False

    user = User.objects.select_for_update().filter(email=identity.email).first()
    if user is not None:
        _ensure_active(user)
        link = SocialAccount.objects.filter(user=user, provider=SocialAccount.Provider.GOOGLE).first()
        if link is not None:
            if link.uid != identity.sub:
                raise GoogleAccountConflict()
            return user, False  # the same Google account, linked by a concurrent sign-in a moment ago
        if not user.email_verified:
            if user.phone and user.phone_verified:
                # The account belongs to whoever verified its phone; the address on it was never proved.
                # Free the address for its Google-proved owner instead of handing over the account.
                user.email = None
                user.save(update_fields=["email", "updated_at"])
                audit(actor=None, action="user.email_released", target=user, changes={"via": "google"})
                user = None
            else:
                _take_over(user=user, via="google")
                user.email_verified = True
                user.save(update_fields=["email_verified", "updated_at"])
    is_new = user is None
    if user is None:
        user = User.objects.create_user(
            email=identity.email,
            password=None,
            email_verified=True,
            first_name=identity.given_name,
            last_name=identity.family_name,
        )
    SocialAccount.objects.create(
        user=user,
        provider=SocialAccount.Provider.GOOGLE,
        uid=identity.sub,
        email=identity.email,
        last_login_at=now,
    )
    return user, is_new


def google_sign_in(*, token: str) -> tuple[User, dict[str, str], bool]:
    """Verify a Google ID token and sign in (or sign up). Returns the user, a JWT pair and ``is_new_user``."""
    identity = verify_google_id_token(token)
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, is_new = _google_sign_in(identity)
                _mark_login(user)
            break
        except IntegrityError:  # a concurrent first sign-in of the same Google account or address won
            if attempt:
                raise
    return user, token_pair_for(user), is_new


def _phone_sign_in(phone: str) -> tuple[User, bool]:
    user = User.objects.select_for_update().filter(phone=phone).first()
    if user is not None:
        _ensure_active(user)
        if not user.phone_verified:
            if user.email and user.email_verified:
                user.phone = None  # an unproven number on someone's verified account: release it
                user.save(update_fields=["phone", "updated_at"])
                audit(actor=None, action="user.phone_released", target=user, changes={"via": "otp"})
                user = None
            else:
                _take_over(user=user, via="otp")
                user.phone_verified = True
                user.save(update_fields=["phone_verified", "updated_at"])
    if user is not None:
        return user, False
    return User.objects.create_user(email=None, password=None, phone=phone, phone_verified=True), True


def phone_sign_in(*, phone: str, code: str) -> tuple[User, dict[str, str], bool]:
    """Check the code texted to ``phone`` and sign in the number's account, creating it if there is none."""
    otp_check(phone=phone, code=code, purpose=PURPOSE_SIGN_IN)
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, is_new = _phone_sign_in(phone)
                _mark_login(user)
            break
        except IntegrityError:  # a concurrent sign-up with the same number won
            if attempt:
                raise
    logger.info("phone sign-in for %s (new account: %s)", mask_phone(phone), is_new)
    return user, token_pair_for(user), is_new
