from __future__ import annotations

import asyncio
import io
import json
import socket
import socketserver
import threading
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
from scripts.storm import percentile, storm, storm_markdown


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


class _StormServer(socketserver.ThreadingTCPServer):
    """Answers the storm's POSTs only once ``clients`` connections are in flight together: 201 for the first
    ``seats`` it answers, 409 ``batch_full`` after; a connection it cannot read is reset."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # every client's connection waits in the backlog (socketserver's default is 5)

    def __init__(self, clients: int, seats: int) -> None:
        self.together = threading.Barrier(clients, timeout=30)
        self.lock = threading.Lock()
        self.seats, self.tokens = seats, []
        super().__init__(("127.0.0.1", 0), _StormHandler)


class _StormHandler(socketserver.StreamRequestHandler):
    server: _StormServer

    def handle(self) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += self.rfile.read(1)
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        body = json.loads(self.rfile.read(int(headers["Content-Length"])))
        self.server.together.wait()  # every client is in flight before any is answered
        with self.server.lock:
            self.server.tokens.append(headers["Authorization"])
            booked = self.server.seats > 0
            self.server.seats -= booked
        if booked:
            status, payload = "201 Created", {"batch": body["batch"]}
        else:
            status, payload = "409 Conflict", {"error": {"code": "batch_full"}}
        data = json.dumps(payload).encode()
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)


def test_the_storm_client_has_every_client_in_flight_at_once_and_counts_each_outcome() -> None:
    server = _StormServer(clients=50, seats=7)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        tokens = [f"t{n}" for n in range(50)]
        result = asyncio.run(storm(f"http://{host}:{port}", tokens, "b1", timeout=60))
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(server.tokens) == sorted(f"Bearer {token}" for token in tokens)  # one request per client
    assert (result["successes"], result["conflicts_409"], result["non_409_errors"]) == (7, 43, 0)
    assert result["conflict_codes"] == {"batch_full": 43}
    assert result["clients"] == 50
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


def test_the_storm_client_counts_a_refused_connection_as_an_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once closed
    result = asyncio.run(storm(f"http://127.0.0.1:{port}", ["t1", "t2"], "b1", timeout=10))
    assert result["non_409_errors"] == 2
    assert result["outcomes"] == {"socket_error": 2}
