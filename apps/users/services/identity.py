"""Sign-in with Google, Apple and a phone code; taking over unverified accounts safely."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.common.audit import AuditAction, audit
from apps.common.exceptions import ValidationFailed
from apps.common.i18n import DEFAULT_LANGUAGE, supported_language
from apps.users import oidc
from apps.users.errors import (
    AccountDisabled,
    OTPAttemptsExceeded,
    OTPInvalid,
    ReauthenticationFailed,
)
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
    if via in (oidc.GOOGLE.name, oidc.APPLE.name):  # the e-mail address is proved now
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


def _fill_blank_name(user: User, first_name: str, last_name: str) -> list[str]:
    """The name a provider gives (Apple: the app, on the first sign-in only) where the account has none."""
    if user.first_name or user.last_name or not (first_name or last_name):
        return []
    user.first_name, user.last_name = first_name, last_name
    return ["first_name", "last_name"]


def _account_of_email(provider: oidc.Provider, identity: oidc.Identity, first_name: str, last_name: str) -> User | None:
    """The local account with the proved address, after the takeover rules; None when there is none (any more).

    A verified account is linked (it is its owner's); an unverified one is taken over, unless its phone is
    verified: then it is its phone's owner's, and the unproved address is freed instead.
    """
    user = User.objects.select_for_update().filter(email=identity.email).first()
    if user is None:
        return None
    _ensure_active(user)
    link = SocialAccount.objects.filter(user=user, provider=provider.name).first()
    if link is not None and link.uid != identity.sub:
        raise provider.conflict()
    if not user.email_verified:
        if user.phone and user.phone_verified:
            user.email = None
            user.save(update_fields=["email", "updated_at"])
            audit(actor=None, action=AuditAction.USER_EMAIL_RELEASED, target=user, changes={"via": provider.name})
            return None
        _take_over(user=user, via=provider.name)
        user.email_verified = True
        user.save(update_fields=["email_verified", "updated_at"])
    named = _fill_blank_name(user, first_name, last_name)
    if named:
        user.save(update_fields=[*named, "updated_at"])
    return user


def _social_sign_in(
    provider: oidc.Provider, identity: oidc.Identity, first_name: str, last_name: str, language: str
) -> tuple[User, bool]:
    now = timezone.now()
    social = (
        SocialAccount.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider.name, uid=identity.sub)
        .first()
    )
    if social is not None:  # the same provider account, whatever its e-mail is today
        _ensure_active(social.user)
        social.email, social.last_login_at = identity.email or social.email, now
        social.save(update_fields=["email", "last_login_at", "updated_at"])
        return social.user, False
    if not identity.email:  # a first sign-in must say who it is (Apple omits it when the app asks no e-mail)
        raise provider.invalid(details={"id_token": ["The token carries no e-mail address: ask for the e-mail scope."]})
    user = _account_of_email(provider, identity, first_name, last_name)
    if user is not None and SocialAccount.objects.filter(user=user, provider=provider.name).exists():
        return user, False  # the same provider account, linked by a concurrent sign-in a moment ago
    is_new = user is None
    if user is None:
        user = User.objects.create_user(
            email=identity.email,
            password=None,
            email_verified=True,
            first_name=first_name,
            last_name=last_name,
            language=supported_language(language),
        )
    SocialAccount.objects.create(
        user=user, provider=provider.name, uid=identity.sub, email=identity.email, last_login_at=now
    )
    return user, is_new


def social_sign_in(
    *,
    provider: oidc.Provider,
    token: str,
    nonce: str | None = None,
    first_name: str = "",
    last_name: str = "",
    language: str = DEFAULT_LANGUAGE,
) -> tuple[User, dict[str, str], bool]:
    """Verify a provider's ID token and sign in (or sign up). Returns the user, a JWT pair and ``is_new_user``.

    ``first_name``/``last_name``: what the app was told on the first sign-in (Apple gives the name to the app
    once, never in the token); the token's own name claims (Google) win. Kept only where the account has none.
    A new account's ``language`` is the sign-up request's; an existing account keeps its own.
    """
    identity = oidc.verify_id_token(provider, token, nonce=nonce)
    first_name = (identity.given_name or first_name.strip())[:150]
    last_name = (identity.family_name or last_name.strip())[:150]
    for attempt in range(2):
        try:
            with transaction.atomic():
                user, is_new = _social_sign_in(provider, identity, first_name, last_name, language)
                _mark_login(user)
            break
        except IntegrityError:  # a concurrent first sign-in of the same provider account or address won
            if attempt:
                raise
    return user, token_pair_for(user), is_new


def google_sign_in(*, token: str, language: str = DEFAULT_LANGUAGE) -> tuple[User, dict[str, str], bool]:
    """Sign in with a Google ID token."""
    return social_sign_in(provider=oidc.GOOGLE, token=token, language=language)


def apple_sign_in(
    *, token: str, nonce: str, first_name: str = "", last_name: str = "", language: str = DEFAULT_LANGUAGE
) -> tuple[User, dict[str, str], bool]:
    """Sign in with an Apple identity token bound to ``nonce`` (the raw one); the name is sent the first time."""
    return social_sign_in(
        provider=oidc.APPLE, token=token, nonce=nonce, first_name=first_name, last_name=last_name, language=language
    )


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


def _reauthenticate_with_provider(*, user: User, links: dict[str, SocialAccount], id_token: str, nonce: str) -> None:
    """An ID token of the provider account linked to ``user``: Apple's with its raw nonce, else Google's."""
    name = oidc.APPLE.name if nonce and oidc.APPLE.name in links else next(iter(sorted(links)))
    provider = oidc.APPLE if name == oidc.APPLE.name else oidc.GOOGLE
    rejections = tuple(error for error in (provider.invalid, provider.unverified, provider.nonce_mismatch) if error)
    try:
        identity = oidc.verify_id_token(provider, id_token, nonce=nonce or None)
    except rejections as exc:
        raise ReauthenticationFailed(details={"id_token": [exc.message]}) from exc
    if identity.sub != links[name].uid:
        logger.info("reauthentication of %s failed: another %s account", user.pk, name)
        raise ReauthenticationFailed(details={"id_token": [f"This is not the {name.title()} account of this account."]})


def user_reauthenticate(  # noqa: C901  one branch per kind of proof (password, code, Google or Apple)
    *, user: User, password: str = "", otp: str = "", id_token: str = "", nonce: str = ""
) -> None:
    """Prove that whoever holds this session can sign in to the account now, before something irreversible.

    An access token alone is not enough (it may be stolen). An account with a password must give it; one
    without gives a fresh sign-in code texted to its verified phone (``auth/otp/send/``), a Google ID token of
    the Google account linked to it, or an Apple identity token of the linked Apple ID with its raw ``nonce``.
    No proof: 400 naming what this account can send; a wrong one: 403.
    """
    if user.has_usable_password():
        if not password:
            raise ValidationFailed(details={"password": ["Send this account's password to confirm."]})
        if not user.check_password(password):
            logger.info("reauthentication of %s failed: wrong password", user.pk)
            raise ReauthenticationFailed()
        return
    phone = user.phone if user.phone and user.phone_verified else None
    links = {link.provider: link for link in SocialAccount.objects.filter(user=user)}
    if otp and phone:
        try:
            otp_check(phone=phone, code=otp, purpose=PURPOSE_SIGN_IN)
        except (OTPInvalid, OTPAttemptsExceeded) as exc:
            raise ReauthenticationFailed(details={"otp": [exc.message]}) from exc
        return
    if id_token and links:
        _reauthenticate_with_provider(user=user, links=links, id_token=id_token, nonce=nonce)
        return
    ways = {}
    if phone:
        ways["otp"] = [f"Send the sign-in code texted to {mask_phone(phone)} (ask for one at auth/otp/send/)."]
    if oidc.GOOGLE.name in links:
        ways["id_token"] = ["Send a Google ID token of the Google account you sign in with."]
    if oidc.APPLE.name in links:
        ways.setdefault("id_token", []).append("Send an Apple identity token of your Apple ID, with its raw nonce.")
    if not ways:
        raise ValidationFailed(
            "This account has no password, verified phone or Google or Apple sign-in to confirm with. Set a "
            "password with a reset link (auth/password/reset/) first.",
            details={"password": ["This account has no password yet."]},
        )
    raise ValidationFailed(details=ways)


def user_delete(*, user: User, password: str = "", otp: str = "", id_token: str = "", nonce: str = "") -> None:
    """Delete the account at its owner's request, once they have proved they can sign in to it now."""
    user_reauthenticate(user=user, password=password, otp=otp, id_token=id_token, nonce=nonce)
    user_anonymise(user=user)
