"""Signals the shared layer sends; the apps above it answer with what only they know."""

from django.dispatch import Signal

# Prometheus scrape (``apps.common.metrics``): each receiver gets ``now`` and returns the metric families it
# reads from the database (the notifications app: deliveries still pending). A receiver's error marks the
# database source down for that scrape.
database_metrics_collect = Signal()

# Backup and restore (``apps.common.backups``): each receiver gets a psycopg ``cursor`` on the database being
# backed up or just restored and returns totals (name -> text) that must be equal on both sides (the bookings
# app: money captured, refunded and owed).
backup_totals_collect = Signal()
