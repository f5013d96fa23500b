"""Container health checks (standard library only: they run every interval and must not load Django).

    python deploy/healthcheck.py web                                   # the image's HEALTHCHECK
    python deploy/healthcheck.py beat /tmp/celerybeat-schedule --max-age 180

web: GET /health/ on the local gunicorn, with a Host header the settings accept (the first of
ALLOWED_HOSTS; Django answers 400 to any other host, 127.0.0.1 included).
beat: beat rewrites its schedule file after every task it sends (CELERY_BEAT_SYNC_EVERY = 1) and sends the
heartbeat every minute, so a file older than a few minutes means beat is stuck or gone.
(The worker's check is ``celery inspect ping`` addressed to it, in deploy/compose.yaml.)

Exit status 0: healthy; 1: not, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import os
import sys
import time


def health_host(allowed_hosts: str) -> str:
    """A host name Django accepts: the first concrete entry of ALLOWED_HOSTS (``.example.in`` -> ``example.in``)."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check_web(*, port: int, host: str, timeout: float) -> str | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/health/", headers={"Host": host})
        status = connection.getresponse().status
    except OSError as exc:
        return f"web: /health/ unreachable: {exc}"
    finally:
        connection.close()
    return None if status == 200 else f"web: /health/ answered {status} (Host: {host})"


def schedule_age(schedule: str, *, now: float) -> float | None:
    """Seconds since the schedule was last written (shelve may add a suffix: .db, .dat/.dir); None if absent."""
    stamps = [os.path.getmtime(path) for path in glob.glob(glob.escape(schedule) + "*")]
    return now - max(stamps) if stamps else None


def check_beat(*, schedule: str, max_age: float, now: float) -> str | None:
    age = schedule_age(schedule, now=now)
    if age is None:
        return f"beat: no schedule file at {schedule}"
    if age > max_age:
        return f"beat: schedule file not written for {age:.0f}s (limit {max_age:.0f}s)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Container health checks.")
    commands = parser.add_subparsers(dest="command", required=True)
    web = commands.add_parser("web", help="GET /health/ on the local gunicorn")
    web.add_argument("--port", type=int, default=8000)
    web.add_argument("--timeout", type=float, default=2.0)
    beat = commands.add_parser("beat", help="age of beat's schedule file")
    beat.add_argument("schedule", help="the --schedule file beat was started with")
    beat.add_argument("--max-age", type=float, default=180.0, help="seconds (default 180)")
    args = parser.parse_args(argv)
    if args.command == "web":
        problem = check_web(port=args.port, host=health_host(os.environ.get("ALLOWED_HOSTS", "")), timeout=args.timeout)
    else:
        problem = check_beat(schedule=args.schedule, max_age=args.max_age, now=time.time())
    if problem:
        sys.stderr.write(problem + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
