"""The languages people are written to in, and the language of a request (docs/i18n.md).

A user and each emergency contact keep a ``language`` (:class:`Language`); a new account takes the one its
sign-up request asked for in ``Accept-Language`` (:func:`request_language`). Messages follow their recipient's
language, never the language of the request that caused them.
"""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils import translation


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    HINDI = "hi", "हिन्दी"


DEFAULT_LANGUAGE = Language.ENGLISH.value
_SUPPORTED = frozenset(Language.values)  # ``Language.values`` builds a new list on every read


def supported_language(code: str | None) -> str:
    """``code`` (``hi``, ``hi-IN``, ``en-GB``...) as one of :class:`Language`; anything else is English."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in _SUPPORTED else DEFAULT_LANGUAGE


def request_language(request: HttpRequest | None) -> str:
    """The language the request asks for (``Accept-Language``, by its q-values), one of :class:`Language`."""
    if request is None:
        return DEFAULT_LANGUAGE
    return supported_language(translation.get_language_from_request(request))
