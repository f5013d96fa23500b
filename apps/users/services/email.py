"""E-mail verification (signed, expiring links), e-mail change, and password reset / change."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from apps.common.exceptions import ValidationFailed
from apps.common.services import enqueue_after_response
from apps.users import sending, tasks
from apps.users.errors import EmailTaken, ResetLinkInvalid, VerificationLinkExpired, VerificationLinkInvalid
from apps.users.models import User, normalize_email_address
from apps.users.passwords import prehashed_passwords
from apps.users.services.auth import token_pair_for, user_revoke_all_tokens

logger = logging.getLogger(__name__)

_VERIFY_SALT = "apps.users.email-verification"


def _frontend(path: str, **params: str) -> str:
    return f"{settings.OBS_FRONTEND_URL.rstrip('/')}/{path}?{urlencode(params)}"


def _password_stamp(user: User) -> str:
    """Changes whenever the password does (set, reset, cleared at a takeover): links issued before die."""
    return salted_hmac(_VERIFY_SALT, user.password).hexdigest()[:20]


def _email_verification_token(*, user: User, email: str) -> str:
    """Signed: who, which address to confirm, the address the account had when it was issued, and a stamp of
    its password then (a link outlives neither an e-mail change nor a password change or takeover)."""
    data = {"u": str(user.pk), "e": email, "c": user.email or "", "p": _password_stamp(user)}
    return signing.dumps(data, salt=_VERIFY_SALT, compress=True)


def email_verification_send(*, user: User, email: str | None = None) -> None:
    """Mail a verification link for ``email`` (default: the account's own address). Call in a transaction."""
    target = normalize_email_address(email) or user.email
    if not target:
        return
    link = _frontend("verify-email", token=_email_verification_token(user=user, email=target))
    sending.send_email_verification(user=user, email=target, link=link)


def email_verify(*, token: str) -> User:
    """Confirm the address a link was issued for; for an e-mail change, that address becomes the account's."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise VerificationLinkExpired() from exc
    except signing.BadSignature as exc:
        raise VerificationLinkInvalid() from exc
    if not isinstance(data, dict) or not {"u", "e", "c", "p"} <= data.keys():
        raise VerificationLinkInvalid()
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(pk=data["u"], is_active=True).first()
            if user is None or (user.email or "") != data["c"]:  # the account's address changed since
                raise VerificationLinkInvalid()
            if not constant_time_compare(_password_stamp(user), data["p"]):  # password changed or cleared since
                raise VerificationLinkInvalid()
            target = data["e"]
            if target != user.email:
                if User.objects.filter(email=target).exclude(pk=user.pk).exists():
                    raise EmailTaken()
                user.email = target
            user.email_verified = True
            user.save(update_fields=["email", "email_verified", "updated_at"])
    except IntegrityError as exc:
        raise EmailTaken() from exc
    return user


def email_verification_resend(*, user: User) -> None:
    if user.email and not user.email_verified:
        with transaction.atomic():
            email_verification_send(user=user)


def user_email_change_request(*, user: User, email: str, password: str = "") -> None:
    """Mail a confirmation link to the new address; the account keeps its address until it is confirmed.

    The answer does not depend on whether the new address is taken (that is checked on confirmation).
    """
    if user.has_usable_password() and not user.check_password(password):
        raise ValidationFailed(details={"password": ["The password is incorrect."]})
    target = normalize_email_address(email)
    if not target:
        raise ValidationFailed(details={"email": ["This field is required."]})
    if target == user.email and user.email_verified:
        return
    with transaction.atomic():
        email_verification_send(user=user, email=target)


# --- passwords ------------------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Start a reset. Whether the address exists or not, the request does the same work and gives the same
    answer: the lookup and the e-mail happen in a task, which runs in a worker, or (tasks in-process, no
    broker) after the response has been sent, so the response time says nothing about the address."""
    address = normalize_email_address(email)
    if address:
        enqueue_after_response(tasks.send_password_reset, address)


def password_reset_send(*, email: str) -> bool:
    """Mail a reset link to the active account with this address, if there is one."""
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is None:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = _frontend("reset-password", uid=uid, token=default_token_generator.make_token(user))
    with transaction.atomic():
        sending.send_password_reset(user=user, link=link)
    return True


def _validated_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(details={"new_password": list(exc.messages)}) from exc


def _set_password(user: User, password: str, *, email_proved: bool = False) -> None:
    user.set_password(password)
    fields = ["password", "updated_at"]
    if email_proved and not user.email_verified:
        user.email_verified = True
        fields.append("email_verified")
    user.save(update_fields=fields)
    user_revoke_all_tokens(user=user)


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link (single use: the link dies with the old password)."""
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = User.objects.get(pk=pk, is_active=True)
    except (ValueError, TypeError, OverflowError, DjangoValidationError, User.DoesNotExist) as exc:
        raise ResetLinkInvalid() from exc
    if not default_token_generator.check_token(user, token):
        raise ResetLinkInvalid()
    _validated_password(new_password, user)
    with prehashed_passwords(new_password), transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(locked, token):  # a concurrent confirm used it
            raise ResetLinkInvalid()
        _set_password(locked, new_password, email_proved=True)
    logger.info("password reset for user %s; all sessions revoked", locked.pk)
    return locked


def password_change(*, user: User, current_password: str, new_password: str) -> dict[str, str]:
    """Change the password of a signed-in user: every session ends; a fresh pair is returned for this one."""
    if not user.check_password(current_password):
        raise ValidationFailed(details={"current_password": ["The password is incorrect."]})
    _validated_password(new_password, user)
    with prehashed_passwords(new_password), transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _set_password(locked, new_password)
    return token_pair_for(locked)
