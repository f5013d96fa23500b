"""Domain errors of the emergency system (rendered in the common error envelope).

A reused SOS Idempotency-Key is ``apps.common.exceptions.IdempotencyKeyReused`` (422), the one class for
that code across the API; it is imported here so the emergency code names its errors from one place.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import IdempotencyKeyReused, ValidationFailed

__all__ = ["IdempotencyKeyRequired", "IdempotencyKeyReused"]


class IdempotencyKeyRequired(ValidationFailed):
    code = "idempotency_key_required"
    message = gettext_noop("An Idempotency-Key header holding a UUID is required.")
