"""`make bench`: throughput of the catalog against a floor, on loopback.

1. Finds PostgreSQL and Redis like the test suite does (scripts/services.py) and uses a database of its
   own (``<test database>_bench``), migrated and filled by ``manage.py build_bench_catalog``, then vacuumed and
   analyzed (:func:`vacuum`).
2. Serves the app with gunicorn and ``config.settings.bench`` (production settings, loopback, HTTP).
3. Drives it from a separate load-generator process: wrk (installed with apt-get when missing and
   possible), else ``scripts/loadgen.py``. Alternating paired runs of equal concurrency and duration:
   floor vs. endpoint, the order flipped every round.
4. SOS intake: ``manage.py bench_sos_token`` makes a bench trekker (two emergency contacts) and two
   responders; each request is a new SOS with its own Idempotency-Key (``scripts/wrk_sos.lua``), so every
   request writes an incident and its alert deliveries. Reported: req/s, p50/p95/p99, errors (target: 0).
   The alert tasks go to a queue of their own that no worker consumes; it is emptied afterwards.
5. The booking storm (scripts/storm.py): ``--storm-clients`` (200) clients at once booking one seat each of a
   fresh ``--storm-seats`` (20) seat batch; successes must equal the seats and non-409 errors be 0.
6. In-process (``manage.py bench_inprocess``, before the server starts, ``--inprocess-iterations`` interleaved
   rounds): median ms and statements per request of the floor, the list and detail (uncached), the naive seed
   list (``config.bench.NaiveTrekListView``), a booking (201 and 409 ``batch_full``) and an SOS, each as a ratio
   to the floor's median, next to the HTTP ratio of the same path; and ours / naive for the list.
7. Prints and writes ``var/bench/latest.json`` and ``var/bench/latest.md`` (plus time-stamped copies).

Any number of runs on one database: the catalog is built once (the bookings of the storm and of the in-process
run go to batches of a draft trek of their own, outside the catalog the builder checks).

Targets (README "Performance"): list uncached >= 0.40 of the floor, cached >= 0.90, detail >= 0.20, no non-2xx;
SOS intake and the storm: no errors. The detail target is judged on the uncached path; the cached detail is
reported for information.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from scripts.services import ROOT, default_database_name, resolve

OUT_DIR = ROOT / "var" / "bench"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = ROOT / "scripts" / "wrk_report.lua"
SOS_LUA = ROOT / "scripts" / "wrk_sos.lua"
SOS_PATH = "/api/v1/emergency/sos/"
SOS_BODY = '{"latitude": 32.3182, "longitude": 77.1874, "accuracy_m": 12, "battery_pct": 41, "message": "bench"}'
SOS_QUEUE = "obs-bench-sos"  # the alert tasks queued by the SOS runs (no worker consumes it; emptied after)
NO_CACHE = "X-Bench-No-Cache"
TARGETS = {"list_uncached": 0.40, "list_cached": 0.90, "detail": 0.20}
# in-process: the most a path's median may be, in floor medians; and the least ours / naive may be
INPROCESS_TARGETS = {"booking_201": 8.0, "booking_409": 3.0, "sos": 10.0}
OURS_OVER_NAIVE_TARGET = 30.0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def bench_database_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{default_database_name()}_bench"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def vacuum(url: str) -> None:
    """``VACUUM (ANALYZE)`` the bench database before measuring, as autovacuum keeps a production one.

    Every booking of a run rewrites its batch, its trek's card and the catalog version: without autovacuum (off on
    some development servers) their dead versions pile up run after run, and a later run measures them. Under a
    second on the bench catalog."""
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(scheme="postgresql")), autocommit=True) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()
        conn.execute("VACUUM (ANALYZE)")
    log(f"vacuumed and analyzed (autovacuum is {autovacuum[0] if autovacuum else 'unknown'} on this server)")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a server started with ``start_new_session=True`` and everything it started: TERM, then KILL."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def post_sos(url: str, headers: dict[str, str]) -> int:
    """One SOS (a fresh Idempotency-Key); returns the status code."""
    import uuid

    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=SOS_BODY.encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  loopback only
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk not found: installing it with apt-get")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env, timeout=300, **quiet)
        if not shutil.which("wrk"):
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(["apt-get", "update", "-q"], check=True, timeout=300, **quiet)
                subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env, timeout=300, **quiet)
    return shutil.which("wrk")


def run_load(
    tool: str | None, url: str, headers: dict[str, str], args: argparse.Namespace, *, sos: bool = False
) -> dict[str, Any]:
    """One run; returns requests/s, latency percentiles (ms) and the non-2xx count.

    ``sos``: every request is a new SOS (POST with its own Idempotency-Key) instead of a GET.
    """
    if tool:
        cmd = [tool, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s"]
        for name, value in headers.items():
            cmd += ["-H", f"{name}: {value}"]
        cmd += ["-s", str(SOS_LUA if sos else LUA), url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("JSON "))
        data = json.loads(line[5:])
    else:
        cmd = [
            PY,
            "-m",
            "scripts.loadgen",
            url,
            "--connections",
            str(args.connections),
            "--duration",
            str(args.duration),
        ]
        for name, value in headers.items():
            cmd += ["--header", f"{name}: {value}"]
        if sos:
            cmd += ["--post", SOS_BODY, "--fresh-key"]
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
        data = json.loads(out.strip().splitlines()[-1])
    return {
        "rps": round(data["requests"] / data["duration_s"], 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "non_2xx": int(data["non_2xx"]) + int(data.get("socket_errors", 0)),
        "requests": int(data["requests"]),
    }


# in-process path -> the HTTP endpoint measured for the same path (paired with the floor over HTTP)
HTTP_OF_INPROCESS = {"list_uncached": "list_uncached", "detail_uncached": "detail"}


def inprocess_verdict(name: str, row: dict[str, Any]) -> str:
    target = INPROCESS_TARGETS.get(name)
    if target is None:
        return ""
    return f"<= {target:g}x {'met' if row['ratio_to_floor'] <= target else 'MISSED'}"


def ours_over_naive_met(inprocess: dict[str, Any]) -> bool:
    return (inprocess["ours_over_naive"] or 0) >= OURS_OVER_NAIVE_TARGET


def inprocess_markdown(inprocess: dict[str, Any], endpoints: dict[str, Any]) -> str:
    rows = [
        "| in-process | median ms | p25-p75 ms | statements | / floor (time) | target | HTTP req/s / floor |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for name, row in inprocess["paths"].items():
        http = endpoints.get(HTTP_OF_INPROCESS.get(name, ""), {}).get("ratio")
        statements = str(row["statements"])
        if row["statements_max"] != row["statements"]:
            statements += f"-{row['statements_max']}"
        rows.append(
            f"| {name} | {row['median_ms']:.2f} | {row['p25_ms']:.2f}-{row['p75_ms']:.2f} | {statements} | "
            f"{row['ratio_to_floor']:.1f}x | {inprocess_verdict(name, row)} | {'' if http is None else f'{http:.2f}'} |"
        )
    rows += [
        "",
        f"In-process: {inprocess['iterations']} interleaved rounds, page size {inprocess['page_size']}, catalog "
        f"cache bypassed; list ours / naive (seed 000 TrekListSerializer): **{inprocess['ours_over_naive']}x** "
        f"(target >= {OURS_OVER_NAIVE_TARGET:g}x {'met' if ours_over_naive_met(inprocess) else 'MISSED'}).",
    ]
    return "\n".join(rows) + "\n"


def markdown(result: dict[str, Any]) -> str:
    rows = [
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | non-2xx | queries/req | ratio to floor | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in result["endpoints"].items():
        target = TARGETS.get(name)
        verdict = "(no target)" if target is None else f">= {target} {'met' if row['ratio'] >= target else 'MISSED'}"
        verdict = "" if name == "floor" else verdict
        rows.append(
            f"| {name} (`{row['path']}`) | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['non_2xx']} | {row['queries']} | {row['ratio']:.2f} | {verdict} |"
        )
    if "sos" in result:
        sos = result["sos"]
        rows += [
            "",
            "| SOS intake (POST, new Idempotency-Key each) | req/s | p50 ms | p95 ms | p99 ms | errors | requests |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| `{sos['path']}` | {sos['rps']:.0f} | {sos['p50_ms']:.2f} | {sos['p95_ms']:.2f} | {sos['p99_ms']:.2f} | "
            f"{sos['non_2xx']} | {sos['requests']} |",
        ]
    meta = result["meta"]
    rows.append("")
    rows.append(
        f"{meta['date']}, {meta['cpus']} CPUs, {meta['tool']}, gunicorn {meta['workers']} sync workers, "
        f"{meta['connections']} connections, {meta['rounds']} paired rounds of {meta['duration_s']} s; "
        f"dataset {meta['dataset']}. Ratio = median over rounds of endpoint req/s / floor req/s in the same round."
    )
    return "\n".join(rows) + "\n"


def main() -> int:  # noqa: C901  command line: argument parsing, then one flat run
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "5")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", "4")))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--python-loadgen", action="store_true", help="Use scripts/loadgen.py instead of wrk.")
    parser.add_argument("--storm-clients", type=int, default=int(os.environ.get("BENCH_STORM_CLIENTS", "200")))
    parser.add_argument("--storm-seats", type=int, default=int(os.environ.get("BENCH_STORM_SEATS", "20")))
    parser.add_argument(
        "--inprocess-iterations", type=int, default=int(os.environ.get("BENCH_INPROCESS_ITERATIONS", "240"))
    )
    args = parser.parse_args()

    services = resolve()
    database_url = bench_database_url(services.database_url)
    ensure_database(database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "DATABASE_URL": database_url,
        "REDIS_URL": services.redis_url,
        "CACHE_KEY_PREFIX": "obs-bench",
        "CELERY_QUEUE": SOS_QUEUE,
        "LOG_LEVEL": "WARNING",
    }
    log(f"database {urlsplit(database_url).path.lstrip('/')}; {services.description.split(';')[-1].strip()}")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "build_bench_catalog")
    vacuum(database_url)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    inprocess_file = OUT_DIR / "inprocess.json"
    log(f"in-process: {args.inprocess_iterations} interleaved rounds")
    manage(env, "bench_inprocess", "--iterations", str(args.inprocess_iterations), "--out", str(inprocess_file))
    inprocess = json.loads(inprocess_file.read_text())
    inprocess_file.unlink()
    sos_token = (
        subprocess.run(
            [PY, "manage.py", "bench_sos_token"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    tool = None if args.python_loadgen else ensure_wrk()
    log(f"load generator: {'wrk' if tool else 'scripts/loadgen.py (wrk unavailable)'}")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--keep-alive",
            "5",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if fetch(f"{base}/health/")[0] == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)

        status, _, body = fetch(f"{base}/api/v1/treks/?page_size=1&ordering=name")
        detail_slug = json.loads(body)["results"][0]["slug"]
        list_path = "/api/v1/treks/?page_size=20"
        endpoints: dict[str, tuple[str, dict[str, str]]] = {
            "floor": ("/api/v1/bench/floor/", {}),
            "list_uncached": (list_path, {NO_CACHE: "1"}),
            "list_cached": (list_path, {}),
            "detail": (f"/api/v1/treks/{detail_slug}/", {NO_CACHE: "1"}),
            "detail_cached": (f"/api/v1/treks/{detail_slug}/", {}),  # for information: no target
        }
        queries: dict[str, int] = {}
        for name, (path, headers) in endpoints.items():
            samples = []
            for _ in range(2 * args.workers + 4):  # every worker connected and warm; the minimum counts
                status, response_headers, body = fetch(base + path, headers)
                if status != 200:
                    raise RuntimeError(f"{name}: {path} answered {status}: {body[:300]!r}")
                samples.append(int(response_headers.get("X-Query-Count", "-1")))
            queries[name] = min(samples)
        count = json.loads(fetch(base + list_path)[2])["count"]
        for path, headers in endpoints.values():  # warm-up under load
            run_load(tool, base + path, headers, argparse.Namespace(**{**vars(args), "duration": 1}))

        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in endpoints if name != "floor"}
        floors: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
        for round_no in range(args.rounds):
            for name in runs:
                order = ["floor", name] if round_no % 2 == 0 else [name, "floor"]
                for which in order:
                    path, headers = endpoints[which]
                    result = run_load(tool, base + path, headers, args)
                    (floors[name] if which == "floor" else runs[name]).append(result)
                    log(f"round {round_no + 1} {which:<14} {result['rps']:>8.1f} req/s  p99 {result['p99_ms']} ms")

        def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
            return {
                "rps": round(statistics.median(r["rps"] for r in rows), 1),
                "p50_ms": round(statistics.median(r["p50_ms"] for r in rows), 2),
                "p95_ms": round(statistics.median(r["p95_ms"] for r in rows), 2),
                "p99_ms": round(statistics.median(r["p99_ms"] for r in rows), 2),
                "non_2xx": sum(r["non_2xx"] for r in rows),
                "requests": sum(r["requests"] for r in rows),
            }

        # SOS intake: every request a new SOS (own Idempotency-Key) with its alert deliveries, under load.
        sos_headers = {"Authorization": f"Bearer {sos_token}"}
        status = post_sos(base + SOS_PATH, sos_headers)
        if status != 201:
            raise RuntimeError(f"sos: {SOS_PATH} answered {status}")
        run_load(tool, base + SOS_PATH, sos_headers, argparse.Namespace(**{**vars(args), "duration": 1}), sos=True)
        sos_runs = []
        for round_no in range(args.rounds):
            row = run_load(tool, base + SOS_PATH, sos_headers, args, sos=True)
            sos_runs.append(row)
            log(f"round {round_no + 1} {'sos':<14} {row['rps']:>8.1f} req/s  p99 {row['p99_ms']} ms")

        all_floor = [row for rows in floors.values() for row in rows]
        result_endpoints: dict[str, Any] = {
            "floor": {**summary(all_floor), "path": endpoints["floor"][0], "queries": queries["floor"], "ratio": 1.0}
        }
        for name, rows in runs.items():
            ratios = [r["rps"] / f["rps"] for r, f in zip(rows, floors[name], strict=True) if f["rps"]]
            result_endpoints[name] = {
                **summary(rows),
                "path": endpoints[name][0] + (" (cache bypassed)" if NO_CACHE in endpoints[name][1] else ""),
                "queries": queries[name],
                "ratio": round(statistics.median(ratios), 3),
                "paired_ratios": [round(r, 3) for r in ratios],
            }
        result = {
            "meta": {
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "cpus": os.cpu_count(),
                "tool": "wrk" if tool else "scripts/loadgen.py",
                "workers": args.workers,
                "connections": args.connections,
                "rounds": args.rounds,
                "duration_s": args.duration,
                "dataset": f"{count} treks (bench catalog: 20 regions, 2,000 batches)",
            },
            "endpoints": result_endpoints,
            "targets": TARGETS,
            "sos": {**summary(sos_runs), "path": SOS_PATH},
            "inprocess": inprocess,
            "targets_met": {name: result_endpoints[name]["ratio"] >= target for name, target in TARGETS.items()}
            | {"zero_non_2xx": all(row["non_2xx"] == 0 for row in result_endpoints.values())}
            | {"sos_zero_errors": sum(row["non_2xx"] for row in sos_runs) == 0}
            | {
                f"inprocess_{name}": inprocess["paths"][name]["ratio_to_floor"] <= target
                for name, target in INPROCESS_TARGETS.items()
            }
            | {"ours_over_naive": ours_over_naive_met(inprocess)},
        }
        from scripts.storm import run_storm

        log(f"booking storm: {args.storm_clients} clients, {args.storm_seats} seats")
        result["storm"] = run_storm(env, base, clients=args.storm_clients, seats=args.storm_seats, out_dir=OUT_DIR)
        result["targets_met"]["storm_exact"] = result["storm"]["exact"]
    finally:
        stop_process_group(server)
        with contextlib.suppress(Exception):  # the SOS alerts queued for a worker that does not run
            import redis

            redis.Redis.from_url(services.redis_url).delete(SOS_QUEUE)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    from scripts.storm import storm_markdown

    table = (
        markdown(result)
        + "\n"
        + inprocess_markdown(result["inprocess"], result["endpoints"])
        + "\n"
        + storm_markdown(result["storm"])
    )
    for name in ("latest", stamp):
        (OUT_DIR / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        (OUT_DIR / f"{name}.md").write_text(table)
    print()
    print(table)
    log(f"written to {OUT_DIR.relative_to(ROOT)}/latest.json and latest.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
