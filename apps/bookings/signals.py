"""Signals other apps listen to, and receivers of the shared layer's signals."""

from __future__ import annotations

from typing import Any

import psycopg
from django.dispatch import Signal

from apps.bookings.backups import money_totals

# Sent after commit when a booking is completed (the batch ended): ``sender=Booking, booking=<Booking>``.
booking_completed = Signal()


def on_backup_totals_collect(sender: Any, *, cursor: psycopg.Cursor[Any], **kwargs: Any) -> dict[str, str]:
    return money_totals(cursor)
