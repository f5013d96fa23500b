"""Phone one-time codes: send (rate-limited), check (attempt-capped, single use)."""

from __future__ import annotations

import logging
import math
import re
import secrets

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from apps.common.exceptions import RateLimited
from apps.common.i18n import DEFAULT_LANGUAGE
from apps.users import sending
from apps.users.errors import OTPAttemptsExceeded, OTPCooldown, OTPInvalid, OTPIPLimit, OTPNumberLimit
from apps.users.models import User
from apps.users.otp_store import (
    AttemptStatus,
    Limits,
    SendStatus,
    code_digest,
    digests_match,
    generate_code,
    get_store,
)
from apps.users.phones import mask_phone

logger = logging.getLogger(__name__)

PURPOSE_SIGN_IN = "sign_in"
PURPOSE_PHONE_CHANGE = "phone_change"
_CODE_FORMAT = re.compile(r"^[0-9]{6}$")

_LIMITED: dict[SendStatus, tuple[type[RateLimited], str]] = {
    SendStatus.COOLDOWN: (OTPCooldown, gettext_noop("Wait %(seconds)d seconds before asking for another code.")),
    SendStatus.NUMBER_LIMIT: (
        OTPNumberLimit,
        gettext_noop("Too many codes for this number. Try again in %(seconds)d seconds."),
    ),
    SendStatus.IP_LIMIT: (OTPIPLimit, gettext_noop("Too many codes requested. Try again in %(seconds)d seconds.")),
}


def otp_send(*, phone: str, purpose: str, ip: str, language: str = DEFAULT_LANGUAGE) -> None:
    """Text a fresh code to ``phone`` (E.164). Known and unknown numbers are treated alike.

    The text is in the language of the account holding the number, else ``language`` (the requester's: the
    person who asked for a code to this number is the one who reads it)."""
    code, nonce = generate_code(), secrets.token_hex(8)
    result = get_store().issue(
        purpose=purpose,
        phone=phone,
        ip=ip or "unknown",
        digest=code_digest(purpose=purpose, phone=phone, nonce=nonce, code=code),
        nonce=nonce,
        limits=Limits.from_settings(),
    )
    if result.status is not SendStatus.SENT:
        seconds = max(1, math.ceil(result.retry_after_ms / 1000))
        error, message = _LIMITED[result.status]
        logger.info("otp send refused for %s: %s", mask_phone(phone), error.code)
        raise error(gettext(message) % {"seconds": seconds}, retry_after=seconds)
    with transaction.atomic():
        holder_language = User.objects.filter(phone=phone).values_list("language", flat=True).first()
        sending.send_otp_sms(phone=phone, code=code, purpose=purpose, language=holder_language or language)
    logger.info("otp issued for %s (%s)", mask_phone(phone), purpose)


def otp_check(*, phone: str, code: str, purpose: str) -> None:
    """Accept ``code`` for ``phone`` once, or raise. Every check counts against the code's attempt cap."""
    if not _CODE_FORMAT.match(code or ""):
        raise OTPInvalid()
    store = get_store()
    attempt = store.begin_attempt(purpose=purpose, phone=phone, limits=Limits.from_settings())
    if attempt.status is AttemptStatus.EXHAUSTED:
        raise OTPAttemptsExceeded()
    if attempt.status is AttemptStatus.NO_CODE:
        raise OTPInvalid()
    candidate = code_digest(purpose=purpose, phone=phone, nonce=attempt.nonce, code=code)
    if not digests_match(attempt.digest, candidate):
        logger.info("wrong otp for %s", mask_phone(phone))
        raise OTPInvalid()
    if not store.consume(purpose=purpose, phone=phone, nonce=attempt.nonce):  # used concurrently or replaced
        raise OTPInvalid()
