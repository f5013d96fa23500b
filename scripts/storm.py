"""The booking storm of `make bench`: N clients at once, each booking one seat of one small batch.

``scripts/bench.py`` calls :func:`run_storm` against its gunicorn after the catalog runs. The clients run in
a separate process (``python -m scripts.storm BASE_URL SPEC.json``) on one asyncio loop: each opens its own
connection and POSTs ``/api/v1/bookings/`` with its own token, all of them started together; it prints one JSON line
with successes (201), conflicts (409, by error code), other errors, wall time, throughput and latency percentiles
(ms, from the client's connect to the end of its response). The batch is then read back from the database: seats
taken must equal the successes and the batch size.

Why one loop and not a thread per client: the clients share the server's two CPUs, and 200 threads of
``http.client`` took about 0.3 s of CPU per storm (a quarter of the server's), time the server lost to its own load
generator. The loop's clients take about a tenth of that, and every one of them is still in flight at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def _request(host: str, body: bytes, token: str) -> bytes:
    head = (
        f"POST /api/v1/bookings/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(host: str, port: int, request: bytes) -> tuple[int, bytes]:
    """One client: connect, send, read the response (status and body, by its Content-Length or to the end)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await reader.readline()
        parts = status_line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            raise ConnectionError(f"no HTTP status line: {status_line[:80]!r}")
        length = None
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        payload = await (reader.readexactly(length) if length is not None else reader.read())
        return int(parts[1]), payload
    finally:
        writer.close()


async def storm(base: str, tokens: list[str], batch: str, timeout: float) -> dict[str, Any]:
    """Every client at once; their outcomes and latencies (see the module docstring)."""
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    body = json.dumps({"batch": batch, "participants": [{"name": "Storm Trekker", "age": 30}]}).encode()
    requests = [_request(f"{host}:{port}", body, token) for token in tokens]
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []

    async def client(request: bytes) -> None:
        started = time.perf_counter()
        try:
            status, payload = await asyncio.wait_for(_exchange(host, port, request), timeout)
        except (OSError, EOFError, ValueError, TimeoutError):  # refused, reset, cut short, timed out
            outcomes["socket_error"] += 1
            return
        latencies.append((time.perf_counter() - started) * 1000)
        if status == 201:
            outcomes["201"] += 1
        elif status == 409:
            outcomes["409:" + json.loads(payload)["error"]["code"]] += 1
        else:
            outcomes[str(status)] += 1

    wall = time.perf_counter()
    await asyncio.gather(*(client(request) for request in requests))
    wall = time.perf_counter() - wall
    conflicts = sum(n for key, n in outcomes.items() if key.startswith("409"))
    return {
        "clients": len(tokens),
        "successes": outcomes.get("201", 0),
        "conflicts_409": conflicts,
        "conflict_codes": {key[4:]: n for key, n in outcomes.items() if key.startswith("409")},
        "non_409_errors": len(tokens) - outcomes.get("201", 0) - conflicts,
        "outcomes": dict(outcomes),
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(tokens) / wall, 1) if wall else 0.0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("spec")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    with open(args.spec) as fh:
        spec = json.load(fh)
    print(json.dumps(asyncio.run(storm(args.base, spec["tokens"], spec["batch"], args.timeout))))


def run_storm(env: dict[str, str], base: str, *, clients: int, seats: int, out_dir: Any) -> dict[str, Any]:
    """Prepare a fresh batch and clients, unleash them, check the batch; returns the storm's figures."""
    import subprocess
    import sys

    from scripts.services import ROOT

    py = str(ROOT / ".venv" / "bin" / "python")
    spec = out_dir / "storm-spec.json"
    out_dir.mkdir(parents=True, exist_ok=True)
    prepare = ["bench_booking_storm", "prepare", "--clients", str(clients), "--seats", str(seats), "--out", str(spec)]
    subprocess.run([py, "manage.py", *prepare], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    batch_id = json.loads(spec.read_text())["batch"]
    out = subprocess.run(
        [sys.executable, "-m", "scripts.storm", base, str(spec)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    spec.unlink()
    result = json.loads(out.strip().splitlines()[-1])
    check_cmd = [py, "manage.py", "bench_booking_storm", "check", batch_id]
    check = subprocess.run(check_cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    result["batch"] = json.loads(check.strip().splitlines()[-1])
    result["seats"] = seats
    result["exact"] = (
        result["successes"] == seats
        and result["non_409_errors"] == 0
        and result["batch"]["seats_taken"] == seats
        and result["batch"]["bookings"] == seats
    )
    return result


def storm_markdown(storm: dict[str, Any]) -> str:
    return (
        f"Booking storm: {storm['clients']} concurrent clients booking one seat each of a {storm['seats']}-seat batch: "
        f"**{storm['successes']} booked** (must be {storm['seats']}), {storm['conflicts_409']} answered 409 "
        f"{storm['conflict_codes']}, **{storm['non_409_errors']} other errors** (must be 0); batch afterwards "
        f"{storm['batch']['seats_taken']}/{storm['batch']['total_seats']} seats, {storm['batch']['status']}; "
        f"{storm['throughput_rps']} bookings/s over {storm['wall_s']} s, p50 {storm['p50_ms']} ms, "
        f"p99 {storm['p99_ms']} ms. {'Exact.' if storm['exact'] else 'NOT EXACT.'}\n"
    )


if __name__ == "__main__":
    main()
