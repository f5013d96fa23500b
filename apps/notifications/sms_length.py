"""How many SMS parts a text takes, as the networks count them.

A text made only of GSM 03.38 characters (the default alphabet, plus the extension table whose characters take
two septets) goes as GSM-7: 160 septets in one SMS, 153 per part when concatenated. Anything else (Devanagari,
most emoji...) sends the whole text as UCS-2: 70 UTF-16 code units in one SMS, 67 per part. Characters outside
the Basic Multilingual Plane take two code units.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = "gsm7"
UCS2 = "ucs2"

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# (single message, per part when concatenated)
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


@dataclass(frozen=True)
class SMSLength:
    encoding: str  # GSM7 or UCS2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int

    @property
    def unicode(self) -> bool:
        return self.encoding == UCS2


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text)


def sms_length(text: str) -> SMSLength:
    """The encoding ``text`` needs and the number of SMS parts it is billed as (0 for an empty text)."""
    if is_gsm7(text):
        encoding, units = GSM7, sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
    else:
        encoding, units = UCS2, len(text.encode("utf-16-le")) // 2
    single, per_part = _LIMITS[encoding]
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // per_part)
    return SMSLength(encoding=encoding, units=units, segments=segments)
