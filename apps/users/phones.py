"""Phone numbers: parsed and normalised to E.164 with the phonenumbers library."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.conf import settings
from rest_framework import serializers

INVALID_PHONE = "Enter a valid phone number, e.g. +91 98123 45678."
INVALID_MOBILE = "Enter a valid mobile number, e.g. +91 98123 45678."
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def to_e164(raw: str, *, region: str | None = None, mobile: bool = False) -> str | None:
    """The number in E.164 (``+919812345678``), or None when it is not a valid (``mobile``) number."""
    if not raw or len(raw) > 32:
        return None
    try:
        parsed = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if mobile and phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """For logs: never a full number."""
    if not e164:
        return "-"
    return f"{e164[:3]}******{e164[-2:]}"


class PhoneNumberField(serializers.CharField):
    """Accepts national (default region) or international input; yields E.164. ``mobile``: SMS-capable only."""

    default_error_messages = {"invalid_phone": INVALID_PHONE, "invalid_mobile": INVALID_MOBILE}

    def __init__(self, *, mobile: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        self.mobile = mobile
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value == "" and self.allow_blank:
            return value
        e164 = to_e164(value, mobile=self.mobile)
        if e164 is None:
            self.fail("invalid_mobile" if self.mobile else "invalid_phone")
        return e164 or ""
