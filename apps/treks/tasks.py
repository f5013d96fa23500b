from __future__ import annotations

from celery import shared_task

from apps.treks import services


@shared_task(name="treks.sync_batch_statuses")
def sync_batch_statuses() -> dict[str, int]:
    """Hourly: move batches whose dates have come to ongoing / completed (idempotent)."""
    return services.batch_sync_statuses()
