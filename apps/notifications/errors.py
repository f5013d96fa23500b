"""Domain errors of notifications (rendered through the common error envelope)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import ApplicationError


class PreferenceLocked(ApplicationError):
    status_code = 400
    code = "preference_locked"
    message = gettext_noop("Security and emergency messages cannot be switched off.")


class InvalidUnsubscribeToken(ApplicationError):
    status_code = 400
    code = "invalid_token"
    message = gettext_noop("This unsubscribe link is invalid or has expired.")
