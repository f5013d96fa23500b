"""Domain errors of notifications (rendered through the common error envelope)."""

from __future__ import annotations

from apps.common.exceptions import ApplicationError


class PreferenceLocked(ApplicationError):
    status_code = 400
    code = "preference_locked"
    message = "Security and emergency messages cannot be switched off."


class InvalidUnsubscribeToken(ApplicationError):
    status_code = 400
    code = "invalid_token"
    message = "This unsubscribe link is invalid or has expired."
