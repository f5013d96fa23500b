"""Celery tasks: thin wrappers around the services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.common.exceptions import ServiceUnavailable


@shared_task(name="bookings.expire_holds")
def expire_holds() -> int:
    from apps.bookings.services import bookings_expire_holds

    return bookings_expire_holds()


@shared_task(name="bookings.reconcile_payments")
def reconcile_payments() -> int:
    from apps.bookings.services import payments_reconcile

    return payments_reconcile()


@shared_task(name="bookings.complete_finished")
def complete_finished() -> int:
    from apps.bookings.services import bookings_complete_finished

    return bookings_complete_finished()


@shared_task(name="bookings.sweep_pending")
def sweep_pending() -> dict[str, int]:
    """Pick up money and departure work whose task was lost: pending refunds, queued bulk cancellations."""
    from apps.bookings.services import batch_cancellations_resume, refunds_resend_pending

    return {"refunds": refunds_resend_pending(), "batch_cancellations": batch_cancellations_resume()}


@shared_task(name="bookings.send_refund", autoretry_for=(ServiceUnavailable,), retry_backoff=60, max_retries=8)
def send_refund(refund_id: str) -> str:
    from apps.bookings.services import refund_send

    return str(refund_send(refund_id=refund_id).status)


@shared_task(name="bookings.run_batch_cancellation", bind=True)
def run_batch_cancellation(self: Any, job_id: str) -> dict[str, Any]:
    from apps.bookings.services import batch_bulk_cancel_run

    job = batch_bulk_cancel_run(job_id=job_id)
    return {"state": job.state, "total": job.total, "processed": job.processed}


@shared_task(name="bookings.pretrek_reminders", ignore_result=True)
def pretrek_reminders() -> int:
    from apps.bookings.services import send_pretrek_reminders

    return send_pretrek_reminders()


@shared_task(name="bookings.hold_expiry_reminders", ignore_result=True)
def hold_expiry_reminders() -> int:
    from apps.bookings.services import send_hold_expiry_reminders

    return send_hold_expiry_reminders()
