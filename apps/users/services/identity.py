"""Sign-in with Google and with a phone code; taking over unverified accounts safely."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.i18n import DEFAULT_LANGUAGE, supported_language
from apps.users.errors import (
    AccountDisabled,
    GoogleAccountConflict,
    GoogleEmailUnverified,
    GoogleTokenInvalid,
    OTPAttemptsExceeded,
    OTPInvalid,
    ReauthenticationFailed,
)
from apps.users.google import GoogleIdentity, verify_google_id_token
from apps.users.models import SocialAccount, User
from apps.users.phones import mask_phone
from apps.users.services.auth import token_pair_for, user_revoke_all_tokens
from apps.users.services.otp import PURPOSE_SIGN_IN, otp_check
from apps.users.services.profile import user_anonymise, user_personal_data_clear
from apps.users.signals import account_taken_over

logger = logging.getLogger(__name__)


def _ensure_active(user: User) -> None:
    if not user.is_active:
        raise AccountDisabled()


def _take_over(*, user: User, via: str) -> None:
    """An account nobody has proved to own is handed to whoever proves the identifier now (a locked row).

    Nothing of the previous holder stays: the password (and with it every session and every pending e-mail
    change link), the profile, photo, emergency contacts and linked sign-ins, the identifier they never proved
    (the phone when the e-mail is proved now, the e-mail when the phone is), and, through
    ``account_taken_over``, what they left in other domains (devices, notification choices, inbox, posts,
    messages). Nothing is merged into it.
    """
    user.set_unusable_password()
    fields = ["password", "updated_at", *user_personal_data_clear(user=user)]
    if via == "google":
        user.phone, user.phone_verified = None, False
        fields += ["phone", "phone_verified"]
    else:
        user.email, user.email_verified = None, False
        fields += ["email", "email_verified"]
    user.save(update_fields=fields)
    user_revoke_all_tokens(user=user)
    account_taken_over.send(sender=User, user=user)
    audit(actor=None, action=AuditAction.USER_TAKEN_OVER, target=user, changes={"via": via})
    logger.warning("unverified account %s taken over via %s", user.pk, via)


def _mark_login(user: User) -> None:
    user.last_login = timezone.now()
    User.objects.filter(pk=user.pk).update(last_login=user.last_login)


def _google_sign_in(identity: GoogleIdentity, language: str) -> tuple[User, bool]:
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
                audit(actor=None, action=AuditAction.USER_EMAIL_RELEASED, target=user, changes={"via": "google"})
                user = None
            else:
                _take_over(user=user, via="google")
                user.email_verified = True
                user.first_name, user.last_name = identity.given_name, identity.family_name
                user.save(update_fields=["email_verified", "first_name", "last_name", "updated_at"])
    is_new = user is None
    if user is None:
        user = User.objects.create_user(
            email=identity.email,
            password=None,
            email_verified=True,
            first_name=identity.given_name,
            last_name=identity.family_name,
            language=supported_language(language),
        )
    SocialAccount.objects.create(
        user=user,
        provider=SocialAccount.Provider.GOOGLE,
        uid=identity.sub,
        email=identity.email,
        last_login_at=now,
    )
    return user, is_new


def google_sign_in(*, token: str, language: str = DEFAULT_LANGUAGE) -> tuple[User, dict[str, str], bool]:
    """Verify a Google ID token and sign in (or sign up). Returns the user, a JWT pair and ``is_new_user``.

    A new account's ``language`` is the sign-up request's; an existing account keeps its own."""
    identity = verify_google_id_token(token)
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, is_new = _google_sign_in(identity, language)
                _mark_login(user)
            break
        except IntegrityError:  # a concurrent first sign-in of the same Google account or address won
            if attempt:
                raise
    return user, token_pair_for(user), is_new


def _phone_sign_in(phone: str, language: str) -> tuple[User, bool]:
    user = User.objects.select_for_update().filter(phone=phone).first()
    if user is not None:
        _ensure_active(user)
        if not user.phone_verified:
            if user.email and user.email_verified:
                user.phone = None  # an unproven number on someone's verified account: release it
                user.save(update_fields=["phone", "updated_at"])
                audit(actor=None, action=AuditAction.USER_PHONE_RELEASED, target=user, changes={"via": "otp"})
                user = None
            else:
                _take_over(user=user, via="otp")
                user.phone_verified = True
                user.save(update_fields=["phone_verified", "updated_at"])
    if user is not None:
        return user, False
    created = User.objects.create_user(
        email=None, password=None, phone=phone, phone_verified=True, language=supported_language(language)
    )
    return created, True


def phone_sign_in(*, phone: str, code: str, language: str = DEFAULT_LANGUAGE) -> tuple[User, dict[str, str], bool]:
    """Check the code texted to ``phone`` and sign in the number's account, creating it if there is none (in the
    sign-up request's ``language``)."""
    otp_check(phone=phone, code=code, purpose=PURPOSE_SIGN_IN)
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, is_new = _phone_sign_in(phone, language)
                _mark_login(user)
            break
        except IntegrityError:  # a concurrent sign-up with the same number won
            if attempt:
                raise
    logger.info("phone sign-in for %s (new account: %s)", mask_phone(phone), is_new)
    return user, token_pair_for(user), is_new


