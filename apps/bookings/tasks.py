"""Celery tasks: thin wrappers around the services (which enqueue some of them: each imports the other module)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from apps.bookings import services
from apps.common.exceptions import ServiceUnavailable


@shared_task(name="bookings.expire_holds")
def expire_holds() -> int:
    return services.bookings_expire_holds()


@shared_task(name="bookings.reconcile_payments")
def reconcile_payments() -> int:
    return services.payments_reconcile()


@shared_task(name="bookings.complete_finished")
def complete_finished() -> int:
    return services.bookings_complete_finished()


@shared_task(name="bookings.sweep_pending")
def sweep_pending() -> dict[str, int]:
    """Pick up money and departure work whose task was lost: pending refunds, queued bulk cancellations."""
    return {"refunds": services.refunds_resend_pending(), "batch_cancellations": services.batch_cancellations_resume()}


@shared_task(name="bookings.send_refund", autoretry_for=(ServiceUnavailable,), retry_backoff=60, max_retries=8)
def send_refund(refund_id: str) -> str:
    return str(services.refund_send(refund_id=refund_id).status)


@shared_task(name="bookings.run_batch_cancellation", bind=True)
def run_batch_cancellation(self: Any, job_id: str) -> dict[str, Any]:
    job = services.batch_bulk_cancel_run(job_id=job_id)
    return {"state": job.state, "total": job.total, "processed": job.processed}


@shared_task(name="bookings.pretrek_reminders", ignore_result=True)
def pretrek_reminders() -> int:
    return services.send_pretrek_reminders()


@shared_task(name="bookings.hold_expiry_reminders", ignore_result=True)
def hold_expiry_reminders() -> int:
    return services.send_hold_expiry_reminders()


@shared_task(name="bookings.trek_credit_daily", ignore_result=True)
def trek_credit_daily() -> dict[str, int]:
    """Settle the credit-or-refund choices nobody made in time, write off expired credit, remind of expiring credit."""
    return {
        "offers_defaulted": services.credit_offers_settle_due(),
        "expired": services.credits_expire(),
        "reminded": services.credit_expiry_reminders(),
    }


@shared_task(name="bookings.balance_reminders", ignore_result=True)
def balance_reminders() -> int:
    return services.balance_reminders_send()


@shared_task(name="bookings.balances_overdue")
def balances_overdue() -> dict[str, int]:
    return services.balances_overdue_process()
