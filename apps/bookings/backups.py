"""The money totals a backup records and its restore must find again (``backup_totals_collect``)."""

from __future__ import annotations

from typing import Any

import psycopg

from apps.bookings.models import Booking, Payment, PaymentStatus, Refund


def money_totals(cursor: psycopg.Cursor[Any]) -> dict[str, str]:
    """Paise captured and refunded, rupees billed and paid, read with ``cursor`` (the backup's snapshot)."""
    queries: dict[str, tuple[str, list[Any]]] = {
        "payments_captured_paise": (
            f"SELECT coalesce(sum(amount_paise), 0) FROM {Payment._meta.db_table} WHERE status = %s",  # noqa: S608  table name from the model
            [PaymentStatus.CAPTURED],
        ),
        "refunds_paise": (f"SELECT coalesce(sum(amount_paise), 0) FROM {Refund._meta.db_table}", []),  # noqa: S608  table name from the model
        "refunds_processed_paise": (
            f"SELECT coalesce(sum(amount_paise), 0) FROM {Refund._meta.db_table} WHERE status = %s",  # noqa: S608  table name from the model
            [Refund.Status.PROCESSED],
        ),
        "bookings_final_amount": (f"SELECT coalesce(sum(final_amount), 0) FROM {Booking._meta.db_table}", []),  # noqa: S608  table name from the model
        "bookings_amount_paid": (f"SELECT coalesce(sum(amount_paid), 0) FROM {Booking._meta.db_table}", []),  # noqa: S608  table name from the model
    }
    totals = {}
    for name, (query, params) in queries.items():
        cursor.execute(query, params)
        row = cursor.fetchone()
        totals[name] = str(row[0] if row else 0)
    return totals
