"""The booking storm of `make bench`: N clients at once, each booking one seat of one small batch.

``scripts/bench.py`` calls :func:`run_storm` against its gunicorn after the catalog runs. The clients run in
a separate process (``python -m scripts.storm BASE_URL SPEC.json``): each opens its own connection, waits at a
barrier, then POSTs ``/api/v1/bookings/``; it prints one JSON line with successes (201), conflicts (409, by
error code), other errors, wall time, throughput and latency percentiles (ms). The batch is then read back
from the database: seats taken must equal the successes and the batch size.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import statistics
import threading
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("spec")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    with open(args.spec) as fh:
        spec = json.load(fh)
    parts = urlsplit(args.base)
    tokens: list[str] = spec["tokens"]
    body = json.dumps({"batch": spec["batch"], "participants": [{"name": "Storm Trekker", "age": 30}]})
    barrier = threading.Barrier(len(tokens))
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []

    def client(token: str) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=args.timeout)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            barrier.wait()
            started = time.perf_counter()
            conn.request("POST", "/api/v1/bookings/", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status == 201:
                key = "201"
            elif response.status == 409:
                key = "409:" + json.loads(payload)["error"]["code"]
            else:
                key = str(response.status)
            with lock:
                outcomes[key] += 1
                latencies.append(elapsed)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, cut short
            with lock:
                outcomes["socket_error"] += 1
                errors.append(type(exc).__name__)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(token,)) for token in tokens]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - wall
    conflicts = sum(n for key, n in outcomes.items() if key.startswith("409"))
    result: dict[str, Any] = {
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
    print(json.dumps(result))


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
