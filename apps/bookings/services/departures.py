"""What the trekkers of a departure are told when ops move it: new dates, another guide.

Called by the receivers of ``apps.treks.signals`` (``apps/bookings/signals.py``) inside the catalog's transaction:
the messages go out when the change commits, or never.
"""

from __future__ import annotations

import logging
from typing import Any

from apps.bookings.selectors import batch_booked
from apps.bookings.services.common import _notify_booking
from apps.treks.domain import guide_name
from apps.treks.models import Batch

logger = logging.getLogger(__name__)


def _tell_booked(batch: Batch, template: str, **extra: Any) -> int:
    bookings = list(batch_booked(batch=batch))  # each booker is told once per booking
    for booking in bookings:
        _notify_booking(booking, template, dedupe=batch.updated_at.isoformat(), audience="trekker", **extra)
    logger.info("%s: %d booking(s) of batch %s told", template, len(bookings), batch.pk)
    return len(bookings)


def batch_rescheduled_notify(*, batch: Batch, previous: dict[str, Any]) -> int:
    """Tell every booked trekker the departure's new dates; returns how many bookings were told."""
    return _tell_booked(
        batch,
        "batch_rescheduled",
        end_date=batch.end_date.isoformat(),
        previous_start_date=previous["start_date"].isoformat(),
    )


def batch_guide_changed_notify(*, batch: Batch) -> int:
    """Tell every booked trekker who guides their departure now; returns how many bookings were told."""
    return _tell_booked(
        batch, "batch_guide_changed", guide_name=guide_name(batch.guide) if batch.guide is not None else ""
    )
