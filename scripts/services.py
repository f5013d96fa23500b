"""Find or start the PostgreSQL and Redis the test suite runs against.

Order of preference, for each service on its own:

1. ``DATABASE_URL`` / ``REDIS_URL`` from the environment;
2. a server answering on the default local port (5432 / 6379);
3. a throwaway instance started from the installed binaries (``initdb``/``pg_ctl``, ``redis-server``)
   in a temporary directory, stopped and removed when the process that started it exits.

If none of these works, :class:`ServicesUnavailable` explains in one line what to install.
Child processes (pytest-xdist workers) inherit the chosen URLs through the environment.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_DESCRIPTION_ENV = "OBS_TEST_SERVICES"


class ServicesUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    description: str


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def _redis_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_database_name() -> str:
    """One database name per checkout, so two checkouts on one server never share test databases."""
    digest = hashlib.sha1(str(ROOT).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"obs_{digest}"


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    return None


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


def _start_postgres() -> str:
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise ServicesUnavailable(
            "PostgreSQL is needed for the tests: set DATABASE_URL, start a server on 127.0.0.1:5432, "
            "or install it (Debian/Ubuntu: apt-get install postgresql) so a throwaway one can be started."
        )
    base = Path(tempfile.mkdtemp(prefix="obs-pg-"))
    data = base / "data"
    user = _unprivileged_user() if os.geteuid() == 0 else None
    if os.geteuid() == 0 and user is None:
        raise ServicesUnavailable("PostgreSQL refuses to run as root and no unprivileged user exists to run it.")
    if user:
        pw = pwd.getpwnam(user)
        os.chown(base, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    _run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], user)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"], user)

    def stop() -> None:
        with contextlib.suppress(Exception):
            _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], user)
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    return f"postgres://postgres@127.0.0.1:{port}/{default_database_name()}"


def start_redis() -> tuple[str, Callable[[], None]]:
    """A throwaway redis-server on a free loopback port: its URL and a function that stops and removes it."""
    server = shutil.which("redis-server")
    if not server:
        raise ServicesUnavailable(
            "Redis is needed for the tests: set REDIS_URL, start a server on 127.0.0.1:6379, "
            "or install it (Debian/Ubuntu: apt-get install redis-server) so a throwaway one can be started."
        )
    base = Path(tempfile.mkdtemp(prefix="obs-redis-"))
    port = _free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(base)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        if _redis_answers("127.0.0.1", port):
            break
        proc.poll()
        if proc.returncode is not None:
            raise ServicesUnavailable(f"redis-server exited with {proc.returncode} before answering.")
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.1)

    def stop() -> None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        shutil.rmtree(base, ignore_errors=True)

    return f"redis://127.0.0.1:{port}/0", stop


def _start_redis() -> str:
    url, stop = start_redis()
    atexit.register(stop)
    return url


def _display(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


def resolve() -> Services:
    database_url = os.environ.get("DATABASE_URL", "").strip()
    redis_url = os.environ.get("REDIS_URL", "").strip()
    inherited = os.environ.get(_DESCRIPTION_ENV)
    if database_url and redis_url and inherited:
        return Services(database_url, redis_url, inherited)

    if database_url:
        db_source = "DATABASE_URL"
    elif _port_open("127.0.0.1", 5432):
        database_url = f"postgres://postgres@127.0.0.1:5432/{default_database_name()}"
        db_source = "local server on :5432"
    else:
        database_url = _start_postgres()
        db_source = "throwaway instance"

    if redis_url:
        redis_source = "REDIS_URL"
    elif _redis_answers("127.0.0.1", 6379):
        redis_url = "redis://127.0.0.1:6379/0"
        redis_source = "local server on :6379"
    else:
        redis_url = _start_redis()
        redis_source = "throwaway instance"

    description = f"PostgreSQL: {_display(database_url)} ({db_source}); Redis: {_display(redis_url)} ({redis_source})"
    os.environ[_DESCRIPTION_ENV] = description
    return Services(database_url, redis_url, description)
