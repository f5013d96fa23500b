"""Every error class's message has its Hindi translation in the committed catalogue (locale/hi)."""

from __future__ import annotations

import pytest
from django.utils import translation

from apps.common.exceptions import ApplicationError


def _error_classes() -> list[type[ApplicationError]]:
    import apps.bookings.errors
    import apps.community.errors
    import apps.emergency.errors
    import apps.messaging.errors
    import apps.notifications.errors
    import apps.treks.errors
    import apps.users.errors  # noqa: F401  every app's errors module, so every class is a subclass below

    found, stack = [], [ApplicationError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted({c for c in found if "tests" not in c.__module__}, key=lambda c: (c.__module__, c.__name__))


@pytest.mark.parametrize("error", _error_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_error_message_is_translated_into_hindi(error: type[ApplicationError]) -> None:
    if error.message == ApplicationError.message and error is not ApplicationError and "message" not in vars(error):
        pytest.skip("inherits its parent's message")
    with translation.override("hi"):
        translated = translation.gettext(error.message)
    assert translated != error.message, f"{error.__name__}: no Hindi for {error.message!r} in locale/hi"
    assert any("\u0900" <= ch <= "\u097f" for ch in translated)
