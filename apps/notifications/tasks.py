"""Thin Celery tasks: each calls one service. Delivery tasks carry only the delivery id."""

from __future__ import annotations

from celery import group, shared_task

from apps.notifications import services


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(delivery_id: str) -> str:
    """Send one delivery; idempotent on the id (a delivery not in ``queued`` is left alone)."""
    return services.delivery_send(delivery_id=delivery_id)


@shared_task(name="notifications.deliver_many", ignore_result=True)
def deliver_many(delivery_ids: list[str]) -> int:
    """The deliveries one transaction queued, sent as one message: each becomes its own ``deliver`` task here,
    so they are sent in parallel and retried one by one. If this fails, the sweeper re-enqueues them."""
    if len(delivery_ids) == 1:
        services.delivery_send(delivery_id=delivery_ids[0])
    else:
        group(deliver.s(delivery_id) for delivery_id in delivery_ids).apply_async()
    return len(delivery_ids)


@shared_task(name="notifications.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Re-enqueue deliveries lost between commit and broker; settle those whose worker died mid-send."""
    return services.deliveries_sweep()
