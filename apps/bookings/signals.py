"""Signals other apps listen to, and receivers of the shared layer's signals."""

from __future__ import annotations

from typing import Any

import psycopg
from django.dispatch import Signal

from apps.bookings.backups import money_totals
from apps.bookings.services.departures import batch_guide_changed_notify, batch_rescheduled_notify

# Sent after commit when a booking is completed (the batch ended): ``sender=Booking, booking=<Booking>``.
booking_completed = Signal()


def on_backup_totals_collect(sender: Any, *, cursor: psycopg.Cursor[Any], **kwargs: Any) -> dict[str, str]:
    return money_totals(cursor)


def on_batch_rescheduled(sender: Any, batch: Any, previous: dict[str, Any], **kwargs: Any) -> None:
    """New dates of a departure: each booked trekker (pending or confirmed) is told."""
    batch_rescheduled_notify(batch=batch, previous=previous)


def on_batch_guide_changed(sender: Any, batch: Any, **kwargs: Any) -> None:
    """Another guide: each booked trekker is told who guides them now."""
    batch_guide_changed_notify(batch=batch)
