from __future__ import annotations

import io
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.bookings import services
from apps.bookings.gateways import LocalGateway
from apps.bookings.models import BatchCancellation, Booking
from apps.bookings.tests.conftest import people, with_emergency_contact
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.tests.factories import UserFactory
from scripts.storm import percentile, storm_markdown


@pytest.mark.worker
def test_a_real_worker_cancels_a_departure_and_reports_progress(celery_worker: Any) -> None:
    batch = BatchFactory(total_seats=10)
    bookings = [
        services.booking_create(user=with_emergency_contact(UserFactory()), batch_id=batch.pk, participants=people(2))
        for _ in range(3)
    ]
    payment = services.payment_order_create(booking=bookings[0])
    signed = LocalGateway().simulate_payment(order_id=payment.gateway_order_id)
    services.payment_verify(
        user=bookings[0].user,
        order_id=signed["razorpay_order_id"],
        payment_id=signed["razorpay_payment_id"],
        signature=signed["razorpay_signature"],
    )
    job = services.batch_bulk_cancel_start(actor=UserFactory(staff_role="ops_manager"), batch=batch, reason="Snow")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (BatchCancellation.State.DONE, BatchCancellation.State.FAILED):
            break
        time.sleep(0.2)
    assert (job.state, job.total, job.processed) == ("done", 3, 3)
    assert set(Booking.objects.filter(batch=batch).values_list("status", flat=True)) == {"cancelled"}
    paid = Booking.objects.get(pk=bookings[0].pk)
    assert paid.amount_refunded == 0  # the booker chooses trek credit or a full refund
    assert paid.credit_offer.refund_amount == paid.amount_paid == Decimal("26250.00")
    assert job.refunded_paise == 0
    batch.refresh_from_db()
    assert (batch.status, batch.seats_taken) == ("cancelled", 0)


@pytest.mark.django_db
def test_storm_command_refuses_outside_bench_settings():
    with pytest.raises(CommandError):
        call_command("bench_booking_storm", "check", "x", stdout=io.StringIO())


@pytest.mark.django_db
def test_storm_command_prepares_and_checks(settings, tmp_path: Path):
    settings.BENCH_FLOOR_ENABLED = True
    spec = tmp_path / "spec.json"
    with pytest.raises(CommandError):  # no catalog region to put the bookings trek in
        call_command("bench_booking_storm", "prepare", "--out", str(spec), stdout=io.StringIO())
    TrekFactory()
    call_command(
        "bench_booking_storm", "prepare", "--clients", "5", "--seats", "3", "--out", str(spec), stdout=io.StringIO()
    )
    data = json.loads(spec.read_text())
    assert (data["seats"], len(data["tokens"])) == (3, 5)
    out = io.StringIO()
    call_command("bench_booking_storm", "check", data["batch"], stdout=out)
    assert json.loads(out.getvalue()) == {"seats_taken": 0, "total_seats": 3, "status": "open", "bookings": 0}


def test_storm_report_helpers():
    assert percentile([float(n) for n in range(1, 101)], 0.99) == 99.0
    assert percentile([], 0.99) == 0.0
    storm = {
        "clients": 200,
        "seats": 20,
        "successes": 20,
        "conflicts_409": 180,
        "conflict_codes": {"batch_full": 180},
        "non_409_errors": 0,
        "batch": {"seats_taken": 20, "total_seats": 20, "status": "full"},
        "throughput_rps": 40.0,
        "wall_s": 5.0,
        "p50_ms": 100.0,
        "p99_ms": 200.0,
        "exact": True,
    }
    assert "**20 booked**" in storm_markdown(storm)
    assert storm_markdown(storm).strip().endswith("Exact.")
