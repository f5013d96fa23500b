"""A small closed-loop HTTP load generator, used by scripts/bench.py when wrk is not available.

Runs in its own process: ``python -m scripts.loadgen URL --connections 4 --duration 5 [--header 'K: V']``;
``--post BODY --fresh-key`` sends POSTs, each with a new ``Idempotency-Key`` (the SOS scenario).
Prints one JSON line like wrk_report.lua (latencies in microseconds).
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--post", default=None, help="POST this JSON body instead of GET")
    parser.add_argument("--fresh-key", action="store_true", help="a new Idempotency-Key header per request")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = dict(h.split(": ", 1) for h in args.header)
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + args.duration

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if args.post is None:
                    conn.request("GET", path, headers=headers)
                else:
                    extra = {"Content-Type": "application/json"}
                    if args.fresh_key:
                        extra["Idempotency-Key"] = str(uuid.uuid4())
                    conn.request("POST", path, body=args.post.encode(), headers={**headers, **extra})
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=10)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> int:
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6) if latencies else 0

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "duration_s": elapsed,
                "p50_us": pct(50),
                "p95_us": pct(95),
                "p99_us": pct(99),
                "non_2xx": failures[0],
                "socket_errors": 0,
            }
        )
    )


if __name__ == "__main__":
    main()
