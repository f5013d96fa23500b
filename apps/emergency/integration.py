"""What the emergency system needs from other domains, in one place.

The batch of an incident comes from the trekker's current or next confirmed booking, which the bookings app
provides. Until that app is installed there is no booking to go by and incidents are filed without a batch
(alerts to the trekker's contacts, ops and the ops list still go out; the batch's guide cannot be known).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.apps import apps as django_apps

if TYPE_CHECKING:
    from apps.treks.models import Batch
    from apps.users.models import User

BOOKINGS_APP = "apps.bookings"


def bookings_installed() -> bool:
    return django_apps.is_installed(BOOKINGS_APP)  # noqa: TID251  optional-app branch; bookings sits below emergency, to become a plain import


def batch_for_trekker(trekker: User, *, today: date | None = None) -> Batch | None:
    """The batch of the trekker's current or next confirmed booking, or None."""
    if not bookings_installed():
        return None
    from apps.bookings.selectors import current_or_next_confirmed_booking

    booking = current_or_next_confirmed_booking(trekker, today=today)
    return booking.batch if booking is not None else None
