"""Domain errors of the emergency system (rendered in the common error envelope)."""

from __future__ import annotations

from apps.common.exceptions import Unprocessable, ValidationFailed


class IdempotencyKeyRequired(ValidationFailed):
    code = "idempotency_key_required"
    message = "An Idempotency-Key header holding a UUID is required."


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different request."