def user_reauthenticate(*, user: User, password: str = "", otp: str = "", id_token: str = "") -> None:  # noqa: C901  one branch per kind of proof (password, code, Google)
    """Prove that whoever holds this session can sign in to the account now, before something irreversible.

    An access token alone is not enough (it may be stolen). An account with a password must give it; one
    without gives a fresh sign-in code texted to its verified phone (``auth/otp/send/``) or a Google ID token
    of the Google account linked to it. No proof: 400 naming what this account can send; a wrong one: 403.
    """
    if user.has_usable_password():
        if not password:
            raise ValidationFailed(details={"password": ["Send this account's password to confirm."]})
        if not user.check_password(password):
            logger.info("reauthentication of %s failed: wrong password", user.pk)
            raise ReauthenticationFailed()
        return
    phone = user.phone if user.phone and user.phone_verified else None
    google = SocialAccount.objects.filter(user=user, provider=SocialAccount.Provider.GOOGLE).first()
    if otp and phone:
        try:
            otp_check(phone=phone, code=otp, purpose=PURPOSE_SIGN_IN)
        except (OTPInvalid, OTPAttemptsExceeded) as exc:
            raise ReauthenticationFailed(details={"otp": [exc.message]}) from exc
        return
    if id_token and google is not None:
        try:
            identity = verify_google_id_token(id_token)
        except (GoogleTokenInvalid, GoogleEmailUnverified) as exc:
            raise ReauthenticationFailed(details={"id_token": [exc.message]}) from exc
        if identity.sub != google.uid:
            logger.info("reauthentication of %s failed: another Google account", user.pk)
            raise ReauthenticationFailed(details={"id_token": ["This is not the Google account of this account."]})
        return
    ways = {}
    if phone:
        ways["otp"] = [f"Send the sign-in code texted to {mask_phone(phone)} (ask for one at auth/otp/send/)."]
    if google is not None:
        ways["id_token"] = ["Send a Google ID token of the Google account you sign in with."]
    if not ways:
        raise ValidationFailed(
            "This account has no password, verified phone or Google sign-in to confirm with. Set a password "
            "with a reset link (auth/password/reset/) first.",
            details={"password": ["This account has no password yet."]},
        )
    raise ValidationFailed(details=ways)


def user_delete(*, user: User, password: str = "", otp: str = "", id_token: str = "") -> None:
    """Delete the account at its owner's request, once they have proved they can sign in to it now."""
    user_reauthenticate(user=user, password=password, otp=otp, id_token=id_token)
    user_anonymise(user=user)
