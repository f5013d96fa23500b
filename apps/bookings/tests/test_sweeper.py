"""Money and departure work whose task was lost is picked up again, and a refund is never asked twice at once."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.utils import timezone

from apps.bookings import services
from apps.bookings.gateways import GatewayRefund, LocalGateway
from apps.bookings.models import BatchCancellation, Refund
from apps.bookings.tasks import run_batch_cancellation, send_refund, sweep_pending
from apps.common.tests.race import Race
from apps.treks.tests.factories import BatchFactory


def _lost(monkeypatch: pytest.MonkeyPatch, task: Any) -> Any:
    """Make sending ``task`` vanish, as when the broker was unreachable at commit; returns the undo."""
    monkeypatch.setattr(task, "apply_async", lambda *args, **kwargs: None)
    return lambda: monkeypatch.undo()


def _refund(make_user: Any, book: Any, pay: Any, monkeypatch: pytest.MonkeyPatch) -> Refund:
    """A cancelled, paid booking whose refund task never ran (its enqueue was lost)."""
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=45))
    booking = pay(book(make_user(), batch))
    restore = _lost(monkeypatch, send_refund)
    services.booking_cancel(booking=booking, actor=booking.user)
    restore()
    return Refund.objects.get(booking=booking)


@pytest.mark.django_db
def test_a_refund_whose_task_was_lost_is_sent_by_the_sweeper(
    make_user: Any, book: Any, pay: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    refund = _refund(make_user, book, pay, monkeypatch)
    assert (refund.status, refund.gateway_refund_id) == ("pending", None)
    assert services.refunds_resend_pending() == 0, "a fresh refund is left to its own task"
    later = timezone.now() + timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.refunds_resend_pending(now=later) == 1
    refund.refresh_from_db()
    assert refund.status == "processed"
    assert refund.gateway_refund_id
    assert services.refunds_resend_pending(now=later) == 0


@pytest.mark.django_db
def test_a_queued_bulk_cancellation_whose_task_was_lost_is_run(
    client_for: Any,
    make_user: Any,
    staff_user: Any,
    book: Any,
    pay: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = BatchFactory(start_date=timezone.localdate() + timedelta(days=5))
    paid = pay(book(make_user(), batch))
    restore = _lost(monkeypatch, run_batch_cancellation)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff_user("ops_manager")).post(f"/api/v1/batches/{batch.pk}/cancel/")
    restore()
    assert response.status_code == 202
    assert BatchCancellation.objects.get().state == "queued"
    assert services.batch_cancellations_resume() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.batch_cancellations_resume(now=timezone.now() + timedelta(minutes=6)) == 1
    paid.refresh_from_db()
    assert paid.status == "cancelled"
    assert BatchCancellation.objects.get().state == "done"


@pytest.mark.django_db
def test_sweep_task_reports_what_it_picked_up() -> None:
    assert sweep_pending.apply().get() == {"refunds": 0, "batch_cancellations": 0}


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_refund_ask_the_gateway_once(
    make_user: Any, book: Any, pay: Any, monkeypatch: pytest.MonkeyPatch, race: Race
) -> None:
    refund = _refund(make_user, book, pay, monkeypatch)
    calls: list[str] = []
    original = LocalGateway.refund

    def slow_refund(self: LocalGateway, **kwargs: Any) -> GatewayRefund:
        calls.append(kwargs["payment_id"])
        time.sleep(0.3)  # the gateway takes its time; the other sender arrives meanwhile
        return original(self, **kwargs)

    monkeypatch.setattr(LocalGateway, "refund", slow_refund)
    race(*(partial(services.refund_send, refund_id=refund.pk) for _ in range(4)))
    refund.refresh_from_db()
    assert len(calls) == 1
    assert refund.status == "processed"
