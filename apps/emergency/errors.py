"""Domain errors of the emergency system (rendered in the common error envelope).

A missing or reused SOS Idempotency-Key is ``apps.common.exceptions.IdempotencyKeyRequired`` (400) /
``IdempotencyKeyReused`` (422), the one class for each code across the API; they are imported here so the
emergency code names its errors from one place.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from apps.common.exceptions import Conflict, IdempotencyKeyRequired, IdempotencyKeyReused

__all__ = ["CheckInAlreadyArmed", "IdempotencyKeyRequired", "IdempotencyKeyReused", "NoArmedCheckIn", "NotOnTrek"]


class NotOnTrek(Conflict):
    code = "not_on_trek"
    message = gettext_noop("Check-ins are for trekkers on a confirmed departure under way and for its guide.")


class CheckInAlreadyArmed(Conflict):
    code = "check_in_already_armed"
    message = gettext_noop("You already have an armed check-in: check in to it before arming another.")


class NoArmedCheckIn(Conflict):
    code = "no_armed_check_in"
    message = gettext_noop("You have no check-in to check in to.")
