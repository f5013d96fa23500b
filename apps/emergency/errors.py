"""Domain errors of the emergency system (rendered in the common error envelope).

A missing or reused SOS Idempotency-Key is ``apps.common.exceptions.IdempotencyKeyRequired`` (400) /
``IdempotencyKeyReused`` (422), the one class for each code across the API; they are imported here so the
emergency code names its errors from one place.
"""

from __future__ import annotations

from apps.common.exceptions import IdempotencyKeyRequired, IdempotencyKeyReused

__all__ = ["IdempotencyKeyRequired", "IdempotencyKeyReused"]
