"""In-process figures of `make bench`: median time and statements per request, with no network in between.

Each path is requested through the whole Django stack (middleware, authentication, view, renderer) with the test
client, ``iterations`` times. The API's paths are interleaved: every round requests each once, so a slow moment of
the machine is shared, in an order shuffled for each round (seeded: the same orders in every run), so that no path
always follows another. The naive list is measured after the rounds, ``iterations`` times in a row: its 40 ms of
work leave the request after it up to 1 ms slower (its caches cold), and with the order rotated, as it was, the
booking 201 followed it in six rounds of seven (measured: 4.0 ms after it, 3.0 ms after any other path; 0.2 ms apart
at another moment of the same machine). Per path: the median and the quartiles in ms, the statements sent to the
database (the minimum over the rounds: the same for every round when the path's count is constant), and the ratio of
the median to the floor's median. The list and the detail bypass the catalog cache; bookings of 201 each book a seat
of a fresh batch with a new trekker, the 409 asks for a seat of a full batch; each SOS is a new incident (its own
Idempotency-Key). What a request hands over to be sent after its response (an SOS's real-time event, on the channel
layer's loop: ``apps.common.realtime``; the task messages of a booking or an SOS, on the broker's loop:
``apps.common.broker``) is waited for between two requests, outside any path's time.
"""

from __future__ import annotations

import io
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from apps.common.broker import DRAIN_SECONDS, publish_loop
from apps.common.realtime import SEND_TIMEOUT_SECONDS, layer_loop
from apps.treks.models import Trek
from apps.users.models import User
from apps.users.services import token_pair_for
from config.bench import bench_booking_batch, count_statements, retire_bench_batches

SOS_BODY = {"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "bench"}
INPROCESS_EMAIL_DOMAIN = "inprocess.bench.obsexperiences.in"
PATHS = ("floor", "list_uncached", "detail_uncached", "naive_list", "booking_201", "booking_409", "sos")
APART = "naive_list"  # measured after the rounds, not in them (see the module docstring)
ROUND_PATHS = tuple(name for name in PATHS if name != APART)
ORDER_SEED = 14  # the rounds' orders


@dataclass
class Probe:
    """One path: ``send`` makes its request for round ``i``; ``expect`` is the status it must answer."""

    send: Callable[[int], Any]  # the test client's response
    expect: int


def _counted(send: Callable[[], Any]) -> tuple[Any, float, int]:
    with count_statements() as statements:
        started = time.perf_counter()
        response = send()
        elapsed = time.perf_counter() - started
    return response, elapsed * 1000, statements.count


def _probes(iterations: int, page_size: int) -> dict[str, Probe]:
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] != "*" else "testserver"
    client = Client(headers={"Host": host})
    bypass = {getattr(settings, "CATALOG_CACHE_BYPASS_HEADER", "X-Bench-No-Cache"): "1"}
    slug = Trek.objects.filter(status=Trek.Status.ACTIVE).order_by("name").values_list("slug", flat=True).first()
    if slug is None:
        raise RuntimeError("no active trek: run build_bench_catalog first")
    # bookings: a trekker per 201 (one active booking per trekker and batch), a batch with a seat for each
    run = uuid.uuid4().hex[:8]
    password = make_password(None)
    trekkers = User.objects.bulk_create(
        [
            User(email=f"inproc-{run}-{i}@{INPROCESS_EMAIL_DOMAIN}", first_name=f"Bench {i}", password=password)
            for i in range(iterations + 1)
        ]
    )
    tokens = [f"Bearer {token_pair_for(user)['access']}" for user in trekkers]
    retire_bench_batches()
    open_batch = bench_booking_batch(seats=iterations)
    full_batch = bench_booking_batch(seats=1, taken=1)
    out = io.StringIO()
    call_command("bench_sos_token", stdout=out)
    sos_auth = f"Bearer {out.getvalue().strip().splitlines()[-1]}"

    def book(batch_id: Any, token: str) -> Any:
        body = {"batch": str(batch_id), "participants": [{"name": "Bench Trekker", "age": 30}]}
        return client.post("/api/v1/bookings/", body, content_type="application/json", headers={"Authorization": token})

    def get(path: str, headers: dict[str, str] | None = None) -> Callable[[int], Any]:
        return lambda i: client.get(path, headers=headers)

    return {
        "floor": Probe(get("/api/v1/bench/floor/"), 200),
        "list_uncached": Probe(get(f"/api/v1/treks/?page_size={page_size}", bypass), 200),
        "detail_uncached": Probe(get(f"/api/v1/treks/{slug}/", bypass), 200),
        "naive_list": Probe(get(f"/api/v1/bench/naive-treks/?page_size={page_size}"), 200),
        "booking_201": Probe(lambda i: book(open_batch.pk, tokens[i]), 201),
        "booking_409": Probe(lambda i: book(full_batch.pk, tokens[-1]), 409),
        "sos": Probe(
            lambda i: client.post(
                "/api/v1/emergency/sos/",
                SOS_BODY,
                content_type="application/json",
                headers={"Authorization": sos_auth, "Idempotency-Key": str(uuid.uuid4())},
            ),
            201,
        ),
    }


def round_orders(iterations: int) -> list[list[str]]:
    """The order of :data:`ROUND_PATHS` in each of ``iterations`` rounds: shuffled, the same in every run."""
    order = random.Random(ORDER_SEED)  # noqa: S311 - an order of requests, not a secret
    return [order.sample(ROUND_PATHS, len(ROUND_PATHS)) for _ in range(iterations)]


def measure(*, iterations: int, page_size: int = 20) -> dict[str, Any]:
    """The in-process figures of every path in :data:`PATHS` (see the module docstring)."""
    if iterations < 1:
        raise ValueError("at least one iteration")
    probes = _probes(iterations, page_size)
    times: dict[str, list[float]] = {name: [] for name in PATHS}
    statements: dict[str, list[int]] = {name: [] for name in PATHS}
    # the API's paths in shuffled rounds, then the naive list apart (see the module docstring)
    requests = [*round_orders(iterations), *([APART] for _ in range(iterations))]
    for i, names in enumerate(requests):
        for name in names:
            probe = probes[name]
            response, ms, count = _counted(partial(probe.send, i % iterations))
            # what was handed over is sent after the response: not in the next path's time
            layer_loop.drain(SEND_TIMEOUT_SECONDS)
            publish_loop.drain(DRAIN_SECONDS)
            if response.status_code != probe.expect:
                raise RuntimeError(f"{name} answered {response.status_code}: {response.content[:300]!r}")
            times[name].append(ms)
            statements[name].append(count)
    floor = statistics.median(times["floor"])
    rows: dict[str, dict[str, Any]] = {}
    for name in PATHS:
        median = statistics.median(times[name])
        quartiles = statistics.quantiles(times[name], n=4) if len(times[name]) > 1 else [median, median, median]
        rows[name] = {
            "median_ms": round(median, 3),
            "p25_ms": round(quartiles[0], 3),
            "p75_ms": round(quartiles[2], 3),
            "statements": min(statements[name]),
            "statements_max": max(statements[name]),
            "ratio_to_floor": round(median / floor, 2) if floor else None,
        }
    list_ms = rows["list_uncached"]["median_ms"]
    return {
        "iterations": iterations,
        "page_size": page_size,
        "paths": rows,
        "ours_over_naive": round(rows["naive_list"]["median_ms"] / list_ms, 2) if list_ms else None,
    }
